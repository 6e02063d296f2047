// Chat templates: how a conversation becomes the exact token ids a chat model was trained on.
// A template is data (slot strings, stop words, three flags), laid out and tokenized the way
// LLaMA-Factory v0.9.x does it, so a model fine-tuned here chats the same as one tuned there.
// The built-in table lives in template_table.cpp. Reasoning templates (<think>) follow LLaMA-Factory's
// ReasoningTemplate (see ChatTemplate::thought_open). Not carried over from LLaMA-Factory: tool
// descriptions appended to the system prompt (format_tools), tool-call JSON rewriting
// (FunctionFormatter) and multimodal plugins.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/message.h"

namespace lathe {

// The placeholders LLaMA-Factory's slot strings use, shared by the encoder and the chat-template export.
inline constexpr std::string_view kSlotContent = "{{content}}";
inline constexpr std::string_view kSlotBos = "{{bos_token}}";
inline constexpr std::string_view kSlotEos = "{{eos_token}}";

class Tokenizer;

// One assistant turn of a training conversation: the prompt the model reads (the caller masks it)
// and the response it learns, which ends with the end-of-turn/EOS token that teaches it to stop.
struct EncodedTurn {
    std::vector<int32_t> prompt;
    std::vector<int32_t> response;
};

// When generation ends: a sampled id in token_ids, or decoded text ending with one of strings
// (stop words the vocabulary has no single token for).
struct StopCriteria {
    std::vector<int32_t> token_ids;
    std::vector<std::string> strings;
};

// Slot text: "{{content}}" is replaced by the message (first occurrence only, as LLaMA-Factory);
// "{{bos_token}}" / "{{eos_token}}" become the tokenizer's BOS / EOS ids; everything else is text
// handed to Tokenizer::encode, which splits special-token text such as "<|im_end|>" out as its id.
// The markers cut a slot into pieces that are tokenized one by one, as LLaMA-Factory tokenizes each
// element of its slot lists (this matters for SentencePiece, whose encode adds a leading space).
struct TemplateSlots {
    std::string prefix;       // once, before everything (e.g. "{{bos_token}}")
    std::string system;       // the system prompt; skipped when it is empty
    std::string user;         // a user turn, ending with the assistant header
    std::string assistant;    // an assistant turn, ending with what the model must learn to emit
    std::string observation;  // a tool result; "" means the user slot
    std::string function;     // a tool call, content as written; "" means the assistant slot
    std::string separator;    // before every user turn but the first (LLaMA-Factory <= 0.9.1 only)
};

struct ChatTemplate {
    std::string name;
    TemplateSlots format;  // LLaMA-Factory's format_* (not "slots": Qt defines that word as a macro)
    // Used when the conversation brings no system prompt (LLaMA-Factory: `system or default_system`).
    std::string default_system;
    // Generation stops on any of these. With replace_eos the first one is the end-of-turn token.
    std::vector<std::string> stop_words;
    // The system slot is text folded into the first user message instead of a turn of its own
    // (LLaMA-Factory's Llama2Template: llama2, mistral, gemma). The slot must hold no markers.
    bool fold_system = false;
    // LLaMA-Factory makes stop_words[0] the tokenizer's EOS: "{{eos_token}}" means that token, and
    // it is the id generation stops on. Its slots write the token out (chatml's "<|im_end|>").
    bool replace_eos = false;
    // LLaMA-Factory's efficient_eos: responses carry no EOS; the caller appends EOS to the last
    // response and labels the first token of every later prompt with EOS. No built-in uses it.
    bool efficient_eos = false;
    // A reasoning template (LLaMA-Factory's ReasoningTemplate: deepseekr1, qwen3): the words around a
    // response's thought, "<think>\n" and "\n</think>\n\n"; empty for every other template. Then:
    // - training (encode_multiturn): a response without thought gets an empty one, "<think>\n\n</think>\n\n",
    //   learned with the response when thinking is on, put in the prompt (not learned) when it is off;
    //   thinking off also removes the thoughts written in responses;
    // - generation (encode_generation) and render: assistant turns lose their thoughts (what comes before
    //   "</think>", as DeepSeek-R1's own template does), and thinking off ends a prompt with the empty
    //   thought, so the model answers at once.
    std::string thought_open = "";
    std::string thought_close = "";
    bool reasoning() const { return !thought_open.empty(); }
    // The empty thought, "<think>\n\n</think>\n\n".
    std::string empty_thought() const;
    // This template without its thought words (the layout the reasoning behaviour wraps).
    ChatTemplate plain() const {
        ChatTemplate t = *this;
        t.thought_open.clear();
        t.thought_close.clear();
        return t;
    }

    // Training: one (prompt, response) pair per assistant turn, as LLaMA-Factory's encode_multiturn.
    // `messages` alternate user/observation and assistant/function and end with an assistant turn;
    // a leading System message replaces `system`. The first prompt holds prefix + system.
    // Throws DataError for a malformed conversation, ConfigError when the template needs an EOS
    // the tokenizer lacks. `enable_thinking` matters only to reasoning templates (LLaMA-Factory's key).
    std::vector<EncodedTurn> encode_multiturn(const Tokenizer& tok, const std::vector<Message>& messages,
                                              const std::string& system = "", bool enable_thinking = true) const;
    // Generation: `messages` end with a user/observation turn; the ids end with the assistant header
    // (and, for a reasoning template with thinking off, the empty thought).
    std::vector<int32_t> encode_generation(const Tokenizer& tok, const std::vector<Message>& messages,
                                           const std::string& system = "", bool enable_thinking = true) const;
    // The same layout as text, special tokens written out (for previews and tests); a conversation
    // ending with a user turn ends with the generation prompt. Without a tokenizer the markers stay
    // as "{{bos_token}}" / "{{eos_token}}".
    std::string render(const std::vector<Message>& messages, const std::string& system = "",
                       const Tokenizer* tok = nullptr, bool enable_thinking = true) const;

    // The end-of-turn id the model learns and padding may borrow: stop_words[0] under replace_eos
    // (when the vocabulary has it as one token), else the tokenizer's EOS, else "<|endoftext|>";
    // -1 when there is none.
    int32_t eos_id(const Tokenizer& tok) const;
    // eos_id, the tokenizer's own EOS, and every stop word that is a single token; the other stop
    // words as strings.
    StopCriteria stop_criteria(const Tokenizer& tok) const;
};

// A built-in template by its LLaMA-Factory name; throws ConfigError listing the known names.
// Never returns null.
const ChatTemplate* find_template(std::string_view name);
// The built-in names, sorted.
std::vector<std::string> template_names();
// The built-in table itself (template_table.cpp), in table order.
const std::vector<ChatTemplate>& builtin_templates();

// A reasoning model's reply split at its thought: the text between "<think>" (optional: R1's prompt
// may have opened it) and "</think>", and the answer after it (leading newlines dropped). A reply without
// "</think>" is all answer, or all thought while "<think>" is open and unclosed (a reply still streaming).
struct ThoughtSplit {
    std::string thought, answer;
    bool thinking = false;  // "<think>" opened and not closed yet
};
ThoughtSplit split_thought(const std::string& reply);

// The template a model most likely expects, from its tokenizer's chat_template (when `tok` is
// given and has one) and else config.json's model_type; "default" when nothing matches.
// The rules are spelled out in template.cpp.
std::string pick_template(const Tokenizer* tok, const std::string& model_type);

}  // namespace lathe
