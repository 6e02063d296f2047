#include "core/model/config.h"

#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace lathe {

namespace {

const Architecture kArchitectures[] = {
    // model_type        HF class               qkv_bias qk_norm tied  gemma_norms sliding_period default_act
    {"llama", "LlamaForCausalLM", false, false, false, false, 0, "silu"},
    {"mistral", "MistralForCausalLM", false, false, false, false, 0, "silu"},
    {"qwen2", "Qwen2ForCausalLM", true, false, false, false, 0, "silu"},
    {"qwen3", "Qwen3ForCausalLM", false, true, false, false, 0, "silu"},
    {"gemma2", "Gemma2ForCausalLM", false, false, true, true, 2, "gelu_pytorch_tanh"},
    {"gemma3_text", "Gemma3ForCausalLM", false, true, true, true, 6, "gelu_pytorch_tanh"},
    // Phi-3, Phi-3.5-mini, Phi-4-mini (and Phi-4): fused projections, a window on every layer.
    {"phi3", "Phi3ForCausalLM", false, false, false, false, 0, "silu", true, true},
    // Mixtures of experts: Qwen1.5-MoE / Qwen2-MoE (shared expert) and Qwen3-MoE (q/k norms).
    {"qwen2_moe", "Qwen2MoeForCausalLM", true, false, false, false, 0, "silu", false, false, true},
    {"qwen3_moe", "Qwen3MoeForCausalLM", false, true, false, false, 0, "silu", false, false, true},
};

// hidden_act values the MLP implements (core/model/transformer.cpp).
bool known_activation(const std::string& a) {
    return a == "silu" || a == "swish" || a == "gelu_pytorch_tanh" || a == "gelu_new" || a == "gelu";
}

// A problem with config.json (`origin`: its path, or what the config came from), worded by id.
[[noreturn]] void bad(const std::string& origin, const std::string& id, std::vector<std::string> args = {}) {
    throw ModelError(file_problem(origin, 0, 0, id, std::move(args)));
}

// `key` of the object at `field` ("" at the top level, "rope_scaling", ...), as messages name it.
std::string field_name(const std::string& field, const char* key) { return field.empty() ? key : field + "." + key; }

template <typename T>
T get_or(const nlohmann::json& j, const char* key, T fallback, const std::string& origin, const std::string& field = "") {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        bad(origin, "model_config_field_type", {field_name(field, key), it->type_name()});
    }
}

int64_t require_int(const nlohmann::json& j, const char* key, const std::string& origin) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) bad(origin, "record_missing_field", {key});
    if (!it->is_number_integer()) bad(origin, "model_config_not_integer", {key});
    return it->get<int64_t>();
}

// rope_scaling, or (`field`) one of transformers 5's rope_parameters objects, which hold the same keys.
RopeScaling parse_rope_scaling(const nlohmann::json& j, const std::string& origin, const std::string& field = "rope_scaling") {
    RopeScaling r;
    auto it = j.find("rope_scaling");
    if (it == j.end() || it->is_null()) return r;
    if (!it->is_object()) bad(origin, "model_config_not_object", {field});
    const auto& s = *it;
    std::string type = get_or<std::string>(s, "rope_type", get_or<std::string>(s, "type", "", origin, field), origin, field);
    if (type == "default" || type.empty()) return r;
    if (type == "su") type = "longrope";  // Phi-3's first configs
    if (type != "linear" && type != "llama3" && type != "longrope")
        bad(origin, "rope_type_unsupported", {field, type});
    r.type = type;
    if (type == "longrope") {
        auto factors = [&](const char* key) {
            auto f = s.find(key);
            if (f == s.end() || !f->is_array() || f->empty())
                bad(origin, "rope_factors_not_list", {field_name(field, key)});
            std::vector<double> v;
            for (const auto& x : *f) {
                if (!x.is_number() || x.get<double>() <= 0)
                    bad(origin, "rope_factors_not_positive", {field_name(field, key), x.dump()});
                v.push_back(x.get<double>());
            }
            return v;
        };
        r.short_factor = factors("short_factor");
        r.long_factor = factors("long_factor");
        if (r.short_factor.size() != r.long_factor.size())
            bad(origin, "rope_factors_lengths_differ",
                {field, std::to_string(r.short_factor.size()), std::to_string(r.long_factor.size())});
        // 0 until from_json knows the lengths; the fields stay as config.json gives them.
        r.attention_factor = get_or<double>(s, "attention_factor", 0.0, origin, field);
        r.factor = get_or<double>(s, "factor", 0.0, origin, field);
        r.original_max_position_embeddings = get_or<int64_t>(s, "original_max_position_embeddings", 0, origin, field);
        return r;
    }
    r.factor = get_or<double>(s, "factor", 1.0, origin, field);
    if (r.factor <= 0) bad(origin, "model_config_not_positive", {field_name(field, "factor")});
    if (type == "llama3") {
        r.low_freq_factor = get_or<double>(s, "low_freq_factor", 1.0, origin, field);
        r.high_freq_factor = get_or<double>(s, "high_freq_factor", 4.0, origin, field);
        r.original_max_position_embeddings =
            get_or<int64_t>(s, "original_max_position_embeddings", 8192, origin, field);
        if (r.high_freq_factor <= r.low_freq_factor) bad(origin, "rope_llama3_freq_order", {field});
    }
    return r;
}

