#include "core/export/gguf_model.h"

#include "core/model/config.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdlib>

namespace lathe {

namespace {

struct ArchRow {
    const char* model_type;
    const char* arch;
    bool permute_qk;
    bool gemma;  // Gemma's norm names and settings (see gguf_model.h)
};
constexpr ArchRow kArchs[] = {
    {"llama", "llama", true, false},        {"mistral", "llama", true, false},
    {"qwen2", "qwen2", false, false},       {"qwen3", "qwen3", false, false},
    {"gemma2", "gemma2", false, true},      {"gemma3_text", "gemma3", false, true},
    {"phi3", "phi3", false, false},
    {"qwen2_moe", "qwen2moe", false, false}, {"qwen3_moe", "qwen3moe", false, false},
};

const ArchRow& arch_row(const ModelConfig& c) {
    for (const ArchRow& r : kArchs)
        if (c.model_type == r.model_type) return r;
    throw ConfigError(plain_problem("gguf_model_type_unsupported", {c.model_type}));
}

// The attention scale llama.cpp computes for a Gemma file (llama-model.cpp: the 27B layer counts take
// 1/sqrt(hidden / heads), every other size 1/sqrt(head_dim)).
double llamacpp_gemma_scale(const ModelConfig& c) {
    const bool is_27b = c.num_hidden_layers == (c.model_type == "gemma2" ? 46 : 62);
    return 1.0 / std::sqrt(double(is_27b ? c.hidden_size / c.num_attention_heads : c.head_dim));
}

// What llama.cpp cannot be told about a Gemma model, checked before anything is written.
// Each problem: what the model does, then gguf_would_differ (llama.cpp fixes it for the model type).
void check_gemma(const ModelConfig& c) {
    auto fail = [&](const std::string& id, std::vector<std::string> args) {
        throw ConfigError(composed("gguf_would_differ", {plain_problem(id, std::move(args)), verbatim(c.model_type)}));
    };
    const int period = c.model_type == "gemma2" ? 2 : 6;
    if (!c.sliding_layers.empty()) {
        for (int64_t i = 0; i < c.num_hidden_layers; ++i)
            if (c.layer_slides(size_t(i)) != ((i + 1) % period != 0))
                fail(c.layer_slides(size_t(i)) ? "gguf_gemma_layer_slides" : "gguf_gemma_layer_global",
                     {std::to_string(i), std::to_string(period)});
    } else if (c.model_type == "gemma2") {
        fail("gguf_gemma2_no_sliding_window", {});
    }
    if (c.model_type == "gemma2" && (c.attn_logit_softcapping <= 0 || c.final_logit_softcapping <= 0))
        fail("gguf_gemma2_no_softcapping", {});
    if (c.model_type == "gemma3_text" && c.attn_logit_softcapping > 0) fail("gguf_gemma3_attention_softcapping", {});
    if (c.model_type == "gemma3_text" && !c.sliding_layers.empty() && c.rope_local_base_freq != 10000.0)
        fail("gguf_gemma3_local_rope_base", {std::to_string(c.rope_local_base_freq)});
}

// Hugging Face module path inside a layer -> GGUF name inside blk.N.
struct LayerName {
    const char* hf;
    const char* gguf;
};
constexpr LayerName kLayerNames[] = {
    {"input_layernorm", "attn_norm"},
    {"self_attn.q_proj", "attn_q"},
    {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"},
    {"self_attn.q_norm", "attn_q_norm"},
    {"self_attn.k_norm", "attn_k_norm"},
    {"post_attention_layernorm", "ffn_norm"},
    {"mlp.gate_proj", "ffn_gate"},
    {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},
    // Phi-3's fused projections: llama.cpp splits attn_qkv itself and takes ffn_up's halves as [gate; up].
    {"self_attn.qkv_proj", "attn_qkv"},
    {"mlp.gate_up_proj", "ffn_up"},
    // Mixtures of experts: the router and Qwen2-MoE's shared expert (the experts themselves are stacked).
    {"mlp.gate", "ffn_gate_inp"},
    {"mlp.shared_expert.gate_proj", "ffn_gate_shexp"},
    {"mlp.shared_expert.up_proj", "ffn_up_shexp"},
    {"mlp.shared_expert.down_proj", "ffn_down_shexp"},
    {"mlp.shared_expert_gate", "ffn_gate_inp_shexp"},
};

// What llama.cpp's qwen2moe / qwen3moe graphs fix, checked before anything is written.
void check_moe(const ModelConfig& c) {
    auto fail = [&](const std::string& id, std::vector<std::string> args) {
        throw ConfigError(composed("gguf_moe_would_differ", {plain_problem(id, std::move(args)), verbatim(gguf_architecture(c))}));
    };
    for (int64_t i = 0; i < c.num_hidden_layers; ++i)
        if (!c.layer_is_moe(size_t(i))) fail("gguf_moe_dense_layer", {std::to_string(i)});
    const bool renormalises = c.model_type == "qwen3_moe";
    if (c.norm_topk_prob != renormalises)
        fail(renormalises ? "gguf_moe_renormalises" : "gguf_moe_does_not_renormalise",
             {c.norm_topk_prob ? "true" : "false", c.model_type});
}

// "model.layers.3.mlp.experts.7.up_proj.weight" -> {3, 7, "up_proj"}; expert -1 for other names.
struct ExpertName {
    std::string layer;
    int64_t expert = -1;
    std::string proj;
};
ExpertName expert_name(const std::string& hf) {
    const std::string layers = "model.layers.", experts = ".mlp.experts.";
    const size_t at = hf.find(experts);
    if (!starts_with(hf, layers) || at == std::string::npos || !ends_with(hf, ".weight")) return {};
    const size_t dot = hf.find('.', at + experts.size());
    if (dot == std::string::npos) return {};
    ExpertName e;
    e.layer = hf.substr(layers.size(), at - layers.size());
    e.expert = std::atoll(hf.substr(at + experts.size(), dot - at - experts.size()).c_str());
    e.proj = hf.substr(dot + 1, hf.size() - dot - 1 - std::string(".weight").size());
    return e;
}

struct Quant {
    const char* name;
    const char* label;
    LlamaFileType file_type;
};
constexpr Quant kQuants[] = {
    {"f32", "F32", LlamaFileType::AllF32},       {"f16", "F16", LlamaFileType::MostlyF16},
    {"bf16", "BF16", LlamaFileType::MostlyBF16}, {"q8_0", "Q8_0", LlamaFileType::MostlyQ8_0},
    {"q4_0", "Q4_0", LlamaFileType::MostlyQ4_0}, {"q4_k_m", "Q4_K_M", LlamaFileType::MostlyQ4_K_M},
};

const Quant& quant(const std::string& q) {
    for (const Quant& k : kQuants)
        if (q == k.name) return k;
    throw ConfigError(plain_problem("gguf_quantization_unknown", {q}));
}


// Gemma's four norms (convert_hf_to_gguf.py's tensor map for gemma2 and gemma3).
constexpr LayerName kGemmaNorms[] = {
    {"input_layernorm", "attn_norm"},
    {"post_attention_layernorm", "post_attention_norm"},
    {"pre_feedforward_layernorm", "ffn_norm"},
    {"post_feedforward_layernorm", "post_ffw_norm"},
};

// "model.layers.3.mlp.up_proj.weight" -> "blk.3.ffn_up.weight"; "" when unknown.
std::string gguf_name(const std::string& hf, bool gemma) {
    if (hf == "model.embed_tokens.weight") return "token_embd.weight";
    if (hf == "model.norm.weight") return "output_norm.weight";
    if (hf == "lm_head.weight") return "output.weight";
    const std::string layers = "model.layers.";
    if (!starts_with(hf, layers)) return "";
    const size_t dot = hf.find('.', layers.size());
    if (dot == std::string::npos) return "";
    const std::string index = hf.substr(layers.size(), dot - layers.size());
    const std::string rest = hf.substr(dot + 1);
    if (gemma) {
        for (const LayerName& n : kGemmaNorms)
            if (rest == std::string(n.hf) + ".weight") return "blk." + index + "." + n.gguf + ".weight";
    }
    for (const LayerName& n : kLayerNames) {
        for (const char* suffix : {".weight", ".bias"}) {
            if (rest == std::string(n.hf) + suffix) return "blk." + index + "." + n.gguf + suffix;
        }
    }
    return "";
}

// The type of one tensor: llama-quantize's choices (quantize.h) for the K quant, the converter's for
// the plain types. Norms, biases and 1-D tensors stay F32; rows that a block does not divide fall back.
GgmlType tensor_type(const std::string& name, const std::vector<int64_t>& shape, const std::string& q, int n_layer,
                     bool tied) {
    const int64_t ne0 = shape.back();
    if (shape.size() < 2 || ends_with(name, "_norm.weight") || !ends_with(name, ".weight")) return GgmlType::F32;
    const bool is_output = name == "output.weight" || (tied && name == "token_embd.weight");
    if (q == "f32") return GgmlType::F32;
    if (q == "f16") return GgmlType::F16;
    if (q == "bf16") return GgmlType::BF16;
    if (q == "q8_0") return ne0 % 32 == 0 ? GgmlType::Q8_0 : GgmlType::F16;
    if (q == "q4_0") {
        if (is_output) return ne0 % 256 == 0 ? GgmlType::Q6_K : ne0 % 32 == 0 ? GgmlType::Q8_0 : GgmlType::F16;
        return ne0 % 32 == 0 ? GgmlType::Q4_0 : GgmlType::F16;
    }
    return llama_q4_k_m_type(name, int(shape.size()), ne0, n_layer, tied);
}

}  // namespace

std::string gguf_architecture(const ModelConfig& c) { return arch_row(c).arch; }

LlamaFileType gguf_file_type(const std::string& q) { return quant(q).file_type; }

std::string gguf_file_type_label(const std::string& q) { return quant(q).label; }

std::vector<GgufTensorPlan> plan_gguf_tensors(const ModelConfig& c,
                                              const std::vector<std::pair<std::string, std::vector<int64_t>>>& tensors,
                                              const std::string& q) {
    const ArchRow& row = arch_row(c);
    (void)quant(q);
    if (row.gemma) check_gemma(c);
    if (c.arch().moe) check_moe(c);
    // llama.cpp scales queries by its own factor: ours over its goes into the weights that make them.
    const double q_scale = row.gemma ? c.attention_scale() / llamacpp_gemma_scale(c) : 1.0;
    std::vector<GgufTensorPlan> plan;
    if (c.rope_scaling.type == "llama3")
        plan.push_back({"rope_freqs.weight", "", {c.head_dim / 2}, GgmlType::F32, 0});
    if (c.rope_scaling.type == "longrope") {
        if (row.arch != std::string("phi3"))
            throw ConfigError(plain_problem("gguf_longrope_phi3_only", {c.model_type}));
        plan.push_back({"rope_factors_long.weight", "", {c.rotary_dim() / 2}, GgmlType::F32, 0});
        plan.push_back({"rope_factors_short.weight", "", {c.rotary_dim() / 2}, GgmlType::F32, 0});
    }
    const bool tied = c.tie_word_embeddings;
    for (const auto& [hf, shape] : tensors) {
        if (tied && hf == "lm_head.weight") continue;  // llama.cpp reuses token_embd when output is absent
        if (const ExpertName e = expert_name(hf); e.expert >= 0) {
            // One (experts, out, in) tensor per layer and projection, planned at expert 0.
            if (e.expert != 0) continue;
            GgufTensorPlan p;
            p.name = "blk." + e.layer + ".ffn_" + e.proj.substr(0, e.proj.find('_')) + "_exps.weight";
            for (int64_t k = 0; k < c.num_experts; ++k)
                p.stack.push_back("model.layers." + e.layer + ".mlp.experts." + std::to_string(k) + "." + e.proj + ".weight");
            p.source = p.stack.front();
            p.shape = shape;
            p.shape.insert(p.shape.begin(), c.num_experts);
            p.type = tensor_type(p.name, p.shape, q, int(c.num_hidden_layers), tied);
            plan.push_back(std::move(p));
            continue;
        }
        GgufTensorPlan p;
        p.name = gguf_name(hf, row.gemma);
        if (p.name.empty())
            throw ModelError(plain_problem("gguf_export_no_name", {hf, row.arch}));
        p.source = hf;
        p.shape = shape;
        p.type = tensor_type(p.name, shape, q, int(c.num_hidden_layers), tied);
        if (row.permute_qk && (hf.find("self_attn.q_proj.") != std::string::npos))
            p.permute_heads = c.num_attention_heads;
        if (row.permute_qk && (hf.find("self_attn.k_proj.") != std::string::npos))
            p.permute_heads = c.num_key_value_heads;
        if (row.gemma && ends_with(hf, "norm.weight")) p.add = 1.0;  // Gemma's (1 + w)
        if (row.gemma && std::abs(q_scale - 1.0) > 1e-12) {
            // Gemma 3 norms q after its projection, so the scale goes into the norm (as 1 + w); Gemma 2 scales
            // q_proj's rows (and bias).
            const bool fold_here = c.arch().qk_norm ? hf.find("self_attn.q_norm.weight") != std::string::npos
                                                    : hf.find("self_attn.q_proj.") != std::string::npos;
            if (fold_here) {
                p.scale = q_scale;
                p.add *= q_scale;  // a norm: (w + 1) * s = w * s + s
            }
        }
        plan.push_back(std::move(p));
    }
    return plan;
}

at::Tensor llama3_rope_factors(const ModelConfig& c) {
    const RopeScaling& r = c.rope_scaling;
    const int64_t dim = c.head_dim;
    const double low_wavelen = double(r.original_max_position_embeddings) / r.low_freq_factor;
    const double high_wavelen = double(r.original_max_position_embeddings) / r.high_freq_factor;
    std::vector<float> factors;
    for (int64_t i = 0; i < dim; i += 2) {
        // The converter computes the frequencies in float32 and the rest in Python floats.
        const float freq = 1.0f / std::pow(float(c.rope_theta), float(i) / float(dim));
        const double wavelen = 2 * M_PI / double(freq);
        if (wavelen < high_wavelen) {
            factors.push_back(1.0f);
        } else if (wavelen > low_wavelen) {
            factors.push_back(float(r.factor));
        } else {
            const double smooth = (double(r.original_max_position_embeddings) / wavelen - r.low_freq_factor) /
                                  (r.high_freq_factor - r.low_freq_factor);
            factors.push_back(float(1.0 / ((1 - smooth) / r.factor + smooth)));
        }
    }
    return torch::tensor(factors, torch::kFloat);
}

at::Tensor generated_gguf_tensor(const ModelConfig& c, const std::string& name) {
    if (name == "rope_freqs.weight") return llama3_rope_factors(c);
    if (name == "rope_factors_long.weight" || name == "rope_factors_short.weight") {
        const auto& f = name == "rope_factors_long.weight" ? c.rope_scaling.long_factor : c.rope_scaling.short_factor;
        return torch::tensor(f, torch::kDouble).to(torch::kFloat);
    }
    throw ModelError(plain_problem("gguf_export_no_recipe", {name}));
}

void set_gguf_hparams(GgufWriter& w, const ModelConfig& c, const std::string& q, const std::string& name) {
    const std::string arch = gguf_architecture(c);
    auto u32 = [](int64_t v) { return GgufValue::u32(uint32_t(v)); };
    w.set("general.architecture", GgufValue::string(arch));
    w.set("general.type", GgufValue::string("model"));
    w.set("general.name", GgufValue::string(name));
    w.set("general.file_type", GgufValue::u32(uint32_t(gguf_file_type(q))));
    w.set("general.quantization_version", GgufValue::u32(2));
    const std::string a = arch + ".";
    w.set(a + "context_length", u32(c.max_position_embeddings));
    w.set(a + "embedding_length", u32(c.hidden_size));
    w.set(a + "block_count", u32(c.num_hidden_layers));
    w.set(a + "feed_forward_length", u32(c.intermediate_size));
    w.set(a + "attention.head_count", u32(c.num_attention_heads));
    w.set(a + "attention.head_count_kv", u32(c.num_key_value_heads));
    w.set(a + "rope.freq_base", GgufValue::f32(float(c.rope_theta)));
    w.set(a + "attention.layer_norm_rms_epsilon", GgufValue::f32(float(c.rms_norm_eps)));
    // llama.cpp assumes head_dim = hidden / heads unless told otherwise (Qwen3 is not).
    if (c.head_dim * c.num_attention_heads != c.hidden_size || arch == "qwen3" || arch == "qwen3moe" || arch_row(c).gemma) {
        w.set(a + "attention.key_length", u32(c.head_dim));
        w.set(a + "attention.value_length", u32(c.head_dim));
    }
    if (arch == "llama") {
        w.set(a + "vocab_size", u32(c.vocab_size));
        w.set(a + "rope.dimension_count", u32(c.head_dim));
    }
    if (arch_row(c).gemma) {
        if (c.sliding_window > 0) w.set(a + "attention.sliding_window", u32(c.sliding_window));
        if (c.attn_logit_softcapping > 0)
            w.set(a + "attn_logit_softcapping", GgufValue::f32(float(c.attn_logit_softcapping)));
        if (c.final_logit_softcapping > 0)
            w.set(a + "final_logit_softcapping", GgufValue::f32(float(c.final_logit_softcapping)));
        if (c.rope_local_base_freq > 0) w.set(a + "rope.freq_base_swa", GgufValue::f32(float(c.rope_local_base_freq)));
    }
    if (c.arch().moe) {
        // convert_hf_to_gguf.py's Qwen2MoeModel (Qwen3MoeModel inherits it).
        w.set(a + "expert_count", u32(c.num_experts));
        w.set(a + "expert_used_count", u32(c.num_experts_per_tok));
        w.set(a + "expert_feed_forward_length", u32(c.moe_intermediate_size));
        if (c.shared_expert_intermediate_size > 0)
            w.set(a + "expert_shared_feed_forward_length", u32(c.shared_expert_intermediate_size));
    }
    if (arch == "phi3") {
        // convert_hf_to_gguf.py's Phi3MiniModel: the rotated dimensions, the pretrained length (which picks
        // the long or short factors against the context size), the window (0 = none; llama.cpp currently
        // ignores Phi's window) and longrope's attention factor.
        const bool longrope = c.rope_scaling.type == "longrope";
        w.set(a + "rope.dimension_count", u32(c.rotary_dim()));
        w.set(a + "rope.scaling.original_context_length",
              u32(longrope ? c.rope_scaling.original_max_position_embeddings : c.max_position_embeddings));
        w.set(a + "attention.sliding_window", u32(c.sliding_window));
        if (longrope) w.set(a + "rope.scaling.attn_factor", GgufValue::f32(float(c.rope_scaling.attention_factor)));
    }
    if (c.rope_scaling.type == "linear") {
        w.set(a + "rope.scaling.type", GgufValue::string("linear"));
        w.set(a + "rope.scaling.factor", GgufValue::f32(float(c.rope_scaling.factor)));
    }
}

}  // namespace lathe
