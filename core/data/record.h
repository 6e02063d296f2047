// One training sample after a dataset record has been read and normalized, whatever its format
// (alpaca, sharegpt, OpenAI messages, plain text). Templates and encoders only ever see this.
#pragma once
#include "core/data/message.h"

#include <optional>
#include <string>

namespace lathe {

enum class SampleKind {
    Text,        // pre-training: `text` only
    Chat,        // sft, ppo, kto: `prompt` then at most one `response` message
    Preference,  // rm, dpo: `prompt` then exactly two responses, chosen first
};

struct Sample {
    SampleKind kind = SampleKind::Chat;
    std::string text;  // Text: the document (no EOS appended)
    // Chat/Preference: user, assistant, ..., user turns (observation counts as a user-side turn,
    // function as an assistant-side turn). Never holds system messages: see `system`.
    Conversation prompt;
    // Chat: one assistant (or function) message; empty for a prompt-only ppo record.
    // Preference: {chosen, rejected}.
    Conversation response;
    std::string system;
    std::string tools;            // tool descriptions as JSON text, "" when none
    std::optional<bool> kto_tag;  // kto: true = desirable response, false = undesirable
    std::string source;           // "<file relative to dataset_dir>#<0-based record index>"

    const Message& chosen() const { return response.at(0); }
    const Message& rejected() const { return response.at(1); }
};

}  // namespace lathe
