// Training stages, as LLaMA-Factory names them; a stage decides which datasets fit and which
// record fields are required.
#pragma once
#include <string>
#include <string_view>

namespace lathe {

enum class Stage { Pt, Sft, Rm, Ppo, Dpo, Kto };

const char* stage_name(Stage s);  // "pt", "sft", "rm", "ppo", "dpo", "kto"
// Throws ConfigError naming the valid stages when `name` is none of them.
Stage parse_stage(std::string_view name);
// rm and dpo train on preference pairs (datasets with "ranking": true).
bool stage_uses_pairs(Stage s);

}  // namespace lathe
