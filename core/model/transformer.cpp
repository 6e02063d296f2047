#include "core/model/transformer.h"

#include "core/model/attention_kernel.h"
#include "core/model/decode_step.h"
#include "core/model/fused_ops.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <cmath>

namespace lathe {

RMSNormImpl::RMSNormImpl(int64_t dim, double e, bool offset) : eps(e), unit_offset(offset) {
    weight = register_parameter("weight", offset ? torch::zeros({dim}) : torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
    if (!unit_offset) return rms_norm(x, weight, eps);
    // Gemma: x / rms(x) * (1 + w) in float32, cast back to x's dtype.
    return rms_norm(x, weight.to(torch::kFloat) + 1.0, eps).to(x.scalar_type());
}

AttentionImpl::AttentionImpl(const ModelConfig& c)
    : heads(c.num_attention_heads), kv_heads(c.num_key_value_heads), head_dim(c.head_dim),
      scale(c.attention_scale()), softcap(c.attn_logit_softcapping) {
    const int64_t h = c.hidden_size;
    const bool qkv_bias = c.qkv_bias();
    if (c.arch().fused_projections) {
        qkv_proj = register_module("qkv_proj", Linear(h, (heads + 2 * kv_heads) * head_dim, qkv_bias));
    } else {
        q_proj = register_module("q_proj", Linear(h, heads * head_dim, qkv_bias));
        k_proj = register_module("k_proj", Linear(h, kv_heads * head_dim, qkv_bias));
        v_proj = register_module("v_proj", Linear(h, kv_heads * head_dim, qkv_bias));
    }
    o_proj = register_module("o_proj", Linear(heads * head_dim, h, c.attention_bias));
    if (c.arch().qk_norm) {
        q_norm = register_module("q_norm", RMSNorm(head_dim, c.rms_norm_eps, c.arch().gemma_norms));
        k_norm = register_module("k_norm", RMSNorm(head_dim, c.rms_norm_eps, c.arch().gemma_norms));
    }
}

void AttentionImpl::set_layer(const ModelConfig& c, size_t layer) {
    window = c.layer_slides(layer) ? c.sliding_window : 0;
    local_rope = c.layer_slides(layer) && c.rope_local_base_freq > 0;
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const AttentionContext& ctx, size_t layer) {
    const int64_t B = x.size(0), T = x.size(1);
    torch::Tensor q, k, v;
    if (qkv_proj) {
        // Rows [q; k; v] (Phi-3).
        auto qkv = qkv_proj(x);
        q = qkv.narrow(-1, 0, heads * head_dim).reshape({B, T, heads, head_dim});
        k = qkv.narrow(-1, heads * head_dim, kv_heads * head_dim).reshape({B, T, kv_heads, head_dim});
        v = qkv.narrow(-1, (heads + kv_heads) * head_dim, kv_heads * head_dim).reshape({B, T, kv_heads, head_dim});
    } else {
        const auto qkv = forward_shared_input({q_proj.get(), k_proj.get(), v_proj.get()}, x);
        q = qkv[0].view({B, T, heads, head_dim});     // (B, T, H, hd)
        k = qkv[1].view({B, T, kv_heads, head_dim});  // (B, T, KV, hd)
        v = qkv[2].view({B, T, kv_heads, head_dim});
    }
    if (q_norm) {
        q = q_norm(q);
        k = k_norm(k);
    }
    const bool local = local_rope && ctx.cos_local.defined();
    const auto& cos = local ? ctx.cos_local : ctx.cos;
    const auto& sin = local ? ctx.sin_local : ctx.sin;
    q = apply_rope(q.transpose(1, 2), cos, sin);  // (B, H, T, hd)
    k = apply_rope(k.transpose(1, 2), cos, sin);  // (B, KV, T, hd)
    v = v.transpose(1, 2);
    if (ctx.cache) std::tie(k, v) = ctx.cache->append(layer, k, v);  // (B, KV, S, hd)
    const auto dtype = attention_dtype(q, k, v);  // autocast's bf16 when it is on, as a matmul would cast
    torch::Tensor out;  // (B, H, T, hd)
    if (softcap > 0 || (window > 0 && k.size(2) > window)) {
        // A window that hides keys, or capped scores: the plain formula (a window covering every key
        // is plain causal attention and takes the blockwise kernel).
        out = windowed_attention(q.to(dtype), k.to(dtype), v.to(dtype), ctx.key_mask, scale, window, softcap);
    } else {
        out = causal_attention(q.to(dtype), k.to(dtype), v.to(dtype), ctx.key_mask, scale, ctx.record);
    }
    out = out.transpose(1, 2).reshape({B, T, heads * head_dim});
    return o_proj(out);
}

MLPImpl::MLPImpl(const ModelConfig& c) : act(c.hidden_act == "swish" ? "silu" : c.hidden_act) {
    if (c.arch().fused_projections) {
        gate_up_proj = register_module("gate_up_proj", Linear(c.hidden_size, 2 * c.intermediate_size, c.mlp_bias));
    } else {
        gate_proj = register_module("gate_proj", Linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
        up_proj = register_module("up_proj", Linear(c.hidden_size, c.intermediate_size, c.mlp_bias));
    }
    down_proj = register_module("down_proj", Linear(c.intermediate_size, c.hidden_size, c.mlp_bias));
}

torch::Tensor MLPImpl::stored_swiglu(const torch::Tensor& x) const {
    const auto plain = [](const Linear& l) { return l && l->storage && !l->adapter && !l->bias.defined(); };
    if (gate_up_proj) return plain(gate_up_proj) ? gate_up_proj->storage->swiglu_product(nullptr, x) : torch::Tensor();
    if (plain(gate_proj) && plain(up_proj)) return gate_proj->storage->swiglu_product(up_proj->storage.get(), x);
    return {};
}

torch::Tensor MLPImpl::forward(const torch::Tensor& x, bool graph_only) {
    if (act == "silu") {
        // A prompt through packed weights on AMX tiles: the gate and up products never written.
        if (auto h = stored_swiglu(x); h.defined()) return graph_only ? down_proj->graph_only(h) : down_proj(h);
    }
    torch::Tensor gate, up;
    if (gate_up_proj) {
        // Rows [gate; up] (Phi-3); the halves made contiguous for the fused SwiGLU kernels.
        auto both = gate_up_proj(x);
        const int64_t n = both.size(-1) / 2;
        gate = both.narrow(-1, 0, n).contiguous();
        up = both.narrow(-1, n, n).contiguous();
    } else {
        const auto both = forward_shared_input({gate_proj.get(), up_proj.get()}, x);
        gate = both[0];
        up = both[1];
    }
    torch::Tensor h;
    if (act == "silu") {
        h = swiglu(gate, up);
    } else {
        // GeGLU (Gemma): gelu_pytorch_tanh and gelu_new are both the tanh approximation.
        h = torch::gelu(gate, act == "gelu" ? "none" : "tanh") * up;
    }
    return graph_only ? down_proj->graph_only(h) : down_proj(h);
}

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c, size_t index) {
    const bool gemma = c.arch().gemma_norms;
    const int64_t h = c.hidden_size;
    self_attn = register_module("self_attn", Attention(c));
    self_attn->set_layer(c, index);
    if (c.layer_is_moe(index)) moe = register_module("mlp", SparseMoe(c));
    else mlp = register_module("mlp", MLP(c));
    input_layernorm = register_module("input_layernorm", RMSNorm(h, c.rms_norm_eps, gemma));
    post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(h, c.rms_norm_eps, gemma));
    if (gemma) {
        pre_feedforward_layernorm = register_module("pre_feedforward_layernorm", RMSNorm(h, c.rms_norm_eps, true));
        post_feedforward_layernorm = register_module("post_feedforward_layernorm", RMSNorm(h, c.rms_norm_eps, true));
    }
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const AttentionContext& ctx, size_t layer,
                                        bool graph_only) {
    if (post_feedforward_layernorm) {
        // The MLP's output feeds a norm whose backward reads its values: no graph-only product here.
        auto h = x + post_attention_layernorm(self_attn->forward(input_layernorm(x), ctx, layer));
        return h + post_feedforward_layernorm(mlp->forward(pre_feedforward_layernorm(h)));
    }
    auto h = x + self_attn->forward(input_layernorm(x), ctx, layer);
    if (moe) return h + moe->forward(post_attention_layernorm(h), ctx.router_logits);
    return h + mlp->forward(post_attention_layernorm(h), graph_only);
}

torch::Tensor soft_cap(const torch::Tensor& x, double cap) {
    if (cap <= 0) return x;
    return torch::tanh(x / cap) * cap;
}

DecoderImpl::DecoderImpl(const ModelConfig& c) {
    // Uninitialised, like every Linear weight: init_weights() or a checkpoint fills it. torch's default
    // normal_() init would write every page of a table about to be overwritten (545 MB for Qwen2.5-0.5B).
    embed_tokens = register_module(
        "embed_tokens", torch::nn::Embedding(torch::nn::EmbeddingOptions(c.vocab_size, c.hidden_size)
                                                 ._weight(torch::empty({c.vocab_size, c.hidden_size}))));
    vocab_rows = c.vocab_size;
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(DecoderLayer(c, size_t(i)));
    norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps, c.arch().gemma_norms));
    if (c.arch().gemma_norms) embed_scale = std::sqrt(double(c.hidden_size));
}

