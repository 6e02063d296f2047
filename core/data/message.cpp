#include "core/data/message.h"

namespace lathe {

const char* role_name(Role r) {
    switch (r) {
        case Role::System: return "system";
        case Role::User: return "user";
        case Role::Assistant: return "assistant";
        case Role::Observation: return "observation";
        case Role::Function: return "function";
    }
    return "?";
}

bool parse_role(std::string_view name, Role& out) {
    static const std::pair<const char*, Role> table[] = {
        {"system", Role::System}, {"user", Role::User}, {"assistant", Role::Assistant},
        {"observation", Role::Observation}, {"function", Role::Function},
    };
    for (const auto& [n, r] : table)
        if (name == n) {
            out = r;
            return true;
        }
    return false;
}

}  // namespace lathe
