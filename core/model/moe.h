// The sparse MLP of mixture-of-experts layers (Qwen2-MoE, Qwen3-MoE), with transformers' module names: a
// router (mlp.gate) scores every expert per token; the top num_experts_per_tok run, weighted by their
// softmax probabilities (renormalised with norm_topk_prob); Qwen2-MoE adds an always-on shared expert
// scaled by sigmoid(shared_expert_gate). Tokens are grouped by expert: each expert runs one matmul over
// the tokens routed to it, never a loop over tokens.
#pragma once
#include "core/model/config.h"
#include "core/model/linear.h"

#include <torch/torch.h>

#include <vector>

namespace lathe {

class MLPImpl;

class SparseMoeImpl : public torch::nn::Module {
public:
    explicit SparseMoeImpl(const ModelConfig& c);
    // x (..., C) -> (..., C). The router's logits for these tokens (N, E, float32) are appended to
    // `router_logits` when it is given (the load-balancing loss).
    torch::Tensor forward(const torch::Tensor& x, std::vector<torch::Tensor>* router_logits = nullptr);
    Linear gate{nullptr};
    torch::nn::ModuleList experts{nullptr};
    std::shared_ptr<MLPImpl> shared_expert;  // Qwen2-MoE; null elsewhere
    Linear shared_expert_gate{nullptr};
    int64_t top_k;
    bool norm_topk_prob;
};
TORCH_MODULE(SparseMoe);

// transformers' load_balancing_loss_func (Switch Transformer's auxiliary loss): num_experts times the sum
// over experts of (the share of top-k assignments it got) x (its mean router probability), over every
// sparse layer's tokens; padding (attention_mask (B, T) zeros, when defined) is left out. Each entry of
// `router_logits` is one layer's (B*T, E).
torch::Tensor load_balancing_loss(const std::vector<torch::Tensor>& router_logits, int64_t num_experts, int64_t top_k,
                                  const torch::Tensor& attention_mask);

}  // namespace lathe
