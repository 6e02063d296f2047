#include "core/data/dataset_stage.h"

#include "core/util/error.h"
#include "core/util/messages.h"

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

const std::vector<std::string>& stage_names() {
    static const std::vector<std::string> names = {"pt", "sft", "rm", "dpo", "kto", "ppo"};
    return names;
}

std::optional<Stage> stage_from_name(std::string_view name) {
    for (const auto& [n, stage] : kStages)
        if (name == n) return stage;
    return std::nullopt;
}

Stage parse_stage(std::string_view name) {
    if (auto s = stage_from_name(name)) return *s;
    throw ConfigError(plain_problem("unknown_stage", {std::string(name)}));
}

bool stage_uses_pairs(Stage s) { return s == Stage::Rm || s == Stage::Dpo; }
bool is_preference_stage(Stage s) { return s == Stage::Rm || s == Stage::Dpo || s == Stage::Kto; }

}  // namespace lathe
