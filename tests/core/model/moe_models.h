// Tiny Qwen3-MoE and Qwen2-MoE models for tests, and their forward pass written out in plain float64 tensor
// operations from transformers' modeling_qwen3_moe.py / modeling_qwen2_moe.py, token by token for the
// experts (no grouping, no cache, no fused kernels), as the independent reference the model is held to.
#pragma once
#include "core/model/config.h"
#include "core/model/transformer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>

namespace lathe::test {

// Qwen3-MoE's layout shrunk: q/k norms, a head_dim that is not hidden / heads, 8 experts of which 2 run,
// their weights renormalised.
inline ModelConfig tiny_qwen3_moe_config() {
    ModelConfig c;
    c.model_type = "qwen3_moe";
    c.vocab_size = 320;
    c.hidden_size = 64;
    c.intermediate_size = 96;  // the dense layers' (mlp_only_layers)
    c.num_hidden_layers = 3;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 24;
    c.max_position_embeddings = 128;
    c.rms_norm_eps = 1e-6;
    c.rope_theta = 1000000.0;
    c.num_experts = 8;
    c.num_experts_per_tok = 2;
    c.moe_intermediate_size = 32;
    c.norm_topk_prob = true;
    c.bos_token_id = 1;
    c.eos_token_ids = {2};
    return c;
}

// Qwen2-MoE's: q/k/v biases, 6 experts of which 2 run (weights not renormalised), a shared expert.
inline ModelConfig tiny_qwen2_moe_config() {
    ModelConfig c = tiny_qwen3_moe_config();
    c.model_type = "qwen2_moe";
    c.head_dim = 16;
    c.num_experts = 6;
    c.norm_topk_prob = false;
    c.shared_expert_intermediate_size = 48;
    return c;
}

// Random weights; biases and norms too, so that they matter.
inline CausalLM make_moe(const ModelConfig& c, uint64_t seed) {
    CausalLM m(c);
    m->init_weights(seed, 0.2);
    torch::NoGradGuard g;
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed + 1);
    for (auto& p : m->named_parameters()) {
        const std::string& k = p.key();
        if (k.find("norm") != std::string::npos) p.value().normal_(1.0, 0.3, gen);
        if (k.size() > 5 && k.compare(k.size() - 5, 5, ".bias") == 0) p.value().normal_(0.0, 0.2, gen);
        if (k.find("mlp.gate.weight") != std::string::npos) p.value().normal_(0.0, 1.0, gen);  // decisive routing
    }
    m->eval();
    return m;
}