// transformers' longrope attention factor when config.json gives none: sqrt(1 + ln(factor) / ln(original)).
double longrope_attention_factor(const RopeScaling& r) {
    if (r.factor <= 1.0) return 1.0;
    return std::sqrt(1.0 + std::log(r.factor) / std::log(double(r.original_max_position_embeddings)));
}

std::vector<int64_t> parse_ids(const nlohmann::json& j, const char* key, const std::string& origin) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (it->is_number_integer()) return {it->get<int64_t>()};
    if (it->is_array()) {
        std::vector<int64_t> ids;
        for (const auto& v : *it) {
            if (!v.is_number_integer()) bad(origin, "model_config_ids_not_integers", {key});
            ids.push_back(v.get<int64_t>());
        }
        return ids;
    }
    bad(origin, "model_config_ids_type", {key});
}

}  // namespace

const Architecture* find_architecture(const std::string& model_type) {
    for (const auto& a : kArchitectures)
        if (model_type == a.model_type) return &a;
    return nullptr;
}

std::vector<std::string> supported_model_types() {
    std::vector<std::string> names;
    for (const auto& a : kArchitectures) names.emplace_back(a.model_type);
    return names;
}

const Architecture& ModelConfig::arch() const {
    const Architecture* a = find_architecture(model_type);
    if (!a) throw ModelError(plain_problem("model_type_unknown", {model_type}));
    return *a;
}

