#include "core/peft/params.h"

#include "core/model/transformer.h"
#include "core/util/messages.h"

#include <cstdio>
#include <set>

namespace lathe {

std::string with_commas(int64_t v) {
    std::string digits = std::to_string(v), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
        out += digits[i];
    }
    return out;
}

std::vector<std::string> TrainableParameters::names() const {
    std::vector<std::string> out;
    for (const auto& p : named) out.push_back(p.first);
    return out;
}

Problem TrainableParameters::note() const {
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.4f", total > 0 ? 100.0 * double(trainable) / double(total) : 0.0);
    return lathe::note("trainable_params", {with_commas(trainable), with_commas(total), pct});
}

std::string TrainableParameters::summary() const { return note().message; }

TrainableParameters trainable_parameters(CausalLMImpl& model) {
    TrainableParameters out;
    for (const auto& item : model.named_parameters()) {
        const auto& p = item.value();
        out.total += p.numel();
        if (p.requires_grad()) {
            out.named.emplace_back(item.key(), p);
            out.trainable += p.numel();
        }
    }
    for (const auto& [name, linear] : named_linears(model))
        if (linear->storage) out.total += linear->in_features * linear->out_features;
    return out;
}

std::vector<std::pair<std::string, std::shared_ptr<LinearImpl>>> named_linears(CausalLMImpl& model) {
    std::vector<std::pair<std::string, std::shared_ptr<LinearImpl>>> out;
    for (const auto& item : model.named_modules("", /*include_self=*/false))
        if (auto linear = std::dynamic_pointer_cast<LinearImpl>(item.value())) out.emplace_back(item.key(), linear);
    return out;
}

std::string short_name(const std::string& name) {
    const size_t dot = name.rfind('.');
    return dot == std::string::npos ? name : name.substr(dot + 1);
}

bool name_matches(const std::string& name, const std::string& target) {
    if (name == target) return true;
    return name.size() > target.size() && name.compare(name.size() - target.size(), target.size(), target) == 0 &&
           name[name.size() - target.size() - 1] == '.';
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

}  // namespace lathe
