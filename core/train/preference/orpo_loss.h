// ORPO (Hong et al. 2024), reference-free, as LLaMA-Factory's odds_ratio_loss on length-averaged
// log-probs c, r:
//   log_odds = (c - r) - (log(1 - e^c) - log(1 - e^r))
//   loss = -c + b * -log s(log_odds)           (the SFT term is part of ORPO)
//   rewards: b * c, b * r
#pragma once
#include "core/train/preference/preference_terms.h"

namespace lathe {

struct OrpoTerms : PreferenceTerms {
    at::Tensor sft_loss;         // (P) detached: -c
    at::Tensor odds_ratio_loss;  // (P) detached: -log s(log_odds)
};

OrpoTerms orpo_loss(const at::Tensor& chosen_avg_logps, const at::Tensor& rejected_avg_logps, double beta);

}  // namespace lathe
