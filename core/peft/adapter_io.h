// LoRA adapters on disk in Hugging Face PEFT's layout, so LLaMA-Factory, PEFT and vLLM read what Lathe
// writes and the other way round:
//   adapter_config.json        {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r", "lora_alpha", ...}
//   adapter_model.safetensors  "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", ...
#pragma once
#include "core/peft/lora.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace lathe {

class CausalLMImpl;

struct AdapterConfig {
    LoraSettings settings;                // r, lora_alpha, lora_dropout, target_modules, use_*, modules_to_save
    std::string base_model_name_or_path;  // "" when null
};

// Reads `dir`/adapter_config.json. Throws IoError when the folder or the file is missing or not JSON,
// ConfigError for what Lathe cannot apply (peft_type other than LORA, bias other than "none",
// fan_in_fan_out, rank_pattern / alpha_pattern, a field of the wrong type), naming the file and field.
AdapterConfig read_adapter_config(const std::string& dir);

// adapter_config.json for `lora`: PEFT's LoraConfig fields (as PEFT 0.12 writes them, keys sorted).
nlohmann::json adapter_config_json(const LoraModel& lora, const std::string& base_model_name_or_path);

// Writes adapter_model.safetensors, then adapter_config.json, into `dir` (created if missing); each
// file atomically (temp file + rename), other files in `dir` untouched.
void save_lora_adapter(const LoraModel& lora, const std::string& dir, const std::string& base_model_name_or_path);

struct AdapterLoadOptions {
    std::string base_model_name_or_path;  // of the model loaded into, named in mismatch messages
    bool trainable = false;               // true: adapter and additional targets stay trainable
};

// Installs the adapter in `dir` on `model` (which must have no adapters on those modules). Checks every
// tensor before touching the model; throws ModelError for a tensor whose module the model lacks or whose
// shape differs (both shapes named, with both base model names: the adapter was probably trained on
// another base model), IoError / ConfigError as read_adapter_config.
LoraModel load_lora_adapter(std::shared_ptr<CausalLMImpl> model, const std::string& dir,
                            const AdapterLoadOptions& options = {});

// LLaMA-Factory's adapter_name_or_path list: each adapter loaded and merged in order.
void merge_lora_adapters(std::shared_ptr<CausalLMImpl> model, const std::vector<std::string>& dirs,
                         const std::string& base_model_name_or_path = "");

}  // namespace lathe
