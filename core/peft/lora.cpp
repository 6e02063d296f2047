#include "core/peft/lora.h"

#include "core/model/transformer.h"
#include "core/peft/lora_layer.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace lathe {

namespace {

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// `base` is no_linear_named or no_module_named; `tied`: the model ties lm_head to embed_tokens.
Problem unknown_name_problem(const std::string& setting, const std::string& name, const std::string& base,
                             const std::vector<std::string>& valid, bool tied = false) {
    const std::string hint = closest_match(name, valid);
    const std::string id = base + (hint.empty() ? "" : "_did_you_mean") + (tied ? "_tied" : "");
    if (hint.empty()) return config_problem(setting, id, {name, join(valid)});
    return config_problem(setting, id, {name, hint, join(valid)});
}

// Full names of the Linears the targets select, in model order.
std::vector<std::string> resolve_targets(CausalLMImpl& model, const std::vector<std::string>& targets) {
    const auto linears = named_linears(model);
    std::vector<std::string> shorts;
    for (const auto& [name, l] : linears) shorts.push_back(short_name(name));
    shorts = sorted_unique(shorts);
    if (targets.empty()) throw ConfigError(plain_problem("lora_target_empty", {join(shorts)}));
    const bool all = std::find(targets.begin(), targets.end(), "all") != targets.end();
    for (const auto& t : targets) {
        if (t == "all") continue;
        bool found = false;
        for (const auto& [name, l] : linears) found = found || name_matches(name, t);
        if (!found) {
            auto valid = shorts;
            valid.insert(valid.begin(), "all");
            throw ConfigError(unknown_name_problem("lora_target", t, "no_linear_named", valid));
        }
    }
    std::vector<std::string> out;
    for (const auto& [name, l] : linears) {
        bool selected = all ? name != "lm_head" : false;  // as LLaMA-Factory's find_all_linear_modules
        for (const auto& t : targets) selected = selected || (t != "all" && name_matches(name, t));
        if (selected) out.push_back(name);
    }
    return out;
}

// Modules holding parameters of their own (embeddings, norms, Linears), LoRA's own modules excluded.
std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> parameter_modules(CausalLMImpl& model) {
    std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> out;
    for (const auto& item : model.named_modules("", /*include_self=*/false)) {
        const std::string s = short_name(item.key());
        if (s == "lora_A" || s == "lora_B" || s == "lora_magnitude_vector") continue;
        if (!item.value()->named_parameters(/*recurse=*/false).is_empty() ||
            std::dynamic_pointer_cast<LinearImpl>(item.value()))
            out.emplace_back(item.key(), item.value());
    }
    return out;
}

std::vector<std::string> resolve_additional(CausalLMImpl& model, const std::vector<std::string>& targets) {
    const auto modules = parameter_modules(model);
    std::vector<std::string> out;
    for (const auto& t : targets) {
        bool found = false;
        for (const auto& [name, m] : modules) {
            if (!name_matches(name, t)) continue;
            found = true;
            auto linear = std::dynamic_pointer_cast<LinearImpl>(m);
            if (linear && linear->storage)
                throw ConfigError(config_problem("additional_target", "additional_target_quantized", {name}));
            out.push_back(name);
        }
        if (!found) {
            std::vector<std::string> valid;
            for (const auto& [name, m] : modules) valid.push_back(short_name(name));
            throw ConfigError(unknown_name_problem("additional_target", t, "no_module_named", sorted_unique(valid),
                                                   t == "lm_head" && model.config().tie_word_embeddings));
        }
    }
    return sorted_unique(out);
}

std::shared_ptr<torch::nn::Module> find_module(CausalLMImpl& model, const std::string& name) {
    for (const auto& item : model.named_modules("", false))
        if (item.key() == name) return item.value();
    throw ModelError(plain_problem("model_has_no_module", {name}));
}

std::string number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

void freeze_all(CausalLMImpl& model) {
    for (auto& p : model.parameters()) p.set_requires_grad(false);
}

}  // namespace

double LoraSettings::scaling() const {
    return LoraLayerOptions{rank, alpha, dropout, use_rslora, use_dora}.scaling();
}

void LoraSettings::validate() const {
    if (rank <= 0) throw ConfigError(plain_problem("lora_rank_not_positive", {std::to_string(rank)}));
    if (!(alpha > 0)) throw ConfigError(plain_problem("lora_alpha_not_positive", {number(alpha)}));
    if (!(dropout >= 0 && dropout < 1)) throw ConfigError(plain_problem("lora_dropout_out_of_range", {number(dropout)}));
}

