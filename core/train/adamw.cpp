#include "core/train/adamw.h"

#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <cmath>
#include <map>

namespace lathe {

bool AdamW::decays(const std::string& name) {
    const bool bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    return !bias && name.find("norm") == std::string::npos && name.find("lora_magnitude_vector") == std::string::npos;
}

AdamW::AdamW(std::vector<NamedParameter> params, const AdamWOptions& options)
    : params_(std::move(params)), opt_(options) {
    for (const auto& p : params_) {
        exp_avg_.push_back(torch::zeros_like(p.param, torch::MemoryFormat::Contiguous));
        exp_avg_sq_.push_back(torch::zeros_like(p.param, torch::MemoryFormat::Contiguous));
        decay_.push_back(decays(p.name));
    }
}

void AdamW::zero_grad() {
    for (auto& p : params_)
        if (p.param.grad().defined()) p.param.mutable_grad().zero_();
}

void AdamW::step(double lr) {
    torch::NoGradGuard no_grad;
    ++step_;
    const double bc1 = 1.0 - std::pow(opt_.beta1, static_cast<double>(step_));
    const double bc2 = 1.0 - std::pow(opt_.beta2, static_cast<double>(step_));
    const double step_size = lr / bc1;
    const double bc2_sqrt = std::sqrt(bc2);
    for (size_t i = 0; i < params_.size(); ++i) {
        auto& p = params_[i].param;
        const auto& g = p.grad();
        if (!g.defined() || (!owned_.empty() && !owned_[i])) continue;
        if (decay_[i] && opt_.weight_decay != 0.0) p.mul_(1.0 - lr * opt_.weight_decay);
        exp_avg_[i].lerp_(g, 1.0 - opt_.beta1);                              // m = b1 m + (1 - b1) g
        exp_avg_sq_[i].mul_(opt_.beta2).addcmul_(g, g, 1.0 - opt_.beta2);   // v = b2 v + (1 - b2) g^2
        auto denom = (exp_avg_sq_[i].sqrt() / bc2_sqrt).add_(opt_.eps);
        p.addcdiv_(exp_avg_[i], denom, -step_size);
    }
}

void AdamW::keep_state_only_for(const std::vector<bool>& owned) {
    owned_ = owned;
    for (size_t i = 0; i < params_.size(); ++i)
        if (!owned_[i]) exp_avg_[i] = exp_avg_sq_[i] = torch::Tensor();
}

std::pair<torch::Tensor, torch::Tensor> AdamW::moments(size_t i) {
    if (!exp_avg_[i].defined()) {
        exp_avg_[i] = torch::zeros_like(params_[i].param, torch::MemoryFormat::Contiguous);
        exp_avg_sq_[i] = torch::zeros_like(params_[i].param, torch::MemoryFormat::Contiguous);
    }
    return {exp_avg_[i], exp_avg_sq_[i]};
}

std::vector<std::pair<std::string, torch::Tensor>> AdamW::state() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (size_t i = 0; i < params_.size(); ++i) {
        if (!exp_avg_[i].defined()) continue;  // another rank's (ZeRO-1): gathered before a checkpoint
        out.emplace_back("exp_avg/" + params_[i].name, exp_avg_[i].to(torch::kCPU));
        out.emplace_back("exp_avg_sq/" + params_[i].name, exp_avg_sq_[i].to(torch::kCPU));
    }
    out.emplace_back("step", torch::tensor({step_}, torch::kLong));
    return out;
}

void AdamW::load_state(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, const std::string& origin) {
    std::map<std::string, torch::Tensor> by_name(tensors.begin(), tensors.end());
    auto take = [&](const std::string& key, const torch::Tensor& like) {
        auto it = by_name.find(key);
        if (it == by_name.end()) throw ModelError(file_problem(origin, 0, 0, "optimizer_state_missing", {key}));
        if (it->second.sizes() != like.sizes())
            throw ModelError(file_problem(origin, 0, 0, "optimizer_state_shape",
                                          {key, shape_string(it->second.sizes().vec()), shape_string(like.sizes().vec())}));
        return it->second;
    };
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i) {
        auto [m, v] = moments(i);
        m.copy_(take("exp_avg/" + params_[i].name, m));
        v.copy_(take("exp_avg_sq/" + params_[i].name, v));
    }
    auto it = by_name.find("step");
    if (it == by_name.end()) throw ModelError(file_problem(origin, 0, 0, "optimizer_state_missing", {"step"}));
    step_ = it->second.item<int64_t>();
}

double clip_grad_norm(const std::vector<NamedParameter>& params, double max_norm) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> norms;
    for (const auto& p : params)
        if (p.param.grad().defined()) norms.push_back(p.param.grad().norm(2).to(torch::kFloat));
    if (norms.empty()) return 0.0;
    const double total = torch::stack(norms).norm(2).item<double>();
    if (max_norm > 0 && std::isfinite(total)) {
        const double coef = max_norm / (total + 1e-6);
        if (coef < 1.0)
            for (const auto& p : params)
                if (p.param.grad().defined()) p.param.mutable_grad().mul_(coef);
    }
    return total;
}

}  // namespace lathe
