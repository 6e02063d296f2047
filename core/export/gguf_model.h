// A decoder-only model as llama.cpp's GGUF describes it: the architecture name, one table row per
// Hugging Face tensor name pattern, hyperparameter keys, and the type each tensor gets for a chosen
// quantization (convert_hf_to_gguf.py's names and keys; llama-quantize's type choices).
//
//   model_type          GGUF architecture   q/k rows permuted   extra
//   llama, mistral      llama               yes                 rope_freqs.weight for llama3 rope scaling
//   qwen2               qwen2               no                  q/k/v biases
//   qwen3               qwen3               no                  attn_q_norm / attn_k_norm
//   gemma2              gemma2              no                  four norms per layer, stored as 1 + w;
//                                                               attention.sliding_window, soft-capping
//   gemma3_text         gemma3              no                  as gemma2, with attn_q_norm / attn_k_norm
//   phi3                phi3                no                  fused attn_qkv and ffn_up ([gate; up]);
//                                                               rope_factors_long/short for longrope
//   qwen2_moe           qwen2moe            no                  router ffn_gate_inp, experts stacked into
//                                                               ffn_{gate,up,down}_exps, shared expert _shexp
//   qwen3_moe           qwen3moe            no                  as qwen2moe without the shared expert, with
//                                                               attn_q_norm / attn_k_norm
//
// llama.cpp fixes some of Gemma's settings itself: which layers slide (every other for Gemma 2, five of
// six for Gemma 3), the sliding layers' RoPE base (10000, Gemma 3) and the attention scale (1/sqrt(head_dim),
// or 1/sqrt(hidden/heads) for the 27B layer counts). A model that differs is refused, except for the
// attention scale, which is folded into the query weights (Gemma 2) or the query norm (Gemma 3).
#pragma once
#include "core/io/gguf_quant.h"
#include "core/io/gguf.h"

#include <cstdint>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace lathe {

struct ModelConfig;

// "llama", "qwen2", "qwen3"; throws ConfigError for a model_type llama.cpp support is not written for.
std::string gguf_architecture(const ModelConfig& c);

// Quantization name (f32, f16, bf16, q8_0, q4_0, q4_k_m) -> general.file_type; throws ConfigError.
LlamaFileType gguf_file_type(const std::string& quantization);
// "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K_M": the conventional file-name suffix.
std::string gguf_file_type_label(const std::string& quantization);

// One tensor of the GGUF file and where it comes from.
struct GgufTensorPlan {
    std::string name;              // "blk.0.attn_q.weight"
    std::string source;            // "model.layers.0.self_attn.q_proj.weight"; "" for generated tensors
    std::vector<int64_t> shape;    // PyTorch order
    GgmlType type = GgmlType::F32;
    int64_t permute_heads = 0;     // > 0: llama_permute_qk_for_gguf with this many heads
    double scale = 1.0;            // the values times this (a folded attention scale)
    double add = 0.0;              // then plus this (Gemma's norms: llama.cpp multiplies by the weight itself)
    // Mixtures of experts: the experts' tensors (source is the first) stacked along a new first dimension.
    std::vector<std::string> stack = {};
};

// The GGUF tensors for a model whose checkpoint tensors are `tensors` (name, shape), in that order,
// plus rope_freqs.weight (llama3) or rope_factors_long/short.weight (longrope) first. Throws ModelError for a tensor the
// table cannot name.
std::vector<GgufTensorPlan> plan_gguf_tensors(const ModelConfig& c,
                                              const std::vector<std::pair<std::string, std::vector<int64_t>>>& tensors,
                                              const std::string& quantization);

// convert_hf_to_gguf.py's generate_extra_tensors for rope_scaling type llama3: one factor per
// rotary frequency, (head_dim / 2) float32 values.
at::Tensor llama3_rope_factors(const ModelConfig& c);

// The values of a planned tensor with no source: rope_freqs.weight (llama3), rope_factors_long.weight and
// rope_factors_short.weight (phi3 longrope, rotary_dim / 2 float32 each).
at::Tensor generated_gguf_tensor(const ModelConfig& c, const std::string& name);

// general.* and <arch>.* keys.
void set_gguf_hparams(GgufWriter& w, const ModelConfig& c, const std::string& quantization, const std::string& name);

}  // namespace lathe
