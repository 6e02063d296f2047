#include "core/train/preference/sequence_logps.h"

#include "core/data/example.h"
#include "core/model/transformer.h"
#include "core/train/token_logprobs.h"

namespace lathe {

at::Tensor SequenceLogps::mean() const { return sum / count.clamp_min(1.0); }

SequenceLogps sequence_logps(CausalLMImpl& model, const at::Tensor& hidden, const at::Tensor& labels) {
    const int64_t B = hidden.size(0), T = hidden.size(1), C = hidden.size(2);
    auto fopts = torch::TensorOptions().dtype(torch::kFloat).device(hidden.device());
    auto targets = labels.narrow(1, 1, T - 1).reshape(-1).to(hidden.device());        // (B*(T-1))
    auto positions = (targets != kIgnoreIndex).nonzero().squeeze(1);                  // (N)
    auto rows = torch::div(positions, T - 1, "floor");                                // (N) row of each
    auto count = torch::zeros({B}, fopts).index_add_(0, rows, torch::ones({positions.size(0)}, fopts));
    auto h = hidden.narrow(1, 0, T - 1).reshape({B * (T - 1), C}).index_select(0, positions);  // (N, C)
    auto token_logps = token_logprobs(model, h, targets.index_select(0, positions));  // (N)
    auto sum = torch::zeros({B}, fopts).index_add(0, rows, token_logps);             // (B)
    return {sum, count};
}

}  // namespace lathe
