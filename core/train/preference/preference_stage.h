// How stages rm, dpo and kto plug into run_training (core/train/session.cpp): the objective, the
// parameters the stage adds to the model's (the value head), what it writes beside the weights or
// adapter (value_head.safetensors) and restores on resume, and the reference model it picks:
//   dpo/kto + LoRA/QLoRA   -> the same model with the adapter off (no second copy)
//   dpo/kto + full/freeze  -> a frozen copy (freeze: only the trained tensors are copied); on resume the
//                             model is reloaded from model_name_or_path
//   precompute_ref_log_probs -> that reference run once over train and eval data, then freed
//   pref_loss orpo/simpo   -> none
#pragma once
#include "core/train/adamw.h"
#include "core/train/objective.h"
#include "core/util/messages.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lathe {

class Collective;

class LoraModel;
struct TrainConfig;

struct PreferenceStage {
    std::unique_ptr<Objective> objective;
    std::vector<NamedParameter> extra_trainable;             // rm: the value head
    std::function<void(const std::string& dir)> save_extra;  // rm: value_head.safetensors; empty otherwise
    std::function<void(const std::string& dir)> load_extra;  // resume
};

struct PreferenceStageInputs {
    std::shared_ptr<CausalLMImpl> model;
    std::shared_ptr<LoraModel> lora;   // null for full / freeze
    std::string model_dir;             // reloaded as the reference when a full/freeze run resumes
    bool resuming = false;
    const std::vector<Example>* train = nullptr;
    const std::vector<Example>* eval = nullptr;
    int32_t pad_id = 0;
    NoteSink say;  // lines for the run log
    Collective* collective = nullptr;  // a data-parallel run's ranks share the precomputed reference's work
};

// Whether the stage compares against a reference model: kto, and dpo except its orpo and simpo losses.
bool needs_reference_model(const TrainConfig& config);

// Settings a preference stage cannot run with (cheap: no model, no data), as a ConfigError naming the key:
// dpo/kto on a new model, kto with a batch of 1, packing or precompute_ref_log_probs. No-op for other stages.
void check_preference_settings(const TrainConfig& config);

// For config.stage rm, dpo or kto. Throws ConfigError for settings the stage cannot use, naming the key.
PreferenceStage make_preference_stage(const TrainConfig& config, const PreferenceStageInputs& in);

}  // namespace lathe
