// Rotary position embedding in Hugging Face's rotate-half layout (the layout HF checkpoints store
// q/k weights in): x * cos + rotate_half(x) * sin, with cos/sin over [freqs, freqs].
#pragma once
#include "core/model/config.h"

#include <torch/torch.h>

namespace lathe {

// inv_freq (rotary_dim / 2) in float32, with linear, llama3 or longrope scaling applied as transformers
// does; `long_context` picks longrope's long factors.
torch::Tensor rope_inv_freq(const ModelConfig& config, bool long_context = false);

class RotaryEmbedding {
public:
    explicit RotaryEmbedding(const ModelConfig& config);
    // cos and sin tables (positions, rotary_dim) for positions [0, n), in `dtype` on `device`; cached and
    // grown on demand. longrope: the long factors when n passes the pretrained length, and both tables
    // times the attention factor.
    std::pair<torch::Tensor, torch::Tensor> tables(int64_t n, torch::Device device, torch::ScalarType dtype);

private:
    torch::Tensor inv_freq_;
    torch::Tensor inv_freq_long_;  // longrope only
    int64_t short_up_to_ = 0;
    double scale_ = 1.0;
    bool long_ = false;  // cos_ / sin_ hold the long factors' tables
    torch::Tensor cos_, sin_;
};

// x: (B, heads, T, head_dim); cos/sin: (T, rotary_dim) or (B, T, rotary_dim), rotary_dim <= head_dim (the
// rest of each head passes through). One autograd node that saves
// only the tables (the rotation's transpose is its backward).
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

// One position's `heads` heads of head_dim floats, rotated in place: [x1 c - x2 s, x2 c + x1 s] over the
// first 2 * half dimensions with c, s the first halves of the position's tables. apply_rope() takes this
// for one float32 position on the CPU (decoding), and so does the decode step (core/model/decode_step.h),
// so that both give the same bits.
void rotate_position_f32(float* x, int64_t heads, int64_t head_dim, const float* c, const float* s, int64_t half);

}  // namespace lathe
