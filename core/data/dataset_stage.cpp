#include "core/data/dataset_stage.h"

#include "core/util/error.h"

#include <utility>

namespace lathe {

namespace {
const std::pair<const char*, Stage> kStages[] = {
    {"pt", Stage::Pt}, {"sft", Stage::Sft}, {"rm", Stage::Rm},
    {"ppo", Stage::Ppo}, {"dpo", Stage::Dpo}, {"kto", Stage::Kto},
};
}  // namespace

const char* stage_name(Stage s) {
    for (const auto& [name, stage] : kStages)
        if (stage == s) return name;
    return "?";
}

Stage parse_stage(std::string_view name) {
    for (const auto& [n, stage] : kStages)
        if (name == n) return stage;
    throw ConfigError("unknown stage '" + std::string(name) + "'; expected one of pt, sft, rm, ppo, dpo, kto");
}

bool stage_uses_pairs(Stage s) { return s == Stage::Rm || s == Stage::Dpo; }

}  // namespace lathe
