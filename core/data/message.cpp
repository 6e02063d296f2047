#include "core/data/message.h"

#include "core/util/error.h"

namespace lathe {

namespace {

struct RoleSpelling {
    const char* name;
    Role role;
};
// Canonical names first (role_name reads them); then the spellings data files use for the same roles.
constexpr RoleSpelling kRoleSpellings[] = {
    {"system", Role::System},        {"user", Role::User},        {"assistant", Role::Assistant},
    {"observation", Role::Observation}, {"function", Role::Function}, {"human", Role::User},
    {"gpt", Role::Assistant},        {"tool", Role::Observation}, {"function_call", Role::Function},
};

}  // namespace

const char* role_name(Role role) {
    for (const RoleSpelling& s : kRoleSpellings)
        if (s.role == role) return s.name;
    return "user";  // unreachable: every role has a canonical spelling
}

std::optional<Role> parse_role(std::string_view name) {
    for (const RoleSpelling& s : kRoleSpellings)
        if (name == s.name) return s.role;
    return std::nullopt;
}

bool parse_role(std::string_view name, Role& out) {
    auto r = parse_role(name);
    if (r) out = *r;
    return r.has_value();
}

}  // namespace lathe
