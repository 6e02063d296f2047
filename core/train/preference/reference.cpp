#include "core/train/preference/reference.h"

#include "core/data/batching.h"
#include "core/dist/collective.h"
#include "core/model/transformer.h"
#include "core/peft/lora.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/cancel.h"

#include <unordered_map>

namespace lathe {

namespace {

SequenceLogps forward_logps(CausalLMImpl& model, const Batch& b) {
    torch::NoGradGuard no_grad;
    ForwardOptions o;
    o.attention_mask = b.attention_mask;
    auto hidden = model.hidden_states(b.input_ids, o);  // (B, T, C)
    auto out = sequence_logps(model, hidden, b.labels);
    return {out.sum.detach(), out.count.detach()};
}

// Switches a LoRA model's adapters off for one scope, whatever happens inside it.
class AdaptersOff {
public:
    explicit AdaptersOff(LoraModel& lora) : lora_(lora), was_(lora.enabled()) { lora_.set_enabled(false); }
    ~AdaptersOff() { lora_.set_enabled(was_); }
    AdaptersOff(const AdaptersOff&) = delete;
    AdaptersOff& operator=(const AdaptersOff&) = delete;

private:
    LoraModel& lora_;
    bool was_;
};

class AdapterOffReference : public Reference {
public:
    explicit AdapterOffReference(std::shared_ptr<LoraModel> lora) : lora_(std::move(lora)) {}
    SequenceLogps logps(const Batch& b) override {
        AdaptersOff off(*lora_);
        return forward_logps(lora_->model(), b);
    }
    Problem describe() const override { return note("reference_adapter_off"); }

private:
    std::shared_ptr<LoraModel> lora_;
};

class ModelReference : public Reference {
public:
    ModelReference(std::shared_ptr<CausalLMImpl> model, Problem what) : model_(std::move(model)), what_(std::move(what)) {
        model_->eval();
        for (auto& p : model_->parameters()) p.set_requires_grad(false);
    }
    SequenceLogps logps(const Batch& b) override { return forward_logps(*model_, b); }
    Problem describe() const override { return what_; }

private:
    std::shared_ptr<CausalLMImpl> model_;
    Problem what_;
};

class CurrentModelReference : public Reference {
public:
    explicit CurrentModelReference(CausalLMImpl& model) : model_(model) {}
    SequenceLogps logps(const Batch& b) override { return forward_logps(model_, b); }
    Problem describe() const override { return note("reference_before_training"); }

private:
    CausalLMImpl& model_;
};

// A row's identity: its tokens and labels up to the padding.
std::string row_key(const int64_t* ids, const int64_t* labels, int64_t n) {
    std::string key(reinterpret_cast<const char*>(ids), n * sizeof(int64_t));
    key.append(reinterpret_cast<const char*>(labels), n * sizeof(int64_t));
    return key;
}

std::vector<std::string> row_keys(const Batch& b) {
    auto ids = b.input_ids.to(torch::kCPU).contiguous();
    auto labels = b.labels.to(torch::kCPU).contiguous();
    auto lengths = b.attention_mask.to(torch::kCPU).sum(1).contiguous();
    const int64_t B = ids.size(0), T = ids.size(1);
    std::vector<std::string> keys;
    for (int64_t r = 0; r < B; ++r)
        keys.push_back(row_key(ids.data_ptr<int64_t>() + r * T, labels.data_ptr<int64_t>() + r * T,
                               lengths.data_ptr<int64_t>()[r]));
    return keys;
}

class PrecomputedReference : public Reference {
public:
    PrecomputedReference(Reference& source, const std::vector<const Example*>& examples, int batch_size,
                         int32_t pad_id, c10::Device device, Collective* dist)
        : what_(composed("reference_precomputed", {source.describe()})) {
        const int rank = dist ? dist->rank() : 0, world = dist ? dist->world_size() : 1;
        // Every rank collates every batch (for the rows' keys); rank r runs batches r, r + world, ...
        std::vector<std::string> keys;
        std::vector<float> values;  // sum, count per row; zeros where another rank runs the batch
        int64_t batch_index = 0;
        for (size_t i = 0; i < examples.size(); i += batch_size, ++batch_index) {
            throw_if_cancelled();
            std::vector<const Example*> group(examples.begin() + i,
                                              examples.begin() + std::min(examples.size(), i + batch_size));
            Batch b = collate(group, pad_id, device);
            const auto row_names = row_keys(b);
            keys.insert(keys.end(), row_names.begin(), row_names.end());
            if (batch_index % world != rank) {
                values.resize(values.size() + 2 * row_names.size(), 0.0f);
                continue;
            }
            auto lp = source.logps(b);
            auto sum = lp.sum.to(torch::kCPU), count = lp.count.to(torch::kCPU);
            for (size_t r = 0; r < row_names.size(); ++r) {
                values.push_back(sum[static_cast<int64_t>(r)].item<float>());
                values.push_back(count[static_cast<int64_t>(r)].item<float>());
            }
        }
        if (dist) {
            auto shared = torch::tensor(values, torch::kFloat);  // x + 0 + ... is x: the same values as one process
            dist->sum_tensors({shared});
            auto a = shared.accessor<float, 1>();
            for (size_t k = 0; k < values.size(); ++k) values[k] = a[static_cast<int64_t>(k)];
        }
        for (size_t r = 0; r < keys.size(); ++r) table_[keys[r]] = {values[2 * r], values[2 * r + 1]};
    }
    SequenceLogps logps(const Batch& b) override {
        auto keys = row_keys(b);
        std::vector<float> sum, count;
        for (size_t r = 0; r < keys.size(); ++r) {
            auto it = table_.find(keys[r]);
            if (it == table_.end())
                throw ModelError("precomputed reference log-probs: batch row " + std::to_string(r) +
                                 " was not seen when they were computed (its tokens changed?)");
            sum.push_back(it->second.first);
            count.push_back(it->second.second);
        }
        auto dev = b.input_ids.device();
        return {torch::tensor(sum, torch::kFloat).to(dev), torch::tensor(count, torch::kFloat).to(dev)};
    }
    Problem describe() const override { return what_; }

private:
    std::unordered_map<std::string, std::pair<float, float>> table_;
    Problem what_;
};

}  // namespace

std::unique_ptr<Reference> adapter_off_reference(std::shared_ptr<LoraModel> lora) {
    return std::make_unique<AdapterOffReference>(std::move(lora));
}

std::unique_ptr<Reference> frozen_copy_reference(CausalLMImpl& model) {
    torch::NoGradGuard no_grad;
    auto copy = std::make_shared<CausalLMImpl>(model.config());
    auto source = model.named_parameters();
    for (auto& item : copy->named_parameters()) {
        const torch::Tensor* p = source.find(item.key());
        if (!p) throw ModelError("reference copy: the model has no parameter '" + item.key() + "'");
        // Frozen tensors never change during training: share them instead of copying.
        item.value().set_data(p->requires_grad() ? p->detach().clone() : p->detach());
    }
    int64_t cloned = 0;
    for (const auto& item : source)
        if (item.value().requires_grad()) cloned += item.value().numel();
    return std::make_unique<ModelReference>(copy, note("reference_frozen_copy", {std::to_string(cloned)}));
}

std::unique_ptr<Reference> model_reference(std::shared_ptr<CausalLMImpl> model, Problem what) {
    return std::make_unique<ModelReference>(std::move(model), std::move(what));
}

std::unique_ptr<Reference> current_model_reference(CausalLMImpl& model) {
    return std::make_unique<CurrentModelReference>(model);
}

std::unique_ptr<Reference> precomputed_reference(Reference& source, const std::vector<const Example*>& examples,
                                                 int batch_size, int32_t pad_id, c10::Device device, Collective* dist) {
    return std::make_unique<PrecomputedReference>(source, examples, batch_size, pad_id, device, dist);
}

}  // namespace lathe
