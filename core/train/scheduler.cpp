#include "core/train/scheduler.h"

#include "core/util/error.h"
#include "core/util/messages.h"

#include <algorithm>
#include <cmath>

namespace lathe {

double Schedule::factor(int64_t step) const {
    const double s = static_cast<double>(step);
    const double w = static_cast<double>(warmup_steps);
    const double total = static_cast<double>(std::max<int64_t>(total_steps, 1));
    if (type == "constant") return 1.0;
    if (step < warmup_steps) return s / std::max(1.0, w);
    if (type == "constant_with_warmup") return 1.0;
    const double progress = (s - w) / std::max(1.0, total - w);
    if (type == "linear") return std::max(0.0, (total - s) / std::max(1.0, total - w));
    if (type == "cosine") return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
    if (type == "cosine_with_min_lr") {
        const double f = 0.5 * (1.0 + std::cos(M_PI * std::min(progress, 1.0)));
        return f * (1.0 - min_lr_rate) + min_lr_rate;
    }
    throw ConfigError(config_problem("lr_scheduler_type", "unknown_schedule", {type}));
}

int64_t warmup_steps_for(int64_t total_steps, int warmup_steps, double warmup_ratio) {
    if (warmup_steps > 0) return warmup_steps;
    return static_cast<int64_t>(std::ceil(warmup_ratio * static_cast<double>(total_steps)));
}

}  // namespace lathe
