#include "core/train/preference/kto_objective.h"

#include "core/data/encode.h"
#include "core/dist/collective.h"
#include "core/data/record.h"
#include "core/train/preference/kto_loss.h"
#include "core/train/train_config.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <map>

namespace lathe {

namespace {

class KtoObjective : public Objective {
public:
    KtoObjective(KtoSettings s, std::unique_ptr<Reference> ref) : s_(s), ref_(std::move(ref)) {}

    int64_t units(const Batch& b) const override { return b.rows; }

    LossOutput compute(CausalLMImpl& model, const Batch& b, const TrainForward& how) override {
        if (!b.kto_tags.defined())
            throw DataError(plain_problem("kto_needs_tags"));
        Batch kl = kto_kl_batch(b, s_.cutoff_len, s_.pad_id);
        // Reference first (LoRA: the same modules with the adapter off), then the policy.
        auto ref = ref_->logps(b);
        auto ref_kl = ref_->logps(kl);
        SequenceLogps pi_kl;
        {
            torch::NoGradGuard no_grad;
            ForwardOptions o;
            o.attention_mask = kl.attention_mask;
            pi_kl = sequence_logps(model, model.hidden_states(kl.input_ids, o), kl.labels);
        }
        auto hidden = train_hidden_states(model, b.input_ids, b.attention_mask, how);  // (B, T, C)
        auto pi = sequence_logps(model, hidden, b.labels);                            // (B)
        auto desirable = b.kto_tags.to(pi.sum.device()) == 1;                         // (B) bool
        torch::Tensor kl_policy = pi_kl.sum, kl_reference = ref_kl.sum;
        if (how.collective) {
            // As TRL under DDP: the KL reference point is the mean over every rank's mismatched pairs.
            std::vector<double> v{(pi_kl.sum - ref_kl.sum).sum().item<double>(), static_cast<double>(b.rows)};
            how.collective->sum(v);
            kl_policy = torch::full({1}, v[0] / v[1], pi.sum.options());
            kl_reference = torch::zeros({1}, pi.sum.options());
        }
        auto t = kto_loss(pi.sum, ref.sum, desirable, kl_policy, kl_reference, s_.beta, s_.desirable_weight,
                          s_.undesirable_weight);
        LossOutput out;
        auto losses = t.losses;
        if (s_.ftx > 1e-6) losses = losses + s_.ftx * torch::where(desirable, -pi.mean(), torch::zeros_like(losses));
        out.loss_sum = losses.sum();
        const auto logps = pi.sum.detach();
        out.metrics["kl"] = t.kl.item<double>() * b.rows;
        out.metrics["count/chosen"] = static_cast<double>(t.chosen_rewards.numel());
        out.metrics["count/rejected"] = static_cast<double>(t.rejected_rewards.numel());
        out.metrics["rewards/chosen_sum"] = metric_sum(t.chosen_rewards);
        out.metrics["rewards/rejected_sum"] = metric_sum(t.rejected_rewards);
        out.metrics["logps/chosen_sum"] = metric_sum(logps.masked_select(desirable));
        out.metrics["logps/rejected_sum"] = metric_sum(logps.masked_select(desirable.logical_not()));
        return out;
    }

private:
    KtoSettings s_;
    std::unique_ptr<Reference> ref_;
};

// Row r of a batch split at its first labelled token: (prompt, response) without padding.
std::pair<std::vector<int64_t>, std::vector<int64_t>> split_row(const torch::Tensor& ids, const torch::Tensor& labels,
                                                                int64_t length) {
    auto id = ids.accessor<int64_t, 1>();
    auto lab = labels.accessor<int64_t, 1>();
    int64_t start = 0;
    while (start < length && lab[start] == kIgnoreIndex) ++start;
    std::vector<int64_t> prompt, response;
    for (int64_t t = 0; t < start; ++t) prompt.push_back(id[t]);
    for (int64_t t = start; t < length; ++t) response.push_back(id[t]);
    return {prompt, response};
}

}  // namespace

Batch kto_kl_batch(const Batch& b, int cutoff_len, int32_t pad_id) {
    auto ids = b.input_ids.to(torch::kCPU), labels = b.labels.to(torch::kCPU);
    auto lengths = b.attention_mask.to(torch::kCPU).sum(1);
    const int64_t B = ids.size(0);
    std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> parts;
    for (int64_t r = 0; r < B; ++r) parts.push_back(split_row(ids[r], labels[r], lengths[r].item<int64_t>()));
    std::vector<Example> rows(B);
    for (int64_t r = 0; r < B; ++r) {
        const auto& prompt = parts[r].first;
        const auto& response = parts[(r + B - 1) % B].second;
        auto [src, tgt] = infer_seqlen(prompt.size(), response.size(), static_cast<size_t>(cutoff_len));
        Example& e = rows[r];
        e.input_ids.assign(prompt.begin(), prompt.begin() + static_cast<std::ptrdiff_t>(src));
        e.input_ids.insert(e.input_ids.end(), response.begin(), response.begin() + static_cast<std::ptrdiff_t>(tgt));
        e.labels.assign(src, kIgnoreIndex);
        e.labels.insert(e.labels.end(), response.begin(), response.begin() + static_cast<std::ptrdiff_t>(tgt));
    }
    std::vector<const Example*> group;
    for (const auto& e : rows) group.push_back(&e);
    return collate(group, pad_id, b.input_ids.device());
}

KtoSettings kto_settings(const TrainConfig& c) {
    KtoSettings s;
    s.beta = c.pref_beta;
    s.desirable_weight = c.kto_chosen_weight;
    s.undesirable_weight = c.kto_rejected_weight;
    s.ftx = c.pref_ftx;
    s.cutoff_len = c.cutoff_len;
    return s;  // pad_id: set by the caller (from the tokenizer)
}

std::unique_ptr<Objective> make_kto_objective(const KtoSettings& s, std::unique_ptr<Reference> reference) {
    if (!reference) throw ConfigError(plain_problem("kto_needs_reference"));
    return std::make_unique<KtoObjective>(s, std::move(reference));
}

void prepare_kto_examples(std::vector<Example>& examples, const std::vector<Sample>& samples) {
    std::map<std::string, bool> tags;
    for (const auto& s : samples)
        if (s.kto_tag) tags[s.source] = *s.kto_tag;
    for (auto& e : examples) {
        auto it = tags.find(e.source);
        if (it == tags.end())
            throw DataError(plain_problem("kto_record_untagged", {e.source}));
        e.kto_tag = it->second ? 1 : 0;
        // Only the last response is judged: mask earlier assistant turns.
        size_t start = e.labels.size();
        while (start > 0 && e.labels[start - 1] != kIgnoreIndex) --start;
        std::fill(e.labels.begin(), e.labels.begin() + static_cast<std::ptrdiff_t>(start), kIgnoreIndex);
    }
}

}  // namespace lathe
