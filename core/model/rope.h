// Rotary position embedding in Hugging Face's rotate-half layout (the layout HF checkpoints store
// q/k weights in): x * cos + rotate_half(x) * sin, with cos/sin over [freqs, freqs].
#pragma once
#include "core/model/config.h"

#include <torch/torch.h>

namespace lathe {

// inv_freq (head_dim / 2) in float32, with linear or llama3 scaling applied as transformers does.
torch::Tensor rope_inv_freq(const ModelConfig& config);

class RotaryEmbedding {
public:
    explicit RotaryEmbedding(const ModelConfig& config);
    // cos and sin tables (positions, head_dim) for positions [0, n), in `dtype` on `device`; cached and
    // grown on demand.
    std::pair<torch::Tensor, torch::Tensor> tables(int64_t n, torch::Device device, torch::ScalarType dtype);

private:
    torch::Tensor inv_freq_;
    torch::Tensor cos_, sin_;
};

// x: (B, heads, T, head_dim); cos/sin: (T, head_dim) or (B, T, head_dim). One autograd node that saves
// only the tables (the rotation's transpose is its backward).
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace lathe
