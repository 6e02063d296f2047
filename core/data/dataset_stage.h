// Training stages, as LLaMA-Factory names them; a stage decides which datasets fit and which
// record fields are required, and the engine decides on the enum, never on the config's string.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

enum class Stage { Pt, Sft, Rm, Ppo, Dpo, Kto };

const char* stage_name(Stage s);  // "pt", "sft", "rm", "ppo", "dpo", "kto"
// The names in the order the studio lists them: pt, sft, rm, dpo, kto, ppo.
const std::vector<std::string>& stage_names();
// nullopt when `name` is none of them.
std::optional<Stage> stage_from_name(std::string_view name);
// Throws ConfigError naming the valid stages when `name` is none of them.
Stage parse_stage(std::string_view name);
// rm and dpo train on preference pairs (datasets with "ranking": true): chosen and rejected both run.
bool stage_uses_pairs(Stage s);
// rm, dpo and kto: preference records, a stage objective of their own (core/train/preference).
bool is_preference_stage(Stage s);

}  // namespace lathe