ModelConfig ModelConfig::from_json(const nlohmann::json& j, const std::string& origin) {
    if (!j.is_object()) bad(origin, "record_not_object", {json_type_phrase(j)});
    ModelConfig c;
    c.model_type = get_or<std::string>(j, "model_type", "", origin);
    if (c.model_type.empty()) bad(origin, "record_missing_field", {"model_type"});
    if (c.model_type == "gemma3") bad(origin, "model_type_gemma3_vision");
    const Architecture* arch = find_architecture(c.model_type);
    if (!arch) {
        std::string known;
        for (const auto& n : supported_model_types()) known += (known.empty() ? "" : ", ") + n;
        bad(origin, "model_type_unsupported", {c.model_type, known});
    }
    c.vocab_size = require_int(j, "vocab_size", origin);
    c.hidden_size = require_int(j, "hidden_size", origin);
    c.intermediate_size = require_int(j, "intermediate_size", origin);
    c.num_hidden_layers = require_int(j, "num_hidden_layers", origin);
    c.num_attention_heads = require_int(j, "num_attention_heads", origin);
    c.num_key_value_heads = get_or<int64_t>(j, "num_key_value_heads", c.num_attention_heads, origin);
    if (c.num_attention_heads > 0)
        c.head_dim = get_or<int64_t>(j, "head_dim", c.hidden_size / c.num_attention_heads, origin);
    c.max_position_embeddings = get_or<int64_t>(j, "max_position_embeddings", 2048, origin);
    c.rms_norm_eps = get_or<double>(j, "rms_norm_eps", 1e-6, origin);
    c.rope_theta = get_or<double>(j, "rope_theta", 10000.0, origin);
    c.rope_scaling = parse_rope_scaling(j, origin);
    // transformers 5 writes rope_parameters instead: {rope_type, rope_theta, factor...}, or one such object
    // per layer type (Gemma 3: full_attention and sliding_attention).
    auto rp = j.find("rope_parameters");
    if (rp != j.end() && rp->is_object()) {
        const bool per_type = rp->contains("full_attention");
        const std::string where = per_type ? "rope_parameters.full_attention" : "rope_parameters";
        const nlohmann::json& global = per_type ? (*rp)["full_attention"] : *rp;
        if (!global.is_object()) bad(origin, "model_config_not_object", {where});
        c.rope_theta = get_or<double>(global, "rope_theta", c.rope_theta, origin, where);
        c.rope_scaling = parse_rope_scaling(nlohmann::json{{"rope_scaling", global}}, origin, where);
        if (per_type && rp->contains("sliding_attention")) {
            const nlohmann::json& local = (*rp)["sliding_attention"];
            if (!local.is_object()) bad(origin, "model_config_not_object", {"rope_parameters.sliding_attention"});
            if (arch->qk_norm && arch->gemma_norms)
                c.rope_local_base_freq = get_or<double>(local, "rope_theta", 10000.0, origin, "rope_parameters.sliding_attention");
        }
    }
    c.partial_rotary_factor = get_or<double>(j, "partial_rotary_factor", 1.0, origin);
    if (rp != j.end() && rp->is_object() && rp->contains("partial_rotary_factor"))
        c.partial_rotary_factor = get_or<double>(*rp, "partial_rotary_factor", 1.0, origin, "rope_parameters");
    if (c.rope_scaling.type == "longrope") {
        // Phi-3 keeps the pretrained length at the top level (transformers: then factor = max / original).
        RopeScaling& r = c.rope_scaling;
        const int64_t top = get_or<int64_t>(j, "original_max_position_embeddings", 0, origin);
        if (top > 0) r.original_max_position_embeddings = top;
        if (r.original_max_position_embeddings <= 0) r.original_max_position_embeddings = c.max_position_embeddings;
        if (top > 0 || r.factor <= 0) r.factor = double(c.max_position_embeddings) / double(r.original_max_position_embeddings);
        if (r.attention_factor <= 0) r.attention_factor = longrope_attention_factor(r);
    }
    c.tie_word_embeddings = get_or<bool>(j, "tie_word_embeddings", arch->default_tied, origin);
    c.attention_bias = get_or<bool>(j, "attention_bias", false, origin);
    c.mlp_bias = get_or<bool>(j, "mlp_bias", false, origin);
    // Gemma's configs name it hidden_activation (Gemma 2 carries both).
    c.hidden_act = get_or<std::string>(j, "hidden_activation", get_or<std::string>(j, "hidden_act", arch->default_act, origin),
                                       origin);
    if (arch->gemma_norms) {
        c.query_pre_attn_scalar = get_or<double>(j, "query_pre_attn_scalar", double(c.head_dim), origin);
        c.attn_logit_softcapping = get_or<double>(j, "attn_logit_softcapping", 0.0, origin);
        c.final_logit_softcapping = get_or<double>(j, "final_logit_softcapping", 0.0, origin);
        if (arch->qk_norm && c.rope_local_base_freq == 0)
            c.rope_local_base_freq = get_or<double>(j, "rope_local_base_freq", 10000.0, origin);
    }
    if (arch->sliding_period > 0) {
        c.sliding_window = get_or<int64_t>(j, "sliding_window", 0, origin);
        auto types = j.find("layer_types");
        if (types != j.end() && !types->is_null()) {
            if (!types->is_array() || int64_t(types->size()) != c.num_hidden_layers)
                bad(origin, "layer_types_count", {std::to_string(c.num_hidden_layers)});
            for (size_t i = 0; i < types->size(); ++i) {
                const auto& t = (*types)[i];
                const std::string v = t.is_string() ? t.get<std::string>() : "";
                if (v != "sliding_attention" && v != "full_attention")
                    bad(origin, "layer_types_entry", {std::to_string(i), t.dump()});
                c.sliding_layers.push_back(v == "sliding_attention");
            }
        } else {
            const int64_t period = get_or<int64_t>(j, "sliding_window_pattern", arch->sliding_period, origin);
            if (period <= 0) bad(origin, "model_config_not_positive", {"sliding_window_pattern"});
            for (int64_t i = 0; i < c.num_hidden_layers; ++i) c.sliding_layers.push_back((i + 1) % period != 0);
        }
        if (c.sliding_window <= 0) c.sliding_layers.clear();
    }
    if (arch->every_layer_slides) {
        c.sliding_window = get_or<int64_t>(j, "sliding_window", 0, origin);
        if (c.sliding_window > 0) c.sliding_layers.assign(size_t(c.num_hidden_layers), true);
    }
    if (arch->moe) {
        c.num_experts = require_int(j, "num_experts", origin);
        c.num_experts_per_tok = require_int(j, "num_experts_per_tok", origin);
        c.moe_intermediate_size = require_int(j, "moe_intermediate_size", origin);
        c.norm_topk_prob = get_or<bool>(j, "norm_topk_prob", false, origin);
        c.decoder_sparse_step = get_or<int64_t>(j, "decoder_sparse_step", 1, origin);
        c.mlp_only_layers = get_or<std::vector<int64_t>>(j, "mlp_only_layers", {}, origin);
        c.shared_expert_intermediate_size = get_or<int64_t>(j, "shared_expert_intermediate_size", 0, origin);
        c.router_aux_loss_coef = get_or<double>(j, "router_aux_loss_coef", 0.0, origin);
    }
    c.torch_dtype = get_or<std::string>(j, "torch_dtype", "float32", origin);
    auto bos = parse_ids(j, "bos_token_id", origin);
    c.bos_token_id = bos.empty() ? -1 : bos[0];
    c.eos_token_ids = parse_ids(j, "eos_token_id", origin);
    auto pad = parse_ids(j, "pad_token_id", origin);
    c.pad_token_id = pad.empty() ? -1 : pad[0];
    c.validate(origin);
    return c;
}

