// What a stage optimises. Stages are thin objectives over one shared training loop: pre-training and
// SFT share the causal-LM loss; reward modelling and DPO add their own.
#pragma once
#include "core/data/batching.h"
#include "core/model/transformer.h"

#include <map>
#include <memory>
#include <string>

namespace lathe {

class Collective;

// How the loop runs the model in training (the same for every objective).
struct TrainForward {
    bool gradient_checkpointing = false;
    double neftune_noise_alpha = 0.0;  // NEFTune: uniform noise on the input embeddings
    double moe_aux_loss_coef = 0.0;    // mixtures of experts: weight of the router's load-balancing loss
    // A data-parallel run's ranks (core/dist/collective.h), for a loss built on a statistic of the whole
    // batch (KTO's KL reference point); null in one process and in evaluation.
    Collective* collective = nullptr;
};

// Final hidden states (B, T, C) of `input_ids` under the training options; a mixture of experts' router
// logits go to `router_logits` when given.
torch::Tensor train_hidden_states(CausalLMImpl& model, const torch::Tensor& input_ids,
                                  const torch::Tensor& attention_mask, const TrainForward& how,
                                  std::vector<torch::Tensor>* router_logits = nullptr);

// A batch's metric from a per-unit tensor: the sum of its elements (0 for an empty tensor).
double metric_sum(const torch::Tensor& t);

struct LossOutput {
    torch::Tensor loss_sum;                  // scalar: the loss summed over the batch's units
    std::map<std::string, double> metrics;   // summed over units too (averaged by the loop)
};

class Objective {
public:
    virtual ~Objective() = default;
    // What the loss is averaged over in an accumulation window: label tokens for language-model
    // losses (so 4 x 2 accumulation equals one batch of 8), pairs for preference losses.
    virtual int64_t units(const Batch& batch) const = 0;
    virtual LossOutput compute(CausalLMImpl& model, const Batch& batch, const TrainForward& how) = 0;
};

// Next-token cross-entropy on the labelled positions (pt and sft), plus moe_aux_loss_coef times the
// router's load-balancing loss for a mixture of experts (metric "aux_loss").
std::unique_ptr<Objective> make_lm_objective();

// Summed cross-entropy of labels (B, T) under hidden (B, T, C), shifted by one; logits are computed only
// at labelled positions, a chunk at a time (core/train/token_logprobs.h). Returns (loss_sum, label_count).
std::pair<torch::Tensor, int64_t> lm_loss_sum(CausalLMImpl& model, const torch::Tensor& hidden, const torch::Tensor& labels);

}  // namespace lathe
