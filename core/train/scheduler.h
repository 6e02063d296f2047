// Learning-rate schedules as transformers defines them (get_scheduler): a multiplier of the base
// learning rate as a function of the optimizer step.
#pragma once
#include <cstdint>
#include <string>

namespace lathe {

struct Schedule {
    std::string type = "cosine";  // linear | cosine | constant | constant_with_warmup | cosine_with_min_lr
    int64_t total_steps = 1;
    int64_t warmup_steps = 0;
    double min_lr_rate = 0.0;     // cosine_with_min_lr

    // Multiplier for the update made after `step` completed updates (step 0 = the first update).
    double factor(int64_t step) const;
};

// warmup_steps when positive, else ceil(warmup_ratio * total_steps), as transformers does.
int64_t warmup_steps_for(int64_t total_steps, int warmup_steps, double warmup_ratio);

}  // namespace lathe
