// SimPO (Meng et al. 2024), reference-free, as LLaMA-Factory's simpo_loss on length-averaged
// log-probs c, r with target margin gamma:
//   loss = -log s(b * ((c - r) - gamma / b))
//   rewards: b * c, b * r
#pragma once
#include "core/train/preference/preference_terms.h"

namespace lathe {

PreferenceTerms simpo_loss(const at::Tensor& chosen_avg_logps, const at::Tensor& rejected_avg_logps, double beta,
                           double gamma);

}  // namespace lathe
