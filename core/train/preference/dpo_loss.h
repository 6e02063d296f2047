// DPO and the variants that compare against a reference model, as TRL's DPOTrainer.dpo_loss:
//   logits = (pi_c - pi_r) - (ref_c - ref_r)
//   sigmoid (DPO, Rafailov et al. 2023; cDPO label smoothing e, Mitchell 2023):
//            -log s(b * logits) * (1 - e) - log s(-b * logits) * e
//   hinge   (RSO, Liu et al. 2023):   max(0, 1 - b * logits)
//   ipo     (Azar et al. 2023, eq. 17): (logits - 1 / (2b))^2   (with length-averaged log-probs)
//   rewards: b * (pi_c - ref_c), b * (pi_r - ref_r)
#pragma once
#include "core/train/preference/preference_terms.h"

#include <string>

namespace lathe {

enum class DpoVariant { Sigmoid, Hinge, Ipo };

// Throws ConfigError naming pref_loss for anything but sigmoid, hinge, ipo.
DpoVariant parse_dpo_variant(const std::string& pref_loss);

// Log-probs (P) each: policy chosen / rejected, reference chosen / rejected.
PreferenceTerms dpo_loss(const at::Tensor& policy_chosen, const at::Tensor& policy_rejected,
                         const at::Tensor& reference_chosen, const at::Tensor& reference_rejected, double beta,
                         DpoVariant variant, double label_smoothing = 0.0);

}  // namespace lathe