torch::Tensor DecoderImpl::embed(const torch::Tensor& input_ids) {
    if (input_ids.numel() > 0) {
        // An id past the table (a tokenizer with more tokens than the model has rows, e.g. Gemma 3's
        // <image_soft_token> on the 1B) would be an index error deep in LibTorch: name it instead.
        const int64_t rows = embed_storage ? vocab_rows : embed_tokens->weight.size(0);
        const int64_t hi = input_ids.max().item<int64_t>(), lo = input_ids.min().item<int64_t>();
        if (hi >= rows || lo < 0)
            throw ModelError(plain_problem("token_outside_model_embedding", {std::to_string(hi >= rows ? hi : lo), std::to_string(rows)}));
    }
    auto x = embed_storage ? embed_storage->rows(input_ids) : embed_tokens(input_ids);
    if (embed_scale == 1.0) return x;
    // transformers multiplies by the scale rounded to the table's dtype (33.94 becomes 34 in bf16).
    return x * torch::scalar_tensor(embed_scale, torch::kFloat).to(x.scalar_type());
}

namespace {

// Gemma 3's sliding layers: the same rotary embedding on rope_local_base_freq, without scaling.
ModelConfig local_rope_config(const ModelConfig& c) {
    ModelConfig l = c;
    l.rope_theta = c.rope_local_base_freq;
    l.rope_scaling = RopeScaling{};
    return l;
}

}  // namespace

