#include "core/train/objective.h"

#include "core/data/example.h"
#include "core/train/grad_checkpoint.h"
#include "core/train/token_logprobs.h"

#include <cmath>

namespace lathe {

torch::Tensor train_hidden_states(CausalLMImpl& model, const torch::Tensor& input_ids,
                                  const torch::Tensor& attention_mask, const TrainForward& how,
                                  std::vector<torch::Tensor>* router_logits) {
    ForwardOptions opts;
    opts.attention_mask = attention_mask;
    opts.router_logits = router_logits;
    if (how.gradient_checkpointing) opts.layer_runner = checkpointed_layer;
    if (how.neftune_noise_alpha > 0 && model.is_training()) {
        // NEFTune (Jain et al. 2023), as transformers applies it: uniform noise of magnitude
        // alpha / sqrt(T * C) on the input embeddings, in training only.
        auto embeds = model.model->embed(input_ids);  // (B, T, C), Gemma's scale included
        const double mag = how.neftune_noise_alpha / std::sqrt(static_cast<double>(embeds.size(1) * embeds.size(2)));
        opts.inputs_embeds = embeds + torch::empty_like(embeds).uniform_(-mag, mag);
    }
    return model.hidden_states(input_ids, opts);
}

std::pair<torch::Tensor, int64_t> lm_loss_sum(CausalLMImpl& model, const torch::Tensor& hidden, const torch::Tensor& labels) {
    const int64_t B = hidden.size(0), T = hidden.size(1), C = hidden.size(2);
    auto shifted = labels.narrow(1, 1, T - 1).reshape(-1);                            // (B*(T-1))
    auto h = hidden.narrow(1, 0, T - 1).reshape({B * (T - 1), C});                     // (B*(T-1), C)
    auto positions = (shifted != kIgnoreIndex).nonzero().squeeze(1);                   // (N)
    auto logps = token_logprobs(model, h.index_select(0, positions), shifted.index_select(0, positions));  // (N)
    return {-logps.sum(), positions.size(0)};
}

namespace {

class LmObjective : public Objective {
public:
    int64_t units(const Batch& b) const override {
        // Labels are shifted by one: the first position of each row is never a target.
        return (b.labels.narrow(1, 1, b.labels.size(1) - 1) != kIgnoreIndex).sum().item<int64_t>();
    }
    LossOutput compute(CausalLMImpl& model, const Batch& b, const TrainForward& how) override {
        const ModelConfig& c = model.config();
        const bool aux = how.moe_aux_loss_coef > 0 && c.num_experts > 0 && model.is_training();
        std::vector<torch::Tensor> router;
        auto hidden = train_hidden_states(model, b.input_ids, b.attention_mask, how, aux ? &router : nullptr);
        auto [loss, n] = lm_loss_sum(model, hidden, b.labels);
        if (!aux || router.empty()) return {loss, {}};
        // The loop averages the sum over the window's label tokens: n times the batch's aux loss averages to it.
        auto balance = load_balancing_loss(router, c.num_experts, c.num_experts_per_tok, b.attention_mask);
        return {loss + balance * (how.moe_aux_loss_coef * double(n)), {{"aux_loss", balance.item<double>() * double(n)}}};
    }
};

}  // namespace

double metric_sum(const torch::Tensor& t) { return t.numel() ? t.sum().item<double>() : 0.0; }

std::unique_ptr<Objective> make_lm_objective() { return std::make_unique<LmObjective>(); }

}  // namespace lathe
