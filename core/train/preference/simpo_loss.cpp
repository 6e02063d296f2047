#include "core/train/preference/simpo_loss.h"

namespace lathe {

PreferenceTerms simpo_loss(const at::Tensor& c, const at::Tensor& r, double beta, double gamma) {
    auto logits = (c - r) - gamma / beta;  // (P)
    return {-torch::nn::functional::logsigmoid(beta * logits), (beta * c).detach(), (beta * r).detach()};
}

}  // namespace lathe
