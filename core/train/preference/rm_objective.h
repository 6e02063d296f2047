// stage: rm. The reward of a sequence is the value head's score at its last non-padding token; the
// loss per pair is -log s(r_chosen - r_rejected) (LLaMA-Factory's PairwiseTrainer). Metrics, summed
// over pairs like the loss: accuracy (r_chosen > r_rejected), margin (r_chosen - r_rejected),
// rewards/chosen, rewards/rejected.
#pragma once
#include "core/train/objective.h"

#include <memory>

namespace lathe {

class ValueHead;

std::unique_ptr<Objective> make_rm_objective(std::shared_ptr<ValueHead> head);

// Scores of chosen (P) and rejected (P) -> the loss and metrics of the batch (exposed for tests).
LossOutput rm_loss_output(const torch::Tensor& chosen_scores, const torch::Tensor& rejected_scores);

}  // namespace lathe
