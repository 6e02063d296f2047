// One turn of a conversation, as datasets, chat templates and the chat view all see it.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

enum class Role { System, User, Assistant, Observation, Function };

struct Message {
    Role role;
    std::string content;
};

using Conversation = std::vector<Message>;

const char* role_name(Role r);  // "system", "user", "assistant", "observation", "function"
// "system", "user", "assistant", "observation", "function" -> Role; false when unknown.
bool parse_role(std::string_view name, Role& out);

}  // namespace lathe
