#include "core/peft/freeze.h"

#include "core/model/transformer.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"

#include <algorithm>
#include <set>

namespace lathe {

namespace {

const std::string kLayers = "model.layers.";

std::vector<std::string> components(const std::string& dotted) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t dot = dotted.find('.', start);
        out.push_back(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) return out;
        start = dot + 1;
    }
}

// "model.layers.3.mlp.up_proj.weight" -> layer 3, module path {"mlp", "up_proj"}; -1 outside the layers.
int64_t layer_of(const std::string& param, std::vector<std::string>& module_path) {
    auto parts = components(param);
    parts.pop_back();  // weight / bias
    if (param.compare(0, kLayers.size(), kLayers) != 0) {
        module_path = parts;
        return -1;
    }
    module_path.assign(parts.begin() + 3, parts.end());  // after model, layers, <i>
    return std::stoll(parts[2]);
}

[[noreturn]] void unknown(const std::string& setting, const std::string& name, const std::set<std::string>& valid) {
    std::vector<std::string> v(valid.begin(), valid.end());
    const std::string hint = closest_match(name, v);
    if (hint.empty()) throw ConfigError(config_problem(setting, "no_module_named", {name, join(v)}));
    throw ConfigError(config_problem(setting, "no_module_named_did_you_mean", {name, hint, join(v)}));
}

}  // namespace

TrainableParameters apply_freeze(CausalLMImpl& model, const FreezeSettings& s) {
    const int64_t layers = model.config().num_hidden_layers;
    const int64_t n = std::min<int64_t>(std::abs(s.trainable_layers), layers);
    const int64_t first = s.trainable_layers > 0 ? layers - n : 0;
    const int64_t last = s.trainable_layers > 0 ? layers : n;  // layers [first, last) are trainable

    // Module names available inside layers and outside them, for validation and messages.
    std::set<std::string> inner, outer;
    std::vector<std::string> path;
    for (const auto& p : model.named_parameters()) {
        if (layer_of(p.key(), path) >= 0) inner.insert(path.begin(), path.end());
        else if (!path.empty()) outer.insert(path.back());
    }
    const bool all = std::find(s.trainable_modules.begin(), s.trainable_modules.end(), "all") != s.trainable_modules.end();
    if (s.trainable_modules.empty()) throw ConfigError(plain_problem("freeze_modules_empty"));
    for (const auto& m : s.trainable_modules) {
        auto valid = inner;
        valid.insert("all");
        if (m != "all" && !inner.count(m)) unknown("freeze_trainable_modules", m, valid);
    }
    for (const auto& m : s.extra_modules)
        if (!outer.count(m)) unknown("freeze_extra_modules", m, outer);

    auto selected = [&](const std::string& name) {
        const int64_t layer = layer_of(name, path);
        if (layer < 0) return std::any_of(s.extra_modules.begin(), s.extra_modules.end(),
                                          [&](const std::string& m) { return std::find(path.begin(), path.end(), m) != path.end(); });
        if (layer < first || layer >= last) return false;
        return all || std::any_of(s.trainable_modules.begin(), s.trainable_modules.end(), [&](const std::string& m) {
                   return std::find(path.begin(), path.end(), m) != path.end();
               });
    };
    bool any = false;
    for (auto& p : model.named_parameters()) {
        const bool on = selected(p.key());
        p.value().set_requires_grad(on);
        any = any || on;
    }
    if (!any)
        throw ConfigError(plain_problem("freeze_nothing_to_train", {std::to_string(s.trainable_layers),
                                                                     join(s.trainable_modules), std::to_string(layers)}));
    return trainable_parameters(model);
}

}  // namespace lathe
