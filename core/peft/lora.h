// LoRA / DoRA over a whole model, as PEFT's get_peft_model(model, LoraConfig(...)) with LLaMA-Factory's
// settings: the target Linears get adapters (core/peft/lora_layer.h), additional targets (PEFT's
// modules_to_save) are trained fully, everything else is frozen.
#pragma once
#include "core/peft/params.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lathe {

class CausalLMImpl;

struct LoraSettings {
    int64_t rank = 8;
    double alpha = 16.0;
    double dropout = 0.0;
    // Short module names ("q_proj", "v_proj") or full names; "all" = every Linear except lm_head.
    std::vector<std::string> targets{"all"};
    bool use_rslora = false;
    bool use_dora = false;
    // Modules trained fully beside LoRA and saved with it (PEFT's modules_to_save): "embed_tokens", "lm_head".
    std::vector<std::string> additional_targets;
    uint64_t seed = 42;  // lora_A initialisation

    double scaling() const;  // alpha / r, or alpha / sqrt(r) with rsLoRA
    // Throws ConfigError naming the setting: rank <= 0, alpha <= 0, dropout outside [0, 1).
    void validate() const;
};

class LoraModel {
public:
    // Wraps the targets of `model`, unfreezes the additional targets, freezes everything else.
    // Throws ConfigError for a target no Linear has (listing the model's Linear names), an additional
    // target no module has, a module named in both lists, or bad settings.
    static LoraModel apply(std::shared_ptr<CausalLMImpl> model, const LoraSettings& settings);

    // For loaders: a model whose adapters were already installed on `modules` (see adapter_io.h).
    LoraModel(std::shared_ptr<CausalLMImpl> model, LoraSettings settings, std::vector<std::string> modules,
              std::vector<std::string> additional_modules);

    CausalLMImpl& model() const { return *model_; }
    const LoraSettings& settings() const { return settings_; }
    // Full names of the Linears carrying an adapter, and of the additional target modules.
    const std::vector<std::string>& modules() const { return modules_; }
    const std::vector<std::string>& additional_modules() const { return additional_modules_; }
    // Short names of the wrapped Linears, sorted (adapter_config.json's target_modules).
    std::vector<std::string> target_modules() const;

    TrainableParameters trainable() const { return trainable_parameters(*model_); }

    // The adapter's tensors under PEFT's saved keys ("base_model.model.<module>.lora_A.weight",
    // "...lora_B.weight", "...lora_magnitude_vector", "base_model.model.<additional module>.<param>"),
    // the trained values whether or not adapters are enabled.
    std::vector<std::pair<std::string, at::Tensor>> state() const;

    // Adapters off: every wrapped Linear computes its base projection only and additional targets hold
    // their original values, so the forward pass equals the base model's exactly (DPO's reference).
    // Turn them back on before backward of a pass that ran with them on.
    void set_enabled(bool enabled);
    bool enabled() const { return enabled_; }

    // Folds every adapter into its base weight (dense or re-quantized) and removes it; additional targets
    // keep their trained values. The model is then a plain model (nothing is trainable any more).
    void merge();
    // Removes the adapters without merging (additional targets go back to their original values).
    void unload();

private:
    std::shared_ptr<CausalLMImpl> model_;
    LoraSettings settings_;
    std::vector<std::string> modules_, additional_modules_;
    std::vector<std::pair<std::string, at::Tensor>> originals_;  // additional targets' base values
    bool enabled_ = true;
};

}  // namespace lathe
