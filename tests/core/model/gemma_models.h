// Tiny Gemma 2 and Gemma 3 models for tests, and Gemma's forward pass written out in plain tensor
// operations from transformers' modeling_gemma2.py / modeling_gemma3.py (no cache, no fused kernels), as
// the independent reference the model is held to.
#pragma once
#include "core/model/config.h"
#include "core/model/transformer.h"

#include <torch/torch.h>

#include <cmath>
#include <map>
#include <string>

namespace lathe::test {

// Gemma 3's proportions shrunk: six layers (the sixth global), a window of 4 tokens so that a dozen tokens
// slide, a query scale that is not head_dim's, separate local/global RoPE bases with linear scaling on the
// global one.
inline ModelConfig tiny_gemma3_config() {
    ModelConfig c;
    c.model_type = "gemma3_text";
    c.vocab_size = 320;
    c.hidden_size = 64;
    c.intermediate_size = 128;
    c.num_hidden_layers = 6;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 32;
    c.max_position_embeddings = 256;
    c.rms_norm_eps = 1e-6;
    c.rope_theta = 1000000.0;
    c.rope_scaling.type = "linear";
    c.rope_scaling.factor = 2.0;
    c.rope_local_base_freq = 10000.0;
    c.hidden_act = "gelu_pytorch_tanh";
    c.query_pre_attn_scalar = 24;
    c.sliding_window = 4;
    for (int i = 0; i < 6; ++i) c.sliding_layers.push_back((i + 1) % 6 != 0);
    c.tie_word_embeddings = true;
    c.bos_token_id = 1;
    c.eos_token_ids = {2};
    c.pad_token_id = 0;
    return c;
}

// Gemma 2's: every other layer slides, scores and logits soft-capped (low caps, so that they bite).
inline ModelConfig tiny_gemma2_config() {
    ModelConfig c = tiny_gemma3_config();
    c.model_type = "gemma2";
    c.num_hidden_layers = 4;
    c.rope_theta = 10000.0;
    c.rope_scaling = RopeScaling{};
    c.rope_local_base_freq = 0;
    c.sliding_layers = {true, false, true, false};
    c.attn_logit_softcapping = 2.0;
    c.final_logit_softcapping = 3.0;
    return c;
}

// Random weights, norms included (Gemma's norms are stored around 0), so that the (1 + w) matters.
inline CausalLM make_gemma(const ModelConfig& c, uint64_t seed) {
    CausalLM m(c);
    m->init_weights(seed, 0.2);
    torch::NoGradGuard g;
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed + 1);
    for (auto& p : m->named_parameters())
        if (p.key().find("norm") != std::string::npos) p.value().normal_(0.0, 0.3, gen);
    m->eval();
    return m;
}

// GELU (tanh form) as ggml's CPU backend computes it (GGML_GELU_FP16): the input rounded to float16, looked
// up in a table of float16 results; below -10 it is 0, from 10 on the input itself.
inline torch::Tensor ggml_table_gelu(const torch::Tensor& x) {
    auto y = torch::gelu(x.to(torch::kHalf).to(x.scalar_type()), "tanh").to(torch::kHalf).to(x.scalar_type());
    y = torch::where(x <= -10.0, torch::zeros_like(x), y);
    return torch::where(x >= 10.0, x, y);
}