CausalLMImpl::CausalLMImpl(const ModelConfig& c) : config_(c), rope_(c) {
    c.validate("model config");
    if (c.rope_local_base_freq > 0 && !c.sliding_layers.empty())
        local_rope_ = std::make_unique<RotaryEmbedding>(local_rope_config(c));
    model = register_module("model", Decoder(c));
    if (!c.tie_word_embeddings) lm_head = register_module("lm_head", Linear(c.hidden_size, c.vocab_size, false));
}

torch::Device CausalLMImpl::device() const { return model->embed_tokens->weight.device(); }
torch::ScalarType CausalLMImpl::dtype() const { return model->embed_tokens->weight.scalar_type(); }

namespace {

// The attention_mask as (B, S) bool on `device`, or undefined when it hides no key (causality needs no
// mask: see AttentionContext).
torch::Tensor key_mask_of(const torch::Tensor& attention_mask, int64_t S, torch::Device device) {
    if (!attention_mask.defined()) return {};
    if (attention_mask.dim() != 2)
        throw ModelError("attention_mask has " + std::to_string(attention_mask.dim()) + " dimensions, expected (B, S)");
    if (attention_mask.size(1) != S)
        throw ModelError("attention_mask covers " + std::to_string(attention_mask.size(1)) +
                         " positions, expected " + std::to_string(S));
    auto mask = attention_mask.to(device).to(torch::kBool);
    if (mask.all().item<bool>()) return {};
    return mask;
}

}  // namespace

