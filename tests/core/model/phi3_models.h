// Tiny Phi-3 / Phi-4-mini models for tests, and Phi-3's forward pass written out in plain float64 tensor
// operations from transformers' modeling_phi3.py and its longrope initialisation (no cache, no fused
// kernels), as the independent reference the model is held to.
#pragma once
#include "core/model/config.h"
#include "core/model/transformer.h"

#include <torch/torch.h>

#include <cmath>
#include <map>
#include <string>

namespace lathe::test {

// Phi-3-mini's layout shrunk (untied head, full rotary, no RoPE scaling), with a window of 5 tokens on
// every layer so that a dozen tokens slide.
inline ModelConfig tiny_phi3_config() {
    ModelConfig c;
    c.model_type = "phi3";
    c.vocab_size = 320;
    c.hidden_size = 64;
    c.intermediate_size = 96;
    c.num_hidden_layers = 3;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 16;
    c.max_position_embeddings = 64;
    c.rms_norm_eps = 1e-5;
    c.rope_theta = 10000.0;
    c.sliding_window = 5;
    c.sliding_layers.assign(3, true);
    c.bos_token_id = 1;
    c.eos_token_ids = {2};
    c.pad_token_id = 0;
    return c;
}

// Phi-4-mini's: tied embeddings, RoPE on three quarters of each head, longrope with a pretrained length of
// 8 tokens (so a 13-token prompt takes the long factors), no window.
inline ModelConfig tiny_phi4_mini_config() {
    ModelConfig c = tiny_phi3_config();
    c.tie_word_embeddings = true;
    c.partial_rotary_factor = 0.75;  // 12 of 16 dimensions: 6 frequencies
    c.sliding_window = 0;
    c.sliding_layers.clear();
    RopeScaling& r = c.rope_scaling;
    r.type = "longrope";
    r.short_factor = {1.0, 1.1, 1.3, 1.8, 2.5, 3.0};
    r.long_factor = {1.0, 1.5, 3.0, 6.0, 12.0, 20.0};
    r.original_max_position_embeddings = 8;
    r.factor = double(c.max_position_embeddings) / 8.0;
    r.attention_factor = std::sqrt(1.0 + std::log(r.factor) / std::log(8.0));
    return c;
}

// Random weights, norms included.
inline CausalLM make_phi3(const ModelConfig& c, uint64_t seed) {
    CausalLM m(c);
    m->init_weights(seed, 0.2);
    torch::NoGradGuard g;
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed + 1);
    for (auto& p : m->named_parameters())
        if (p.key().find("norm") != std::string::npos) p.value().normal_(1.0, 0.3, gen);
    m->eval();
    return m;
}

// Logits (T, V) for one sequence (T) from the parameters `p` (float64, by checkpoint name): fused qkv_proj
// rows [q; k; v], gate_up_proj rows [gate; up], RoPE on the first rotary_dim dimensions with longrope's
// factors (long past the pretrained length) and attention factor, a window on every layer. Differentiable
// in `p`.
inline torch::Tensor phi3_reference_logits(const ModelConfig& c, const std::map<std::string, torch::Tensor>& p,
                                           const std::vector<int64_t>& tokens) {
    const auto ids = torch::tensor(tokens, torch::kLong);
    const int64_t T = ids.size(0), H = c.num_attention_heads, KV = c.num_key_value_heads, hd = c.head_dim;
    const int64_t rot = int64_t(double(hd) * c.partial_rotary_factor);
    auto norm = [&](const torch::Tensor& x, const std::string& w) {
        return x * torch::rsqrt(x.square().mean(-1, true) + c.rms_norm_eps) * p.at(w);
    };
    auto linear = [&](const torch::Tensor& x, const std::string& w) { return torch::matmul(x, p.at(w).t()); };
    auto rotate_half = [](const torch::Tensor& x) {
        const int64_t half = x.size(-1) / 2;
        return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    };
    auto inv = 1.0 / torch::pow(torch::full({rot / 2}, c.rope_theta, torch::kDouble), torch::arange(0, rot, 2, torch::kDouble) / double(rot));
    double mscale = 1.0;
    if (c.rope_scaling.type == "longrope") {
        const bool long_ctx = T > c.rope_scaling.original_max_position_embeddings;
        inv = inv / torch::tensor(long_ctx ? c.rope_scaling.long_factor : c.rope_scaling.short_factor, torch::kDouble);
        mscale = c.rope_scaling.attention_factor;
    }
    const auto ang = torch::outer(torch::arange(T, torch::kDouble), inv);
    const auto cos = torch::cat({ang.cos(), ang.cos()}, -1).unsqueeze(1) * mscale;
    const auto sin = torch::cat({ang.sin(), ang.sin()}, -1).unsqueeze(1) * mscale;
    auto rope = [&](const torch::Tensor& x) {
        auto r = x.narrow(-1, 0, rot);
        return torch::cat({r * cos + rotate_half(r) * sin, x.narrow(-1, rot, hd - rot)}, -1);
    };
    auto x = p.at("model.embed_tokens.weight").index_select(0, ids);  // (T, C)
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
        const std::string L = "model.layers." + std::to_string(i) + ".";
        const bool slides = c.layer_slides(size_t(i));
        auto qkv = linear(norm(x, L + "input_layernorm.weight"), L + "self_attn.qkv_proj.weight");
        auto q = rope(qkv.narrow(-1, 0, H * hd).reshape({T, H, hd}));
        auto k = rope(qkv.narrow(-1, H * hd, KV * hd).reshape({T, KV, hd}));
        auto v = qkv.narrow(-1, (H + KV) * hd, KV * hd).reshape({T, KV, hd});
        auto hidden = torch::zeros({T, T}, torch::kBool);  // key b hidden from query a
        for (int64_t a = 0; a < T; ++a)
            for (int64_t b = 0; b < T; ++b) hidden[a][b] = b > a || (slides && a - b >= c.sliding_window);
        std::vector<torch::Tensor> heads;
        for (int64_t head = 0; head < H; ++head) {
            const int64_t kvh = head / (H / KV);
            auto s = torch::matmul(q.select(1, head), k.select(1, kvh).t()) / std::sqrt(double(hd));  // (T, T)
            heads.push_back(torch::matmul(torch::softmax(s.masked_fill(hidden, -INFINITY), -1), v.select(1, kvh)));
        }
        x = x + linear(torch::stack(heads, 1).reshape({T, H * hd}), L + "self_attn.o_proj.weight");
        auto gu = linear(norm(x, L + "post_attention_layernorm.weight"), L + "mlp.gate_up_proj.weight");
        const int64_t n = gu.size(-1) / 2;
        x = x + linear(torch::silu(gu.narrow(-1, 0, n)) * gu.narrow(-1, n, n), L + "mlp.down_proj.weight");
    }
    const auto head = c.tie_word_embeddings ? p.at("model.embed_tokens.weight") : p.at("lm_head.weight");
    return torch::matmul(norm(x, "model.norm.weight"), head.t());
}

inline torch::Tensor phi3_reference_logits(CausalLMImpl& m, const std::vector<int64_t>& tokens) {
    torch::NoGradGuard g;
    std::map<std::string, torch::Tensor> p;
    for (auto& item : m.named_parameters()) p[item.key()] = item.value().to(torch::kDouble);
    return phi3_reference_logits(m.config(), p, tokens);
}

}  // namespace lathe::test
