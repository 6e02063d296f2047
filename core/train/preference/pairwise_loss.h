// The reward model's pairwise (Bradley-Terry) loss, as LLaMA-Factory's PairwiseTrainer:
//   loss = -log s(r_chosen - r_rejected), per pair, on float32 scores.
#pragma once
#include <ATen/core/Tensor.h>

namespace lathe {

// chosen_scores, rejected_scores (P) -> losses (P).
at::Tensor pairwise_loss(const at::Tensor& chosen_scores, const at::Tensor& rejected_scores);

}  // namespace lathe
