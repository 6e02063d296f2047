#include "core/model/rope.h"

#include <cmath>

namespace lathe {

torch::Tensor rope_inv_freq(const ModelConfig& c) {
    const int64_t dim = c.head_dim;
    // Same float32 arithmetic as transformers: 1 / base ** (arange(0, dim, 2) / dim).
    auto exponent = torch::arange(0, dim, 2, torch::kLong).to(torch::kFloat) / static_cast<double>(dim);
    auto inv_freq = 1.0 / torch::pow(torch::scalar_tensor(c.rope_theta, torch::kFloat), exponent);
    const RopeScaling& s = c.rope_scaling;
    if (s.type == "linear") return inv_freq / s.factor;
    if (s.type == "llama3") {
        const double old_len = static_cast<double>(s.original_max_position_embeddings);
        const double low_wavelen = old_len / s.low_freq_factor;
        const double high_wavelen = old_len / s.high_freq_factor;
        auto wavelen = 2 * M_PI / inv_freq;
        // Long wavelengths are slowed by `factor`, short ones kept, the band between interpolated.
        auto scaled = torch::where(wavelen > low_wavelen, inv_freq / s.factor, inv_freq);
        auto smooth = (old_len / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        auto smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
        auto medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
        return torch::where(medium, smoothed, scaled);
    }
    return inv_freq;
}

RotaryEmbedding::RotaryEmbedding(const ModelConfig& config) : inv_freq_(rope_inv_freq(config)) {}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbedding::tables(int64_t n, torch::Device device,
                                                                torch::ScalarType dtype) {
    if (!cos_.defined() || cos_.size(0) < n || cos_.device() != device || cos_.scalar_type() != dtype) {
        int64_t len = std::max<int64_t>(n, cos_.defined() ? cos_.size(0) : 0);
        len = std::max<int64_t>(len, 256);
        torch::NoGradGuard no_grad;
        auto pos = torch::arange(len, torch::kFloat);
        auto freqs = torch::outer(pos, inv_freq_);        // (len, dim/2)
        auto emb = torch::cat({freqs, freqs}, -1);         // (len, dim)
        cos_ = emb.cos().to(device, dtype);
        sin_ = emb.sin().to(device, dtype);
    }
    return {cos_.narrow(0, 0, n), sin_.narrow(0, 0, n)};
}

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
    const int64_t half = x.size(-1) / 2;
    auto c = cos.dim() == 2 ? cos : cos.unsqueeze(1);  // (T, D) broadcasts; (B, T, D) -> (B, 1, T, D)
    auto s = sin.dim() == 2 ? sin : sin.unsqueeze(1);
    auto x1 = x.narrow(-1, 0, half);
    auto x2 = x.narrow(-1, half, half);
    auto rotated = torch::cat({-x2, x1}, -1);
    return x * c + rotated * s;
}

}  // namespace lathe
