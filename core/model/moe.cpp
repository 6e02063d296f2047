#include "core/model/moe.h"

#include "core/model/transformer.h"

namespace lathe {

namespace {

// The config an expert's MLP is built from: its own intermediate size, separate gate/up projections.
ModelConfig expert_config(const ModelConfig& c, int64_t intermediate) {
    ModelConfig e = c;
    e.intermediate_size = intermediate;
    e.mlp_bias = false;
    return e;
}

}  // namespace

SparseMoeImpl::SparseMoeImpl(const ModelConfig& c) : top_k(c.num_experts_per_tok), norm_topk_prob(c.norm_topk_prob) {
    gate = register_module("gate", Linear(c.hidden_size, c.num_experts, false));
    experts = register_module("experts", torch::nn::ModuleList());
    const ModelConfig ec = expert_config(c, c.moe_intermediate_size);
    for (int64_t e = 0; e < c.num_experts; ++e) experts->push_back(MLP(ec));
    if (c.shared_expert_intermediate_size > 0) {
        shared_expert = register_module("shared_expert", std::make_shared<MLPImpl>(expert_config(c, c.shared_expert_intermediate_size)));
        shared_expert_gate = register_module("shared_expert_gate", Linear(c.hidden_size, 1, false));
    }
}

torch::Tensor SparseMoeImpl::forward(const torch::Tensor& x, std::vector<torch::Tensor>* router_logits) {
    const int64_t C = x.size(-1);
    const auto flat = x.reshape({-1, C});  // (N, C)
    const int64_t E = int64_t(experts->size());
    auto logits = gate(flat);               // (N, E)
    auto probs = torch::softmax(logits.to(torch::kFloat), -1);
    auto [weights, chosen] = probs.topk(top_k, -1);  // (N, k)
    if (norm_topk_prob) weights = weights / weights.sum(-1, true);
    weights = weights.to(flat.scalar_type());
    if (router_logits) router_logits->push_back(logits.to(torch::kFloat));

    // Group the N x k assignments by expert: one index_select, one expert call and one index_add per expert
    // that got tokens.
    const auto assignment = chosen.reshape(-1);                      // (N*k) expert of each assignment
    const auto order = std::get<1>(assignment.sort(c10::optional<bool>(true), 0, false));  // by expert, stably
    const auto token_of = order.div(top_k, "floor");                 // their tokens
    const auto weight_of = weights.reshape(-1).index_select(0, order).unsqueeze(1);
    const auto counts = torch::bincount(assignment, {}, E).to(torch::kCPU);
    const auto* count = counts.data_ptr<int64_t>();
    auto out = torch::zeros_like(flat);
    int64_t start = 0;
    for (int64_t e = 0; e < E; ++e) {
        const int64_t n = count[e];
        if (n == 0) continue;
        const auto tokens = token_of.narrow(0, start, n);
        auto y = experts->ptr<MLPImpl>(size_t(e))->forward(flat.index_select(0, tokens)) * weight_of.narrow(0, start, n);
        out.index_add_(0, tokens, y.to(out.scalar_type()));
        start += n;
    }
    if (shared_expert) out = out + torch::sigmoid(shared_expert_gate(flat)) * shared_expert->forward(flat);
    return out.view(x.sizes());
}

torch::Tensor load_balancing_loss(const std::vector<torch::Tensor>& router_logits, int64_t num_experts, int64_t top_k,
                                  const torch::Tensor& attention_mask) {
    auto logits = torch::cat(router_logits, 0).to(torch::kFloat);  // (L*B*T, E)
    auto probs = torch::softmax(logits, -1);
    auto chosen = std::get<1>(probs.topk(top_k, -1));                            // (M, k)
    auto expert_mask = torch::one_hot(chosen, num_experts).to(torch::kFloat);   // (M, k, E)
    if (!attention_mask.defined()) {
        auto tokens_per_expert = expert_mask.mean(0);  // (k, E)
        auto prob_per_expert = probs.mean(0);           // (E)
        return (tokens_per_expert * prob_per_expert.unsqueeze(0)).sum() * double(num_experts);
    }
    const int64_t layers = logits.size(0) / attention_mask.numel();
    auto keep = attention_mask.to(logits.device()).to(torch::kFloat).reshape({1, -1}).expand({layers, -1}).reshape({-1, 1});  // (M, 1)
    auto tokens_per_expert = (expert_mask * keep.unsqueeze(2)).sum(0) / keep.sum();  // (k, E)
    auto prob_per_expert = (probs * keep).sum(0) / keep.sum();                       // (E)
    return (tokens_per_expert * prob_per_expert.unsqueeze(0)).sum() * double(num_experts);
}

}  // namespace lathe
