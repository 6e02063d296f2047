#include "core/train/method_settings.h"

#include "core/train/train_config.h"
#include "core/util/strings.h"

namespace lathe {

LoraSettings lora_settings(const TrainConfig& c) {
    LoraSettings s;
    s.rank = c.lora_rank;
    s.alpha = c.effective_lora_alpha();
    s.dropout = c.lora_dropout;
    s.targets = split_list(c.lora_target);
    s.use_dora = c.use_dora;
    s.use_rslora = c.use_rslora;
    s.additional_targets = split_list(c.additional_target);
    s.seed = uint64_t(c.seed);
    return s;
}

FreezeSettings freeze_settings(const TrainConfig& c) {
    FreezeSettings s;
    s.trainable_layers = c.freeze_trainable_layers;
    s.trainable_modules = split_list(c.freeze_trainable_modules);
    s.extra_modules = split_list(c.freeze_extra_modules);
    return s;
}

}  // namespace lathe
