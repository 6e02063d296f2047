// The hyperparameters of a decoder-only model, read from and written to Hugging Face's config.json.
// Families differ by data (the Architecture row), not by code paths.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lathe {

// What distinguishes one family from another; one row per model_type (see config.cpp).
struct Architecture {
    const char* model_type;    // "llama", "qwen2", ...
    const char* hf_class;      // "LlamaForCausalLM"
    bool qkv_bias;             // q/k/v projections carry a bias (Qwen2)
    bool qk_norm;              // RMSNorm on q and k per head before RoPE (Qwen3, Gemma 3)
    bool default_tied;         // tie_word_embeddings when config.json omits it
    // Gemma: RMSNorm scales by (1 + weight) (weights stored around 0), embeddings are multiplied by
    // sqrt(hidden_size), and each sublayer's output is normed before the residual add (four norms per
    // layer: input, post_attention, pre_feedforward, post_feedforward).
    bool gemma_norms;
    // The sliding-window layers when config.json has no layer_types: every `sliding_period`-th layer
    // (counting from 1) is global, the rest slide (Gemma 2: 2, Gemma 3: 6); 0 = no sliding window.
    int sliding_period;
    const char* default_act;   // hidden_act when config.json omits it
    // Phi-3: q, k and v come from one projection (qkv_proj, rows [q; k; v]) and gate and up from another
    // (gate_up_proj, rows [gate; up]), kept fused as the checkpoint and PEFT name them.
    bool fused_projections = false;
    // Phi-3: a sliding_window in config.json applies to every layer (Mistral's rule, which transformers
    // follows for phi3); sliding_period is then unused.
    bool every_layer_slides = false;
    // Mixture of experts (Qwen2-MoE, Qwen3-MoE): the MLP of the sparse layers is a router (mlp.gate) over
    // num_experts MLPs (mlp.experts.N), of which num_experts_per_tok run per token.
    bool moe = false;
};

const Architecture* find_architecture(const std::string& model_type);
std::vector<std::string> supported_model_types();

struct RopeScaling {
    std::string type;  // "" (none), "linear", "llama3", "longrope" (Phi-3's; "su" is read as longrope)
    double factor = 1.0;
    double low_freq_factor = 1.0;
    double high_freq_factor = 4.0;
    int64_t original_max_position_embeddings = 8192;
    // longrope: per-frequency divisors (rotary dim / 2 each), the short ones up to
    // original_max_position_embeddings tokens, the long ones past it; cos and sin are multiplied by
    // attention_factor (sqrt(1 + ln(max / original) / ln(original)) unless config.json gives it).
    std::vector<double> short_factor, long_factor;
    double attention_factor = 1.0;
};

struct ModelConfig {
    std::string model_type = "llama";
    int64_t vocab_size = 32000;
    int64_t hidden_size = 4096;
    int64_t intermediate_size = 11008;
    int64_t num_hidden_layers = 32;
    int64_t num_attention_heads = 32;
    int64_t num_key_value_heads = 32;
    int64_t head_dim = 128;
    int64_t max_position_embeddings = 2048;
    double rms_norm_eps = 1e-6;
    double rope_theta = 10000.0;
    RopeScaling rope_scaling;
    bool tie_word_embeddings = false;
    bool attention_bias = false;  // llama's option: bias on q/k/v/o
    bool mlp_bias = false;        // llama's option: bias on gate/up/down
    std::string hidden_act = "silu";
    std::string torch_dtype = "float32";
    int64_t bos_token_id = -1;
    std::vector<int64_t> eos_token_ids;
    int64_t pad_token_id = -1;
    // Gemma 2/3 (0 where the family has none):
    double query_pre_attn_scalar = 0;     // attention scale 1/sqrt(this); 0 = 1/sqrt(head_dim)
    int64_t sliding_window = 0;           // keys a sliding layer sees: query position - key position < this
    std::vector<bool> sliding_layers;     // per layer; empty = none slides
    double rope_local_base_freq = 0;      // RoPE base of the sliding layers (Gemma 3); 0 = rope_theta
    double attn_logit_softcapping = 0;    // scores -> cap * tanh(scores / cap) before the softmax
    double final_logit_softcapping = 0;   // logits -> cap * tanh(logits / cap)
    // Phi-4-mini: RoPE turns only the first head_dim * partial_rotary_factor dimensions of each head.
    double partial_rotary_factor = 1.0;
    // Mixture of experts (0 experts = dense). A layer is sparse unless listed in mlp_only_layers or off the
    // decoder_sparse_step grid ((layer + 1) % step == 0 is sparse, as transformers).
    int64_t num_experts = 0;
    int64_t num_experts_per_tok = 0;
    int64_t moe_intermediate_size = 0;
    bool norm_topk_prob = false;           // the chosen experts' weights renormalised to sum to 1
    int64_t decoder_sparse_step = 1;
    std::vector<int64_t> mlp_only_layers;
    int64_t shared_expert_intermediate_size = 0;  // Qwen2-MoE: an always-on expert, gated by a sigmoid
    double router_aux_loss_coef = 0;      // config.json's value (training uses moe_aux_loss_coef)

    const Architecture& arch() const;
    double attention_scale() const;
    // The dimensions of each head RoPE turns (head_dim unless partial_rotary_factor says less).
    int64_t rotary_dim() const { return int64_t(double(head_dim) * partial_rotary_factor); }
    bool layer_slides(size_t layer) const { return layer < sliding_layers.size() && sliding_layers[layer]; }
    bool qkv_bias() const { return arch().qkv_bias || attention_bias; }
    bool layer_is_moe(size_t layer) const;

    // Parses config.json. `origin` names the file in messages. Throws ModelError for an unknown
    // model_type, a missing or inconsistent field (e.g. heads not dividing hidden size).
    static ModelConfig from_json(const nlohmann::json& j, const std::string& origin);
    static ModelConfig from_file(const std::string& path);
    // The config.json Lathe writes: the original file's unknown keys are kept (`base`), ours override.
    nlohmann::json to_json(const nlohmann::json* base = nullptr) const;

    // Parameter count of the full model (embeddings and head counted once when tied).
    int64_t parameter_count() const;
    // Throws ModelError when the numbers cannot describe a working model.
    void validate(const std::string& origin) const;
};

// Throws ModelError (with a message id) when `dir` is not a folder or holds no config.json.
void require_model_folder(const std::string& dir);

}  // namespace lathe
