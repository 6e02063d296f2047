#include "core/model/rope.h"

#include <cmath>

namespace lathe {

torch::Tensor rope_inv_freq(const ModelConfig& c, bool long_context) {
    const int64_t dim = c.rotary_dim();
    // Same float32 arithmetic as transformers: 1 / base ** (arange(0, dim, 2) / dim).
    auto exponent = torch::arange(0, dim, 2, torch::kLong).to(torch::kFloat) / static_cast<double>(dim);
    auto powers = torch::pow(torch::scalar_tensor(c.rope_theta, torch::kFloat), exponent);
    const RopeScaling& s = c.rope_scaling;
    if (s.type == "longrope") {
        // 1 / (factor * base ** (2i / dim)), the factors in float32 as transformers holds them.
        auto factors = torch::tensor(long_context ? s.long_factor : s.short_factor, torch::kDouble).to(torch::kFloat);
        return 1.0 / (factors * powers);
    }
    auto inv_freq = 1.0 / powers;
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

RotaryEmbedding::RotaryEmbedding(const ModelConfig& config) : inv_freq_(rope_inv_freq(config)) {
    if (config.rope_scaling.type == "longrope") {
        inv_freq_long_ = rope_inv_freq(config, true);
        short_up_to_ = config.rope_scaling.original_max_position_embeddings;
        scale_ = config.rope_scaling.attention_factor;
    }
}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbedding::tables(int64_t n, torch::Device device,
                                                                torch::ScalarType dtype) {
    // longrope: transformers switches to the long factors for every position of a pass that reaches past
    // the pretrained length (its longrope_frequency_update, on max(position_ids) + 1).
    const bool want_long = inv_freq_long_.defined() && n > short_up_to_;
    if (!cos_.defined() || cos_.size(0) < n || cos_.device() != device || cos_.scalar_type() != dtype ||
        want_long != long_) {
        int64_t len = std::max<int64_t>(n, cos_.defined() && want_long == long_ ? cos_.size(0) : 0);
        len = std::max<int64_t>(len, 256);
        torch::NoGradGuard no_grad;
        auto pos = torch::arange(len, torch::kFloat);
        auto freqs = torch::outer(pos, want_long ? inv_freq_long_ : inv_freq_);  // (len, dim/2)
        auto emb = torch::cat({freqs, freqs}, -1);                               // (len, dim)
        cos_ = scale_ == 1.0 ? emb.cos() : emb.cos() * scale_;
        sin_ = scale_ == 1.0 ? emb.sin() : emb.sin() * scale_;
        cos_ = cos_.to(device, dtype);
        sin_ = sin_.to(device, dtype);
        long_ = want_long;
    }
    return {cos_.narrow(0, 0, n), sin_.narrow(0, 0, n)};
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// out = [x1 c - x2 s, x2 c + x1 s] with c, s the first halves of the tables (both halves are equal):
// two passes where cat + neg + mul + mul + add take five. Backward is the transposed rotation,
// dx = [g1 c + g2 s, g2 c - g1 s], and needs nothing of x. With partial rotary (tables narrower than
// the head) the dimensions past 2 * half pass through unchanged, both ways.
torch::Tensor rotate(const torch::Tensor& x, const torch::Tensor& c, const torch::Tensor& s, double sign,
                     torch::ScalarType dtype) {
    const int64_t half = c.size(-1);
    // One float32 position (decoding): rotate_position_f32, as the decode step, row by row.
    const bool f32 = x.scalar_type() == torch::kFloat && c.scalar_type() == torch::kFloat &&
                     s.scalar_type() == torch::kFloat && dtype == torch::kFloat;
    if (sign > 0 && f32 && x.device().is_cpu() && x.dim() == 4 && x.size(2) == 1 && c.stride(-1) == 1 &&
        s.stride(-1) == 1 && (c.dim() == 2 || c.dim() == 4)) {
        const int64_t B = x.size(0), H = x.size(1), D = x.size(3);
        auto out = torch::empty({B, 1, H, D}, x.options()).transpose(1, 2);  // (B, H, 1, D), as the decoder's views
        auto rows = out.transpose(1, 2);                                          // (B, 1, H, D) contiguous
        rows.copy_(x.transpose(1, 2));
        float* o = rows.data_ptr<float>();
        for (int64_t b = 0; b < B; ++b) {
            // c, s: (1, half) for every row, or (B, 1, 1, half) with position ids (one row of them broadcast)
            const int64_t at = c.dim() == 4 && c.size(0) > 1 ? b : 0;
            rotate_position_f32(o + b * H * D, H, D, c.data_ptr<float>() + at * c.stride(0),
                                s.data_ptr<float>() + at * s.stride(0), half);
        }
        return out;
    }
    auto out = torch::empty_like(x, x.options().dtype(dtype));
    const int64_t rest = x.size(-1) - 2 * half;
    if (rest > 0) out.narrow(-1, 2 * half, rest).copy_(x.narrow(-1, 2 * half, rest));
    auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    auto o1 = out.narrow(-1, 0, half), o2 = out.narrow(-1, half, half);
    torch::mul_out(o1, x1, c).addcmul_(x2, s, -sign);
    torch::mul_out(o2, x2, c).addcmul_(x1, s, sign);
    return out;
}

}  // namespace

void rotate_position_f32(float* x, int64_t heads, int64_t head_dim, const float* c, const float* s, int64_t half) {
    for (int64_t h = 0; h < heads; ++h) {
        float* v = x + h * head_dim;
        for (int64_t i = 0; i < half; ++i) {
            const float a = v[i], b = v[i + half];
            v[i] = a * c[i] - b * s[i];
            v[i + half] = b * c[i] + a * s[i];
        }
    }
}

namespace {

class RopeFunction : public torch::autograd::Function<RopeFunction> {
public:
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& c,
                                 const torch::Tensor& s) {
        ctx->save_for_backward({c, s});
        ctx->saved_data["dtype"] = static_cast<int64_t>(x.scalar_type());
        return rotate(x, c, s, 1.0, torch::promote_types(x.scalar_type(), c.scalar_type()));
    }
    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto dtype = static_cast<torch::ScalarType>(ctx->saved_data["dtype"].toInt());
        auto dx = rotate(grads[0], saved[0], saved[1], -1.0, grads[0].scalar_type()).to(dtype);
        return {dx, torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
    const int64_t half = cos.size(-1) / 2;
    auto c = (cos.dim() == 2 ? cos : cos.unsqueeze(1)).narrow(-1, 0, half);  // (T, D/2) or (B, 1, T, D/2)
    auto s = (sin.dim() == 2 ? sin : sin.unsqueeze(1)).narrow(-1, 0, half);
    return RopeFunction::apply(x, c.detach(), s.detach());
}

}  // namespace lathe