torch::Tensor CausalLMImpl::hidden_states(const torch::Tensor& input_ids, const ForwardOptions& opts) {
    auto x = opts.inputs_embeds.defined() ? opts.inputs_embeds : model->embed(input_ids);  // (B, T, C)
    const int64_t B = x.size(0), T = x.size(1);
    const int64_t past = opts.cache ? opts.cache->length : 0;
    const auto dtype = x.scalar_type();

    AttentionContext ctx;
    ctx.cache = opts.cache;
    // The tables for these positions, from `rope`.
    auto tables = [&](RotaryEmbedding& rope) -> std::pair<torch::Tensor, torch::Tensor> {
        if (opts.position_ids.defined()) {
            auto max_pos = opts.position_ids.max().item<int64_t>() + 1;
            auto [cos, sin] = rope.tables(max_pos, x.device(), dtype);
            auto ids = opts.position_ids.to(x.device());
            return {cos.index_select(0, ids.reshape(-1)).view({B, T, -1}), sin.index_select(0, ids.reshape(-1)).view({B, T, -1})};
        }
        auto [cos, sin] = rope.tables(past + T, x.device(), dtype);
        return {cos.narrow(0, past, T), sin.narrow(0, past, T)};
    };
    std::tie(ctx.cos, ctx.sin) = tables(rope_);
    if (local_rope_) std::tie(ctx.cos_local, ctx.sin_local) = tables(*local_rope_);
    ctx.key_mask = key_mask_of(opts.attention_mask, past + T, x.device());
    ctx.router_logits = opts.router_logits;

    // Decoding one token: the layers that core/model/decode_step.h takes run there, on x in place.
    const bool step = !opts.layer_runner && decode_step_applies(x, ctx);
    if (step && opts.inputs_embeds.defined()) x = x.clone();  // the caller's tensor stays as it was
    for (size_t i = 0; i < model->layers->size(); ++i) {
        auto layer = model->layers->ptr<DecoderLayerImpl>(i);
        if (step && x.is_contiguous() && decode_layer(*layer, x, ctx, i)) continue;
        DecoderLayer holder(layer);
        x = opts.layer_runner ? opts.layer_runner(holder, x, ctx, i) : layer->forward(x, ctx, i);
    }
    if (opts.cache) opts.cache->advance(T);
    if (opts.last_token_only) x = x.narrow(1, T - 1, 1);
    return model->norm(x);
}

torch::Tensor CausalLMImpl::logits(const torch::Tensor& hidden) {
    torch::Tensor out;
    if (lm_head) out = lm_head(hidden);
    else if (model->embed_storage) out = model->embed_storage->forward(hidden, {});
    else out = dense_linear(hidden, model->embed_tokens->weight);
    return soft_cap(out, config_.final_logit_softcapping);
}

torch::Tensor CausalLMImpl::forward(const torch::Tensor& input_ids, const ForwardOptions& opts) {
    return logits(hidden_states(input_ids, opts));
}

void CausalLMImpl::init_weights(uint64_t seed, double std) {
    torch::NoGradGuard no_grad;
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed);
    for (auto& item : named_parameters()) {
        const std::string& name = item.key();
        auto& p = item.value();
        auto cpu = torch::empty(p.sizes(), torch::kFloat);
        if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
            cpu.zero_();
        } else if (name.find("norm") != std::string::npos) {
            cpu.fill_(config_.arch().gemma_norms ? 0.0 : 1.0);  // Gemma's norms scale by 1 + weight
        } else {
            cpu.normal_(0.0, std, gen);
        }
        p.copy_(cpu);
    }
}

}  // namespace lathe
