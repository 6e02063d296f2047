#include "core/train/preference/dpo_loss.h"

#include "core/util/error.h"
#include "core/util/messages.h"

namespace lathe {

DpoVariant parse_dpo_variant(const std::string& name) {
    if (name == "sigmoid") return DpoVariant::Sigmoid;
    if (name == "hinge") return DpoVariant::Hinge;
    if (name == "ipo") return DpoVariant::Ipo;
    throw ConfigError(config_problem("pref_loss", "pref_loss_not_dpo", {name}));
}

PreferenceTerms dpo_loss(const at::Tensor& pi_c, const at::Tensor& pi_r, const at::Tensor& ref_c,
                         const at::Tensor& ref_r, double beta, DpoVariant variant, double label_smoothing) {
    namespace F = torch::nn::functional;
    auto logits = (pi_c - pi_r) - (ref_c - ref_r);  // (P)
    at::Tensor losses;
    switch (variant) {
        case DpoVariant::Sigmoid:
            losses = -F::logsigmoid(beta * logits) * (1.0 - label_smoothing) - F::logsigmoid(-beta * logits) * label_smoothing;
            break;
        case DpoVariant::Hinge:
            losses = torch::relu(1.0 - beta * logits);
            break;
        case DpoVariant::Ipo:
            losses = (logits - 1.0 / (2.0 * beta)).pow(2);
            break;
    }
    return {losses, (beta * (pi_c - ref_c)).detach(), (beta * (pi_r - ref_r)).detach()};
}

}  // namespace lathe