ModelConfig ModelConfig::from_file(const std::string& path) {
    try {
        return from_json(read_json_file(path), path);
    } catch (Error& e) {
        e.set_file_id(path, "model_config_unreadable");
        throw;
    }
}

void ModelConfig::validate(const std::string& origin) const {
    auto fail = [&](const std::string& id, std::vector<std::string> args) { bad(origin, id, std::move(args)); };
    auto positive = [&](const char* field, double value) {
        if (!(value > 0)) fail("model_config_not_positive", {field});
    };
    auto n = [](auto v) { return std::to_string(v); };
    if (!find_architecture(model_type)) fail("model_type_not_supported", {model_type});
    if (vocab_size <= 0) fail("model_config_not_positive_got", {"vocab_size", n(vocab_size)});
    if (hidden_size <= 0) fail("model_config_not_positive_got", {"hidden_size", n(hidden_size)});
    positive("intermediate_size", double(intermediate_size));
    positive("num_hidden_layers", double(num_hidden_layers));
    positive("num_attention_heads", double(num_attention_heads));
    if (num_key_value_heads <= 0 || num_attention_heads % num_key_value_heads != 0)
        fail("kv_heads_divide", {n(num_key_value_heads), n(num_attention_heads)});
    if (head_dim <= 0 || head_dim % 2 != 0) fail("head_dim_even", {n(head_dim)});
    if (!known_activation(hidden_act)) fail("hidden_act_unsupported", {hidden_act});
    if (query_pre_attn_scalar < 0) fail("model_config_not_positive", {"query_pre_attn_scalar"});
    if (attn_logit_softcapping < 0 || final_logit_softcapping < 0) fail("softcapping_negative", {});
    if (!sliding_layers.empty() && int64_t(sliding_layers.size()) != num_hidden_layers) fail("sliding_layers_count", {});
    if (!sliding_layers.empty()) positive("sliding_window", double(sliding_window));
    if (partial_rotary_factor <= 0 || partial_rotary_factor > 1) fail("partial_rotary_range", {n(partial_rotary_factor)});
    if (rotary_dim() % 2 != 0) fail("rotary_dim_even", {n(rotary_dim())});
    if (rope_scaling.type == "longrope" && int64_t(rope_scaling.short_factor.size()) * 2 != rotary_dim())
        fail("longrope_factor_count", {n(rotary_dim() / 2), n(rope_scaling.short_factor.size())});
    if (num_experts > 0) {
        if (num_experts_per_tok <= 0 || num_experts_per_tok > num_experts)
            fail("experts_per_token_range", {n(num_experts), n(num_experts_per_tok)});
        positive("moe_intermediate_size", double(moe_intermediate_size));
        positive("decoder_sparse_step", double(decoder_sparse_step));
        if (shared_expert_intermediate_size < 0) fail("shared_expert_negative", {});
        for (int64_t l : mlp_only_layers)
            if (l < 0 || l >= num_hidden_layers) fail("mlp_only_layer_range", {n(l), n(num_hidden_layers)});
    } else if (num_experts < 0 || arch().moe) {
        fail("num_experts_positive", {model_type});
    }
    positive("rms_norm_eps", rms_norm_eps);
    positive("rope_theta", rope_theta);
    positive("max_position_embeddings", double(max_position_embeddings));
}

