// One turn of a conversation, as datasets, chat templates and the chat view all see it.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

enum class Role { System, User, Assistant, Observation, Function };

struct Message {
    Role role = Role::User;
    std::string content;
};

using Conversation = std::vector<Message>;

// LLaMA-Factory's role values: "system", "user", "assistant", "observation", "function".
const char* role_name(Role r);
// The role values above plus the ShareGPT/OpenAI spellings "human", "gpt", "tool", "function_call".
std::optional<Role> parse_role(std::string_view name);
// The same; false when unknown.
bool parse_role(std::string_view name, Role& out);

}  // namespace lathe
