// The settings of a fine-tuning method, from a run's YAML keys: the training config speaks to core/peft
// through these (peft knows nothing of TrainConfig).
#pragma once
#include "core/peft/freeze.h"
#include "core/peft/lora.h"

namespace lathe {

struct TrainConfig;

// lora_rank, lora_alpha (0 = 2 * rank), lora_dropout, lora_target (comma list), use_dora, use_rslora,
// additional_target (comma list), seed.
LoraSettings lora_settings(const TrainConfig& config);

// freeze_trainable_layers, freeze_trainable_modules, freeze_extra_modules.
FreezeSettings freeze_settings(const TrainConfig& config);

}  // namespace lathe
