// Freeze (partial-parameter) fine-tuning with LLaMA-Factory's settings: train some decoder layers, some
// modules inside them, and optionally some modules outside the layers; freeze the rest.
#pragma once
#include "core/peft/params.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe {

class CausalLMImpl;

struct FreezeSettings {
    // > 0: the last N decoder layers are trainable; < 0: the first |N|; 0: none (only extra_modules).
    // |N| beyond the layer count selects every layer (as LLaMA-Factory).
    int64_t trainable_layers = 2;
    // "all", or module names inside a layer: a layer's children (self_attn, mlp, input_layernorm,
    // post_attention_layernorm) or deeper ones (q_proj, down_proj, q_norm ...).
    std::vector<std::string> trainable_modules{"all"};
    // Modules outside the layers: embed_tokens, norm, lm_head.
    std::vector<std::string> extra_modules;
};

// Sets requires_grad on the chosen parameters only. Throws ConfigError naming a bad module name and the
// valid ones, or when the settings leave nothing trainable. Unlike LLaMA-Factory, names are matched
// as whole path components ("norm" selects model.norm, not every layernorm).
TrainableParameters apply_freeze(CausalLMImpl& model, const FreezeSettings& settings);

}  // namespace lathe
