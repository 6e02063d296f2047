// The decoder-only transformer shared by the Llama, Mistral, Qwen, Gemma and Phi-3 families. Module and
// parameter names mirror Hugging Face's (model.layers.0.self_attn.q_proj.weight), so named_parameters()
// is the checkpoint's tensor table and PEFT's key names follow by prefixing.
#pragma once
#include "core/model/config.h"
#include "core/model/kv_cache.h"
#include "core/model/linear.h"
#include "core/model/moe.h"
#include "core/model/rope.h"

#include <torch/torch.h>

#include <memory>

namespace lathe {

struct AttentionRecord;  // core/model/attention_kernel.h

class RMSNormImpl : public torch::nn::Module {
public:
    // With `unit_offset` (Gemma) the scale is 1 + weight and the output keeps x's dtype.
    RMSNormImpl(int64_t dim, double eps, bool unit_offset = false);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight;
    double eps;
    bool unit_offset;
};
TORCH_MODULE(RMSNorm);

// What a forward pass needs besides the hidden states.
struct AttentionContext {
    torch::Tensor cos, sin;  // (T, hd) or (B, T, hd) for these positions
    // (B, S) bool, false for padding keys; undefined when no key is padding. Causality needs no mask:
    // new token i (of T) sees keys j <= S - T + i (core/model/attention_kernel.h).
    torch::Tensor key_mask;
    KVCache* cache = nullptr;
    // Gradient checkpointing: the attention's output recorded in forward, replayed in the recomputation.
    AttentionRecord* record = nullptr;
    // The sliding layers' tables where their RoPE base differs (Gemma 3); undefined otherwise, and then
    // every layer takes cos and sin.
    torch::Tensor cos_local, sin_local;
    // Mixtures of experts: each sparse layer appends its router logits (N, E) here when set.
    std::vector<torch::Tensor>* router_logits = nullptr;
};

class AttentionImpl : public torch::nn::Module {
public:
    AttentionImpl(const ModelConfig& c);
    // The layer's window and RoPE tables (Gemma's sliding layers).
    void set_layer(const ModelConfig& c, size_t layer);
    torch::Tensor forward(const torch::Tensor& x, const AttentionContext& ctx, size_t layer);
    Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
    Linear qkv_proj{nullptr};  // instead of q/k/v_proj where the family fuses them (Phi-3)
    RMSNorm q_norm{nullptr}, k_norm{nullptr};  // Qwen3, Gemma 3
    int64_t heads, kv_heads, head_dim;
    double scale;
    int64_t window = 0;     // > 0: this layer slides, seeing keys at query position - key position < window
    double softcap = 0;     // > 0: scores -> softcap * tanh(scores / softcap)
    bool local_rope = false;  // takes AttentionContext's local tables
};
TORCH_MODULE(Attention);

class MLPImpl : public torch::nn::Module {
public:
    MLPImpl(const ModelConfig& c);
    // With `graph_only` the output's values are unspecified (down_proj's graph_only): gradient
    // checkpointing's recomputation, which needs only the graph.
    torch::Tensor forward(const torch::Tensor& x, bool graph_only = false);
    // silu(gate) * up through the weights' storage in one pass (WeightStorage::swiglu_product) where both
    // halves are held by a storage, with no adapter and no bias; undefined otherwise.
    torch::Tensor stored_swiglu(const torch::Tensor& x) const;
    Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
    Linear gate_up_proj{nullptr};  // instead of gate/up_proj where the family fuses them (Phi-3)
    std::string act;  // "silu" (fused SwiGLU) or a GELU: gelu_pytorch_tanh, gelu_new, gelu
};
TORCH_MODULE(MLP);

class DecoderLayerImpl : public torch::nn::Module {
public:
    DecoderLayerImpl(const ModelConfig& c, size_t index = 0);
    // With `graph_only` the output's values are unspecified and its graph is the same (the MLP's).
    torch::Tensor forward(const torch::Tensor& x, const AttentionContext& ctx, size_t layer, bool graph_only = false);
    Attention self_attn{nullptr};
    MLP mlp{nullptr};
    SparseMoe moe{nullptr};  // instead of mlp (registered as "mlp") in a mixture of experts' sparse layers
    RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
    // Gemma: post_attention_layernorm norms the attention's output before the residual add, these two
    // wrap the MLP; null elsewhere (post_attention_layernorm is then the MLP's input norm).
    RMSNorm pre_feedforward_layernorm{nullptr}, post_feedforward_layernorm{nullptr};
};
TORCH_MODULE(DecoderLayer);

// cap * tanh(x / cap) (Gemma 2's soft-capping); x itself when cap is 0.
torch::Tensor soft_cap(const torch::Tensor& x, double cap);

// "model": embeddings, layers and the final norm.
class DecoderImpl : public torch::nn::Module {
public:
    DecoderImpl(const ModelConfig& c);
    // The token embeddings (B, T) -> (B, T, C), from embed_storage when one holds the table, times
    // sqrt(hidden_size) for Gemma (rounded to the table's dtype first, as transformers does).
    torch::Tensor embed(const torch::Tensor& input_ids);
    double embed_scale = 1.0;
    int64_t vocab_rows = 0;  // the table's rows (vocab_size), also when embed_storage holds it
    torch::nn::Embedding embed_tokens{nullptr};
    torch::nn::ModuleList layers{nullptr};
    RMSNorm norm{nullptr};
    // Inference only (core/infer/inference_weights.h): the table in a packed form, which then also serves
    // as the tied output head; embed_tokens->weight is left empty (0, C).
    std::shared_ptr<WeightStorage> embed_storage;
};
TORCH_MODULE(Decoder);

struct ForwardOptions {
    KVCache* cache = nullptr;          // incremental decoding: positions continue at cache->length
    torch::Tensor attention_mask;      // (B, S) 1 = token, 0 = padding (S = cache length + T); optional
    torch::Tensor position_ids;        // (B, T); default: cache length + arange(T)
    bool last_token_only = false;      // logits only for the last position (generation)
    // Called per decoder layer for gradient checkpointing; null runs layers directly.
    std::function<torch::Tensor(DecoderLayer&, const torch::Tensor&, const AttentionContext&, size_t)> layer_runner;
    torch::Tensor inputs_embeds;       // (B, T, C) instead of input_ids (NEFTune adds noise here)
    // Mixtures of experts: every sparse layer's router logits (N, E), in layer order (the load-balancing loss).
    std::vector<torch::Tensor>* router_logits = nullptr;
};

class CausalLMImpl : public torch::nn::Module {
public:
    // Norms are ones and biases zeros; every other weight is uninitialised (torch::empty, no page touched)
    // until init_weights() or a checkpoint (load_causal_lm, load_weights) fills it.
    explicit CausalLMImpl(const ModelConfig& c);

    // input_ids (B, T) -> logits (B, T, V), or (B, 1, V) with last_token_only.
    torch::Tensor forward(const torch::Tensor& input_ids, const ForwardOptions& opts = {});
    // The final hidden states (B, T, C) (after the last norm), for value heads and custom losses.
    torch::Tensor hidden_states(const torch::Tensor& input_ids, const ForwardOptions& opts = {});
    // hidden (B, T, C) -> logits (B, T, V) with the (possibly tied) output head.
    torch::Tensor logits(const torch::Tensor& hidden);

    // HF initialisation: normal(0, std) for linear and embedding weights, ones for norms, zero biases.
    void init_weights(uint64_t seed, double std = 0.02);

    const ModelConfig& config() const { return config_; }
    torch::Device device() const;
    torch::ScalarType dtype() const;

    Decoder model{nullptr};
    Linear lm_head{nullptr};  // null when tied to model.embed_tokens

private:
    ModelConfig config_;
    RotaryEmbedding rope_;
    std::unique_ptr<RotaryEmbedding> local_rope_;  // Gemma 3's sliding layers
};
TORCH_MODULE(CausalLM);

}  // namespace lathe