nlohmann::json ModelConfig::to_json(const nlohmann::json* base) const {
    nlohmann::json j = base && base->is_object() ? *base : nlohmann::json::object();
    const Architecture& a = arch();
    j["architectures"] = {a.hf_class};
    j["model_type"] = model_type;
    j["vocab_size"] = vocab_size;
    j["hidden_size"] = hidden_size;
    j["intermediate_size"] = intermediate_size;
    j["num_hidden_layers"] = num_hidden_layers;
    j["num_attention_heads"] = num_attention_heads;
    j["num_key_value_heads"] = num_key_value_heads;
    j["head_dim"] = head_dim;
    j["max_position_embeddings"] = max_position_embeddings;
    j["rms_norm_eps"] = rms_norm_eps;
    j["rope_theta"] = rope_theta;
    if (rope_scaling.type.empty()) {
        j["rope_scaling"] = nullptr;
    } else {
        nlohmann::json s = {{"rope_type", rope_scaling.type}, {"factor", rope_scaling.factor}};
        if (rope_scaling.type == "llama3") {
            s["low_freq_factor"] = rope_scaling.low_freq_factor;
            s["high_freq_factor"] = rope_scaling.high_freq_factor;
            s["original_max_position_embeddings"] = rope_scaling.original_max_position_embeddings;
        }
        if (rope_scaling.type == "longrope") {
            // Phi-3's layout: the type under "type", the pretrained length at the top level.
            s = {{"type", "longrope"}, {"short_factor", rope_scaling.short_factor}, {"long_factor", rope_scaling.long_factor}};
            if (std::abs(rope_scaling.attention_factor - longrope_attention_factor(rope_scaling)) > 1e-12)
                s["attention_factor"] = rope_scaling.attention_factor;
            j["original_max_position_embeddings"] = rope_scaling.original_max_position_embeddings;
        }
        j["rope_scaling"] = s;
    }
    if (partial_rotary_factor != 1.0) j["partial_rotary_factor"] = partial_rotary_factor;
    if (a.every_layer_slides) j["sliding_window"] = sliding_window > 0 ? nlohmann::json(sliding_window) : nlohmann::json();
    j["tie_word_embeddings"] = tie_word_embeddings;
    if (model_type == "llama") {
        j["attention_bias"] = attention_bias;
        j["mlp_bias"] = mlp_bias;
    }
    j["hidden_act"] = hidden_act;
    if (a.gemma_norms) {
        j["hidden_activation"] = hidden_act;
        j["query_pre_attn_scalar"] = query_pre_attn_scalar > 0 ? query_pre_attn_scalar : double(head_dim);
        j["attn_logit_softcapping"] = attn_logit_softcapping > 0 ? nlohmann::json(attn_logit_softcapping) : nlohmann::json();
        j["final_logit_softcapping"] = final_logit_softcapping > 0 ? nlohmann::json(final_logit_softcapping) : nlohmann::json();
        if (a.qk_norm) j["rope_local_base_freq"] = rope_local_base_freq > 0 ? rope_local_base_freq : rope_theta;
    }
    if (a.sliding_period > 0) {
        j["sliding_window"] = sliding_window > 0 ? nlohmann::json(sliding_window) : nlohmann::json();
        nlohmann::json types = nlohmann::json::array();
        for (int64_t i = 0; i < num_hidden_layers; ++i)
            types.push_back(layer_slides(size_t(i)) ? "sliding_attention" : "full_attention");
        j["layer_types"] = types;
    }
    if (a.moe) {
        j["num_experts"] = num_experts;
        j["num_experts_per_tok"] = num_experts_per_tok;
        j["moe_intermediate_size"] = moe_intermediate_size;
        j["norm_topk_prob"] = norm_topk_prob;
        j["decoder_sparse_step"] = decoder_sparse_step;
        j["mlp_only_layers"] = mlp_only_layers;
        if (shared_expert_intermediate_size > 0) j["shared_expert_intermediate_size"] = shared_expert_intermediate_size;
        j["router_aux_loss_coef"] = router_aux_loss_coef;
    }
    j["torch_dtype"] = torch_dtype;
    if (bos_token_id >= 0) j["bos_token_id"] = bos_token_id;
    if (eos_token_ids.size() == 1) j["eos_token_id"] = eos_token_ids[0];
    else if (!eos_token_ids.empty()) j["eos_token_id"] = eos_token_ids;
    if (pad_token_id >= 0) j["pad_token_id"] = pad_token_id;
    return j;
}

