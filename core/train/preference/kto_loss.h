// KTO (Ethayarajh et al. 2024), as TRL's KTOTrainer.kto_loss, on summed log-probs of single responses
// labelled desirable or undesirable:
//   KL  = max(0, mean(pi_KL - ref_KL))  over mismatched (prompt, other response) rows, no gradient
//   desirable:   w_d * (1 - s(b * ((pi - ref) - KL)))
//   undesirable: w_u * (1 - s(b * (KL - (pi - ref))))
//   rewards: b * (pi - ref)
#pragma once
#include <ATen/core/Tensor.h>

namespace lathe {

struct KtoTerms {
    at::Tensor losses;            // (B) weighted, in batch order, differentiable
    at::Tensor chosen_rewards;    // (Nd) detached, desirable rows
    at::Tensor rejected_rewards;  // (Nu) detached, undesirable rows
    at::Tensor kl;                // () detached
};

// policy, reference, policy_kl, reference_kl: (B); desirable: (B) bool.
KtoTerms kto_loss(const at::Tensor& policy, const at::Tensor& reference, const at::Tensor& desirable,
                  const at::Tensor& policy_kl, const at::Tensor& reference_kl, double beta, double desirable_weight,
                  double undesirable_weight);

}  // namespace lathe
