#include "core/train/preference/orpo_loss.h"

namespace lathe {

OrpoTerms orpo_loss(const at::Tensor& c, const at::Tensor& r, double beta) {
    // log1p(-exp(x)) for x < 0 (an average log-prob): log(1 - p) without cancellation near p = 0.
    auto log_odds = (c - r) - (torch::log1p(-torch::exp(c)) - torch::log1p(-torch::exp(r)));  // (P)
    auto ratio = -torch::nn::functional::logsigmoid(log_odds);
    OrpoTerms t;
    t.losses = -c + beta * ratio;
    t.chosen_rewards = (beta * c).detach();
    t.rejected_rewards = (beta * r).detach();
    t.sft_loss = (-c).detach();
    t.odds_ratio_loss = ratio.detach();
    return t;
}

}  // namespace lathe