// Logits (T, V) for one sequence of token ids (T), in float64. With `ggml_gelu` the MLP's GELU is
// ggml_table_gelu (what llama.cpp computes), else the exact one (transformers').
inline torch::Tensor gemma_reference_logits(CausalLMImpl& m, const std::vector<int64_t>& tokens, bool ggml_gelu = false) {
    torch::NoGradGuard g;
    const ModelConfig& c = m.config();
    std::map<std::string, torch::Tensor> p;
    for (auto& item : m.named_parameters()) p[item.key()] = item.value().to(torch::kDouble);
    const auto ids = torch::tensor(tokens, torch::kLong);
    const int64_t T = ids.size(0), H = c.num_attention_heads, KV = c.num_key_value_heads, hd = c.head_dim;
    auto norm = [&](const torch::Tensor& x, const std::string& w) {
        return x * torch::rsqrt(x.square().mean(-1, true) + c.rms_norm_eps) * (1 + p.at(w));
    };
    auto linear = [&](const torch::Tensor& x, const std::string& w) { return torch::matmul(x, p.at(w).t()); };
    auto rotate_half = [](const torch::Tensor& x) {
        const int64_t half = x.size(-1) / 2;
        return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    };
    auto x = p.at("model.embed_tokens.weight").index_select(0, ids) * std::sqrt(double(c.hidden_size));  // (T, C)
    const auto pos = torch::arange(T, torch::kDouble);
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
        const std::string L = "model.layers." + std::to_string(i) + ".";
        const bool slides = c.layer_slides(size_t(i));
        auto h = norm(x, L + "input_layernorm.weight");
        auto q = linear(h, L + "self_attn.q_proj.weight").view({T, H, hd});
        auto k = linear(h, L + "self_attn.k_proj.weight").view({T, KV, hd});
        auto v = linear(h, L + "self_attn.v_proj.weight").view({T, KV, hd});
        if (c.arch().qk_norm) {
            q = norm(q, L + "self_attn.q_norm.weight");
            k = norm(k, L + "self_attn.k_norm.weight");
        }
        const bool local = slides && c.rope_local_base_freq > 0;
        const double base = local ? c.rope_local_base_freq : c.rope_theta;
        auto inv = 1.0 / torch::pow(torch::full({hd / 2}, base, torch::kDouble), torch::arange(0, hd, 2, torch::kDouble) / double(hd));
        if (!local && c.rope_scaling.type == "linear") inv = inv / c.rope_scaling.factor;
        auto ang = torch::outer(pos, inv);
        auto cos = torch::cat({ang.cos(), ang.cos()}, -1).unsqueeze(1), sin = torch::cat({ang.sin(), ang.sin()}, -1).unsqueeze(1);
        q = q * cos + rotate_half(q) * sin;
        k = k * cos + rotate_half(k) * sin;
        auto out = torch::empty({T, H, hd}, torch::kDouble);
        for (int64_t head = 0; head < H; ++head) {
            const int64_t kvh = head / (H / KV);
            auto s = torch::matmul(q.select(1, head), k.select(1, kvh).t()) * c.attention_scale();  // (T, T)
            if (c.attn_logit_softcapping > 0) s = torch::tanh(s / c.attn_logit_softcapping) * c.attn_logit_softcapping;
            for (int64_t a = 0; a < T; ++a)
                for (int64_t b = 0; b < T; ++b)
                    if (b > a || (slides && a - b >= c.sliding_window)) s[a][b] = -INFINITY;
            out.select(1, head).copy_(torch::matmul(torch::softmax(s, -1), v.select(1, kvh)));
        }
        x = x + norm(linear(out.reshape({T, H * hd}), L + "self_attn.o_proj.weight"), L + "post_attention_layernorm.weight");
        h = norm(x, L + "pre_feedforward_layernorm.weight");
        auto gate = linear(h, L + "mlp.gate_proj.weight");
        auto mlp = (ggml_gelu ? ggml_table_gelu(gate) : torch::gelu(gate, "tanh")) * linear(h, L + "mlp.up_proj.weight");
        x = x + norm(linear(mlp, L + "mlp.down_proj.weight"), L + "post_feedforward_layernorm.weight");
    }
    auto logits = torch::matmul(norm(x, "model.norm.weight"), p.at("model.embed_tokens.weight").t());
    if (c.final_logit_softcapping > 0) logits = torch::tanh(logits / c.final_logit_softcapping) * c.final_logit_softcapping;
    return logits;
}

}  // namespace lathe::test
