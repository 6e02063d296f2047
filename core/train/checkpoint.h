// checkpoint-<step>/ directories: the weights (adapter or model folder), optimizer state, schedule
// position, RNG state and trainer_state.json. Each is staged under a temporary name and renamed into
// place, so an abort or a crash never leaves a half-written checkpoint under its final name.
#pragma once
#include "core/train/adamw.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace lathe {

struct CheckpointState {
    int64_t global_step = 0;
    nlohmann::json trainer_state;  // transformers' trainer_state.json plus Lathe's resume fields
};

// Writes checkpoint-<step> in `run_dir`. `save_weights(dir)` writes the weights into the staged dir.
// Returns the checkpoint's path.
std::string save_checkpoint(const std::string& run_dir, int64_t step,
                            const std::function<void(const std::string&)>& save_weights, const AdamW& optimizer,
                            const nlohmann::json& trainer_state);

// Keeps the newest `limit` checkpoints (0 = all); never deletes `keep`.
void rotate_checkpoints(const std::string& run_dir, int limit, const std::string& keep);

// What a process killed while saving a checkpoint leaves in `run_dir` (save_checkpoint stages into
// checkpoint-N.tmp-PID and renames; replacing an existing checkpoint-N moves it to checkpoint-N.old-PID
// for an instant): a staged copy is removed, a moved-aside copy whose checkpoint-N is missing is put back
// (it is the only complete one), otherwise removed. Leaves this process's own. Returns how many it tidied.
int tidy_abandoned_checkpoints(const std::string& run_dir);

// checkpoint-N directories of a run, oldest first.
std::vector<std::string> list_checkpoints(const std::string& run_dir);

// Reads trainer_state.json and restores optimizer and RNG state. Throws ModelError/IoError naming the
// checkpoint and what is missing.
CheckpointState load_checkpoint(const std::string& dir, AdamW& optimizer);

// The step a checkpoint was saved at (its trainer_state.json's global_step). Throws IoError naming the
// file when it is missing or has no such field.
int64_t checkpoint_step(const std::string& dir);

// "auto"/"true": the latest checkpoint of run_dir ("" when none); else `value` itself (checked).
std::string resolve_resume(const std::string& value, const std::string& run_dir);

}  // namespace lathe