LoraModel::LoraModel(std::shared_ptr<CausalLMImpl> model, LoraSettings settings, std::vector<std::string> modules,
                     std::vector<std::string> additional_modules)
    : model_(std::move(model)), settings_(std::move(settings)), modules_(std::move(modules)),
      additional_modules_(std::move(additional_modules)) {
    torch::NoGradGuard no_grad;
    for (const auto& name : additional_modules_)
        for (const auto& p : find_module(*model_, name)->named_parameters(/*recurse=*/false))
            originals_.emplace_back(name + "." + p.key(), p.value().detach().clone());
}

LoraModel LoraModel::apply(std::shared_ptr<CausalLMImpl> model, const LoraSettings& s) {
    s.validate();
    auto targets = resolve_targets(*model, s.targets);
    auto additional = resolve_additional(*model, s.additional_targets);
    for (const auto& a : additional)
        if (std::find(targets.begin(), targets.end(), a) != targets.end())
            throw ConfigError(plain_problem("lora_target_and_additional", {a}));
    for (const auto& name : targets)
        if (std::dynamic_pointer_cast<LinearImpl>(find_module(*model, name))->adapter)
            throw ConfigError(plain_problem("module_has_adapter", {name}));
    freeze_all(*model);
    LoraLayerOptions o{s.rank, s.alpha, s.dropout, s.use_rslora, s.use_dora};
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(s.seed);
    for (const auto& name : targets) {
        auto linear = std::dynamic_pointer_cast<LinearImpl>(find_module(*model, name));
        add_lora(*linear, o, gen);
    }
    for (const auto& name : additional)
        for (auto& p : find_module(*model, name)->parameters(/*recurse=*/false)) p.set_requires_grad(true);
    return LoraModel(std::move(model), s, std::move(targets), std::move(additional));
}

std::vector<std::string> LoraModel::target_modules() const {
    std::vector<std::string> out;
    for (const auto& m : modules_) out.push_back(short_name(m));
    return sorted_unique(out);
}

std::vector<std::pair<std::string, at::Tensor>> LoraModel::state() const {
    static const std::string prefix = "base_model.model.";
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& name : modules_) {
        auto lora = lora_of(*std::dynamic_pointer_cast<LinearImpl>(find_module(*model_, name)));
        out.emplace_back(prefix + name + ".lora_A.weight", lora->lora_A->weight.detach());
        out.emplace_back(prefix + name + ".lora_B.weight", lora->lora_B->weight.detach());
        // PEFT keeps the pre-refactor key: the magnitude parameter without ".weight".
        if (lora->magnitude) out.emplace_back(prefix + name + ".lora_magnitude_vector", lora->magnitude->weight.detach());
    }
    auto params = model_->named_parameters();
    for (const auto& [name, original] : originals_)  // while disabled the trained values sit in originals_
        out.emplace_back(prefix + name, enabled_ ? params[name].detach() : original);
    return out;
}

void LoraModel::set_enabled(bool enabled) {
    if (enabled == enabled_) return;
    for (const auto& name : modules_)
        if (auto lora = lora_of(*std::dynamic_pointer_cast<LinearImpl>(find_module(*model_, name)))) lora->enabled = enabled;
    // Swap the trained and the original values of additional targets (no copies; storage pointers move).
    auto params = model_->named_parameters();
    for (auto& [name, other] : originals_) {
        auto& p = params[name];
        auto current = p.data();
        p.set_data(other);
        other = current;
    }
    enabled_ = enabled;
}

void LoraModel::merge() {
    set_enabled(true);
    for (const auto& name : modules_) merge_lora(*std::dynamic_pointer_cast<LinearImpl>(find_module(*model_, name)));
    freeze_all(*model_);
    modules_.clear();
    additional_modules_.clear();
    originals_.clear();
}

void LoraModel::unload() {
    set_enabled(false);
    for (const auto& name : modules_) remove_lora(*std::dynamic_pointer_cast<LinearImpl>(find_module(*model_, name)));
    freeze_all(*model_);
    modules_.clear();
    additional_modules_.clear();
    originals_.clear();
    enabled_ = true;
}

}  // namespace lathe