// Logits (T, V) for one sequence from the parameters `p` (float64, by checkpoint name). Differentiable in `p`.
inline torch::Tensor moe_reference_logits(const ModelConfig& c, const std::map<std::string, torch::Tensor>& p,
                                          const std::vector<int64_t>& tokens) {
    const auto ids = torch::tensor(tokens, torch::kLong);
    const int64_t T = ids.size(0), H = c.num_attention_heads, KV = c.num_key_value_heads, hd = c.head_dim;
    auto norm = [&](const torch::Tensor& x, const std::string& w) {
        return x * torch::rsqrt(x.square().mean(-1, true) + c.rms_norm_eps) * p.at(w);
    };
    auto linear = [&](const torch::Tensor& x, const std::string& w) {
        auto y = torch::matmul(x, p.at(w + ".weight").t());
        return p.count(w + ".bias") ? y + p.at(w + ".bias") : y;
    };
    auto mlp = [&](const torch::Tensor& x, const std::string& m) {
        return linear(torch::silu(linear(x, m + ".gate_proj")) * linear(x, m + ".up_proj"), m + ".down_proj");
    };
    auto rotate_half = [](const torch::Tensor& x) {
        const int64_t half = x.size(-1) / 2;
        return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    };
    auto inv = 1.0 / torch::pow(torch::full({hd / 2}, c.rope_theta, torch::kDouble), torch::arange(0, hd, 2, torch::kDouble) / double(hd));
    const auto ang = torch::outer(torch::arange(T, torch::kDouble), inv);
    const auto cos = torch::cat({ang.cos(), ang.cos()}, -1).unsqueeze(1), sin = torch::cat({ang.sin(), ang.sin()}, -1).unsqueeze(1);
    auto causal = torch::ones({T, T}, torch::kBool).triu(1);
    auto x = p.at("model.embed_tokens.weight").index_select(0, ids);  // (T, C)
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
        const std::string L = "model.layers." + std::to_string(i) + ".";
        auto h = norm(x, L + "input_layernorm.weight");
        auto q = linear(h, L + "self_attn.q_proj").view({T, H, hd});
        auto k = linear(h, L + "self_attn.k_proj").view({T, KV, hd});
        auto v = linear(h, L + "self_attn.v_proj").view({T, KV, hd});
        if (c.arch().qk_norm) {
            q = norm(q, L + "self_attn.q_norm.weight");
            k = norm(k, L + "self_attn.k_norm.weight");
        }
        q = q * cos + rotate_half(q) * sin;
        k = k * cos + rotate_half(k) * sin;
        std::vector<torch::Tensor> heads;
        for (int64_t head = 0; head < H; ++head) {
            const int64_t kvh = head / (H / KV);
            auto s = torch::matmul(q.select(1, head), k.select(1, kvh).t()) / std::sqrt(double(hd));
            heads.push_back(torch::matmul(torch::softmax(s.masked_fill(causal, -INFINITY), -1), v.select(1, kvh)));
        }
        x = x + linear(torch::stack(heads, 1).reshape({T, H * hd}), L + "self_attn.o_proj");
        h = norm(x, L + "post_attention_layernorm.weight");
        if (!c.layer_is_moe(size_t(i))) {
            x = x + mlp(h, L + "mlp");
            continue;
        }
        // Token by token: the router's softmax, the top k by probability, their MLPs weighted.
        std::vector<torch::Tensor> rows;
        for (int64_t t = 0; t < T; ++t) {
            const auto ht = h[t].unsqueeze(0);  // (1, C)
            const auto probs = torch::softmax(linear(ht, L + "mlp.gate").squeeze(0), -1);
            std::vector<int64_t> order(size_t(c.num_experts));
            std::iota(order.begin(), order.end(), 0);
            const auto pv = probs.detach();
            std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return pv[a].item<double>() > pv[b].item<double>(); });
            std::vector<torch::Tensor> w;
            for (int64_t j = 0; j < c.num_experts_per_tok; ++j) w.push_back(probs[order[size_t(j)]]);
            torch::Tensor sum = torch::stack(w).sum();
            auto out = torch::zeros({1, c.hidden_size}, torch::kDouble);
            for (int64_t j = 0; j < c.num_experts_per_tok; ++j) {
                const auto weight = c.norm_topk_prob ? w[size_t(j)] / sum : w[size_t(j)];
                out = out + weight * mlp(ht, L + "mlp.experts." + std::to_string(order[size_t(j)]));
            }
            if (c.shared_expert_intermediate_size > 0)
                out = out + torch::sigmoid(linear(ht, L + "mlp.shared_expert_gate")) * mlp(ht, L + "mlp.shared_expert");
            rows.push_back(out);
        }
        x = x + torch::cat(rows, 0);
    }
    const auto head = c.tie_word_embeddings ? p.at("model.embed_tokens.weight") : p.at("lm_head.weight");
    return torch::matmul(norm(x, "model.norm.weight"), head.t());
}

inline torch::Tensor moe_reference_logits(CausalLMImpl& m, const std::vector<int64_t>& tokens) {
    torch::NoGradGuard g;
    std::map<std::string, torch::Tensor> p;
    for (auto& item : m.named_parameters()) p[item.key()] = item.value().to(torch::kDouble);
    return moe_reference_logits(m.config(), p, tokens);
}

}  // namespace lathe::test
