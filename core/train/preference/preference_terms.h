// What every pairwise preference loss returns, per pair, as TRL's dpo_loss does.
#pragma once
#include <ATen/core/Tensor.h>

namespace lathe {

struct PreferenceTerms {
    at::Tensor losses;            // (P) differentiable
    at::Tensor chosen_rewards;    // (P) detached: the implicit reward of the chosen response
    at::Tensor rejected_rewards;  // (P) detached
};

}  // namespace lathe
