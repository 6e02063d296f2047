#include "core/train/preference/kto_loss.h"

namespace lathe {

KtoTerms kto_loss(const at::Tensor& pi, const at::Tensor& ref, const at::Tensor& desirable, const at::Tensor& pi_kl,
                  const at::Tensor& ref_kl, double beta, double w_d, double w_u) {
    KtoTerms t;
    t.kl = (pi_kl - ref_kl).mean().detach().clamp_min(0.0);                            // ()
    auto logratios = pi - ref;                                                         // (B)
    auto chosen = w_d * (1.0 - torch::sigmoid(beta * (logratios - t.kl)));
    auto rejected = w_u * (1.0 - torch::sigmoid(beta * (t.kl - logratios)));
    t.losses = torch::where(desirable, chosen, rejected);                              // (B)
    auto rewards = (beta * logratios).detach();
    t.chosen_rewards = rewards.masked_select(desirable);
    t.rejected_rewards = rewards.masked_select(desirable.logical_not());
    return t;
}

}  // namespace lathe