bool ModelConfig::layer_is_moe(size_t layer) const {
    if (num_experts <= 0) return false;
    for (int64_t l : mlp_only_layers)
        if (size_t(l) == layer) return false;
    return (int64_t(layer) + 1) % decoder_sparse_step == 0;
}

double ModelConfig::attention_scale() const {
    return 1.0 / std::sqrt(query_pre_attn_scalar > 0 ? query_pre_attn_scalar : double(head_dim));
}

int64_t ModelConfig::parameter_count() const {
    const int64_t h = hidden_size, q = num_attention_heads * head_dim, kv = num_key_value_heads * head_dim;
    int64_t attn = h * q + 2 * h * kv + q * h;  // the same with qkv_proj fused
    if (qkv_bias()) attn += q + 2 * kv;
    if (attention_bias) attn += h;
    if (arch().qk_norm) attn += 2 * head_dim;
    int64_t mlp = 3 * h * intermediate_size;
    if (mlp_bias) mlp += 2 * intermediate_size + h;
    // A sparse layer: the router, every expert, and the shared expert with its gate.
    int64_t sparse = h * num_experts + num_experts * 3 * h * moe_intermediate_size;
    if (shared_expert_intermediate_size > 0) sparse += 3 * h * shared_expert_intermediate_size + h;
    const int64_t norms = (arch().gemma_norms ? 4 : 2) * h;
    int64_t layers = 0;
    for (int64_t i = 0; i < num_hidden_layers; ++i) layers += attn + norms + (layer_is_moe(size_t(i)) ? sparse : mlp);
    const int64_t embed = vocab_size * h;
    return embed + layers + h + (tie_word_embeddings ? 0 : embed);
}

void require_model_folder(const std::string& dir) {
    if (!dir_exists(dir)) {
        Problem missing;  // the folder is in the wording: no file to place it by
        missing.id = "model_folder_missing";
        missing.args = {dir};
        missing.message = format_message(missing.id, missing.args);
        throw ModelError(std::move(missing));
    }
    if (!file_exists(path_join(dir, "config.json"))) throw ModelError(file_problem(dir, 0, 0, "no_config_json"));
}

}  // namespace lathe
