// Laying a conversation out in a chat template's slots and turning the result into ids or text.
// The layout follows LLaMA-Factory v0.9.x Template._encode (and Llama2Template._encode when the
// template folds its system prompt): turn 0 is prefix + system + first message, every later
// message is its own slot; each piece of text is tokenized on its own.
#include "core/data/template.h"

#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"

#include <algorithm>

namespace lathe {

namespace {

// One unit LLaMA-Factory hands to the tokenizer: a text element, or a BOS/EOS set element.
enum class PieceKind { Text, Bos, Eos };
struct Piece {
    PieceKind kind;
    std::string text;
};
using Pieces = std::vector<Piece>;

// StringFormatter.apply: the first "{{content}}" takes the message.
std::string fill(std::string_view text, std::string_view content) {
    std::string out(text);
    const size_t at = out.find(kSlotContent);
    if (at != std::string::npos) out.replace(at, kSlotContent.size(), content);
    return out;
}

// Cuts the slot at its markers before filling in the content, so a message that happens to contain
// "{{eos_token}}" stays text. Empty text pieces are dropped, as LLaMA-Factory drops empty elements.
void append_slot(Pieces& out, std::string_view slot, std::string_view content) {
    size_t pos = 0;
    for (;;) {
        const size_t bos = slot.find(kSlotBos, pos), eos = slot.find(kSlotEos, pos);
        const size_t mark = std::min(bos, eos);
        std::string text = fill(slot.substr(pos, mark == std::string_view::npos ? slot.npos : mark - pos), content);
        if (!text.empty()) out.push_back({PieceKind::Text, std::move(text)});
        if (mark == std::string_view::npos) return;
        out.push_back({mark == bos ? PieceKind::Bos : PieceKind::Eos, {}});
        pos = mark + kSlotBos.size();  // both markers have the same length
    }
}

bool is_prompt_role(Role role) { return role == Role::User || role == Role::Observation; }

std::string_view slot_for(const ChatTemplate& t, Role role) {
    switch (role) {
    case Role::User: return t.format.user;
    case Role::Assistant: return t.format.assistant;
    case Role::Observation: return t.format.observation.empty() ? t.format.user : t.format.observation;
    case Role::Function: return t.format.function.empty() ? t.format.assistant : t.format.function;
    case Role::System: break;
    }
    return t.format.user;  // unreachable: check_turns rejects System past messages[0]
}

// Llama2Template keeps only the first element of the formatted system slot, as plain text.
std::string folded_system(const ChatTemplate& t, const std::string& system) {
    const std::string& slot = t.format.system;
    if (slot.find(kSlotBos) != slot.npos || slot.find(kSlotEos) != slot.npos)
        throw ConfigError(plain_problem("template_system_marker", {t.name, slot}));
    return fill(slot, system);
}

// Returns the index of the first turn: 1 when messages[0] is the system prompt, else 0.
size_t check_turns(const std::vector<Message>& messages) {
    const size_t first = !messages.empty() && messages[0].role == Role::System ? 1 : 0;
    if (messages.size() == first) throw DataError(plain_problem("conversation_no_turn"));
    for (size_t i = first; i < messages.size(); ++i) {
        const Role role = messages[i].role;
        if (role == Role::System)
            throw DataError(plain_problem("system_message_not_first", {std::to_string(i)}));
        const bool want_prompt = (i - first) % 2 == 0;
        if (is_prompt_role(role) != want_prompt)
            throw DataError(plain_problem(want_prompt ? "turn_wants_prompt" : "turn_wants_reply",
                                           {std::to_string(i), role_name(role)}));
    }
    return first;
}

// Template._encode without the tokenizer: one list of pieces per message.
std::vector<Pieces> layout(const ChatTemplate& t, const std::vector<Message>& messages, const std::string& system) {
    const size_t first = check_turns(messages);
    std::string sys = first == 1 ? messages[0].content : system;
    if (sys.empty()) sys = t.default_system;
    std::vector<Pieces> turns;
    for (size_t i = first; i < messages.size(); ++i) {
        const size_t turn = i - first;
        std::string content = messages[i].content;
        Pieces pieces;
        if (turn == 0) {
            append_slot(pieces, t.format.prefix, "");
            // Llama2Template folds into the first message whatever its role (LLaMA-Factory drops the
            // system prompt when that message is an observation; keeping it is the useful choice).
            if (!sys.empty() && t.fold_system) content = folded_system(t, sys) + content;
            else if (!sys.empty()) append_slot(pieces, t.format.system, sys);
        } else if (turn % 2 == 0) {
            append_slot(pieces, t.format.separator, "");
        }
        append_slot(pieces, slot_for(t, messages[i].role), content);
        turns.push_back(std::move(pieces));
    }
    return turns;
}

// A stop word counts as a token when the vocabulary holds it whole or the tokenizer makes one id of it.
int32_t single_token_id(const Tokenizer& tok, const std::string& word) {
    const int32_t id = tok.token_to_id(word);
    if (id >= 0) return id;
    const std::vector<int32_t> ids = tok.encode(word, false);
    return ids.size() == 1 ? ids[0] : -1;
}

[[noreturn]] void throw_no_eos(const ChatTemplate& t, const Tokenizer& tok) {
    if (tok.dir().empty()) throw ConfigError(plain_problem("template_no_eos", {t.name}));
    throw ConfigError(plain_problem("template_no_eos_in", {t.name, tok.dir()}));
}

// How the pieces become ids or text. The EOS is looked up once per conversation.
struct Sink {
    const ChatTemplate& t;
    const Tokenizer& tok;
    int32_t eos = t.eos_id(tok);

    void ids(const Pieces& pieces, std::vector<int32_t>& out) const {
        for (const Piece& p : pieces) {
            if (p.kind == PieceKind::Text) {
                const std::vector<int32_t> ids = tok.encode(p.text, false);
                out.insert(out.end(), ids.begin(), ids.end());
            } else if (p.kind == PieceKind::Bos) {
                // As LLaMA-Factory: a tokenizer without BOS (Qwen) simply gets none.
                if (tok.special().bos_id >= 0) out.push_back(tok.special().bos_id);
            } else {
                if (eos < 0) throw_no_eos(t, tok);
                out.push_back(eos);
            }
        }
    }
    void text(const Pieces& pieces, std::string& out) const {
        for (const Piece& p : pieces) {
            if (p.kind == PieceKind::Text) {
                out += p.text;
            } else if (p.kind == PieceKind::Bos) {
                if (tok.special().bos_id >= 0) out += tok.id_to_token(tok.special().bos_id);
            } else {
                if (eos < 0) throw_no_eos(t, tok);
                out += tok.id_to_token(eos);
            }
        }
    }
};

// A thought marker without the spaces and line breaks around it ("<think>\n" -> "<think>").
std::string trimmed(const std::string& s) { return trim(s, " \n"); }

bool has_thought(const ChatTemplate& t, const std::string& content) {
    return content.find(trimmed(t.thought_open)) != std::string::npos ||
           content.find(trimmed(t.thought_close)) != std::string::npos;
}

// The answer without its thought: what follows the last "</think>", leading newlines dropped.
std::string without_thought(const ChatTemplate& t, const std::string& content) {
    const std::string close = trimmed(t.thought_close);
    const size_t at = content.rfind(close);
    if (at == std::string::npos) return content;
    const std::string rest = content.substr(at + close.size());
    return rest.substr(std::min(rest.size(), rest.find_first_not_of('\n')));
}

// The conversation with every assistant turn's thought removed.
std::vector<Message> strip_thoughts(const ChatTemplate& t, std::vector<Message> messages) {
    for (Message& m : messages)
        if (m.role == Role::Assistant) m.content = without_thought(t, m.content);
    return messages;
}

}  // namespace

std::string ChatTemplate::empty_thought() const {
    return reasoning() ? trimmed(thought_open) + "\n\n" + trimmed(thought_close) + "\n\n" : std::string();
}

ThoughtSplit split_thought(const std::string& reply) {
    ThoughtSplit out;
    const std::string open = "<think>", close = "</think>";
    const size_t end = reply.find(close);
    size_t begin = reply.find(open);
    if (end == std::string::npos) {
        if (begin == std::string::npos) {
            out.answer = reply;
            return out;
        }
        out.thinking = true;
        out.thought = trimmed(reply.substr(begin + open.size()));
        return out;
    }
    begin = begin != std::string::npos && begin < end ? begin + open.size() : 0;
    out.thought = trimmed(reply.substr(begin, end - begin));
    const std::string rest = reply.substr(end + close.size());
    out.answer = rest.substr(std::min(rest.size(), rest.find_first_not_of('\n')));
    return out;
}

std::vector<EncodedTurn> ChatTemplate::encode_multiturn(const Tokenizer& tok, const std::vector<Message>& messages,
                                                        const std::string& system, bool enable_thinking) const {
    if (reasoning()) {
        // LLaMA-Factory's ReasoningTemplate.encode_multiturn.
        const std::vector<Message> msgs = enable_thinking ? messages : strip_thoughts(*this, messages);
        std::vector<EncodedTurn> out = plain().encode_multiturn(tok, msgs, system);
        const std::vector<int32_t> empty = tok.encode(empty_thought(), false);
        size_t turn = 0;
        for (const Message& m : msgs) {
            if (m.role != Role::Assistant && m.role != Role::Function) continue;
            if (turn >= out.size()) break;
            if (!has_thought(*this, m.content)) {
                auto& to = enable_thinking ? out[turn].response : out[turn].prompt;
                to.insert(enable_thinking ? to.begin() : to.end(), empty.begin(), empty.end());
            }
            ++turn;
        }
        return out;
    }
    const std::vector<Pieces> turns = layout(*this, messages, system);
    if (turns.size() % 2 != 0)
        throw DataError(plain_problem("conversation_must_end_with_reply", {std::to_string(messages.size() - 1)}));
    const Sink sink{*this, tok};
    std::vector<EncodedTurn> out(turns.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        sink.ids(turns[2 * i], out[i].prompt);
        sink.ids(turns[2 * i + 1], out[i].response);
    }
    return out;
}

std::vector<int32_t> ChatTemplate::encode_generation(const Tokenizer& tok, const std::vector<Message>& messages,
                                                     const std::string& system, bool enable_thinking) const {
    if (reasoning()) {
        std::vector<int32_t> ids = plain().encode_generation(tok, strip_thoughts(*this, messages), system);
        if (!enable_thinking) {
            const std::vector<int32_t> empty = tok.encode(empty_thought(), false);
            ids.insert(ids.end(), empty.begin(), empty.end());
        }
        return ids;
    }
    const std::vector<Pieces> turns = layout(*this, messages, system);
    if (turns.size() % 2 == 0)
        throw DataError(plain_problem("conversation_must_end_with_prompt", {std::to_string(messages.size() - 1)}));
    const Sink sink{*this, tok};
    std::vector<int32_t> ids;
    for (const Pieces& pieces : turns) sink.ids(pieces, ids);
    return ids;
}

std::string ChatTemplate::render(const std::vector<Message>& messages, const std::string& system,
                                 const Tokenizer* tok, bool enable_thinking) const {
    if (reasoning()) {
        // As encode_generation, and as DeepSeek-R1's own template: every assistant turn without its thought.
        const bool prompt = !messages.empty() && messages.back().role != Role::Assistant && messages.back().role != Role::Function;
        std::string out = plain().render(strip_thoughts(*this, messages), system, tok);
        if (prompt && !enable_thinking) out += empty_thought();
        return out;
    }
    const std::vector<Pieces> turns = layout(*this, messages, system);
    std::string out;
    if (tok) {
        const Sink sink{*this, *tok};
        for (const Pieces& pieces : turns) sink.text(pieces, out);
        return out;
    }
    for (const Pieces& pieces : turns)
        for (const Piece& p : pieces)
            out += p.kind == PieceKind::Text ? p.text : std::string(p.kind == PieceKind::Bos ? kSlotBos : kSlotEos);
    return out;
}

int32_t ChatTemplate::eos_id(const Tokenizer& tok) const {
    if (replace_eos && !stop_words.empty()) {
        const int32_t id = single_token_id(tok, stop_words[0]);
        if (id >= 0) return id;
        // LLaMA-Factory would add the stop word to the vocabulary; Lathe keeps the vocabulary and
        // lets stop_criteria catch the stop word as text.
    }
    if (tok.special().eos_id >= 0) return tok.special().eos_id;
    return single_token_id(tok, "<|endoftext|>");  // LLaMA-Factory's EOS of last resort
}

StopCriteria ChatTemplate::stop_criteria(const Tokenizer& tok) const {
    StopCriteria stop;
    auto add_id = [&](int32_t id) {
        if (id >= 0 && std::find(stop.token_ids.begin(), stop.token_ids.end(), id) == stop.token_ids.end())
            stop.token_ids.push_back(id);
    };
    add_id(eos_id(tok));
    // LLaMA-Factory drops the tokenizer's own EOS under replace_eos; a model that emits it anyway
    // should still stop.
    add_id(tok.special().eos_id);
    for (const std::string& word : stop_words) {
        const int32_t id = single_token_id(tok, word);
        if (id >= 0) add_id(id);
        else stop.strings.push_back(word);
    }
    return stop;
}

const ChatTemplate* find_template(std::string_view name) {
    for (const ChatTemplate& t : builtin_templates())
        if (t.name == name) return &t;
    std::string known;
    for (const std::string& n : template_names()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError(plain_problem("unknown_template", {std::string(name), known}));
}

std::vector<std::string> template_names() {
    std::vector<std::string> names;
    for (const ChatTemplate& t : builtin_templates()) names.push_back(t.name);
    std::sort(names.begin(), names.end());
    return names;
}

// Which template a model expects. First match wins.
// 1. The tokenizer's chat_template (tokenizer_config.json) shows the format the model was tuned on:
//      has "<|im_sep|>"          -> "phi4" (Phi-4's ChatML variant)
//      has "<|im_start|>"        -> "qwen" when it also has "You are Qwen" (Qwen2.5's default system)
//                                   or model_type is qwen2 / qwen2_moe; "smollm2" when it has SmolLM's
//                                   default system; else "chatml"
//      has "<|start_header_id|>" -> "llama3"
//      has "[INST]"              -> "llama2" when it also has "<<SYS>>"; else "mistral"
//      has "<start_of_turn>"     -> "gemma"
//      has "<|assistant|>" and "<|end|>" -> "phi" with a newline after the role tag (Phi-3), else
//                                   "phi4_mini"
//      has "<｜User｜>"           -> "deepseekr1" when it strips "</think>", else "deepseek3"
// 2. config.json's model_type (base models usually ship no chat_template), from kModelTypes;
//    llama is "llama3" when the vocabulary has "<|eot_id|>" (Llama 3), else "llama2".
// 3. "default".
namespace {

struct ModelTypeRule {
    std::string_view model_type;
    std::string_view template_name;
};
constexpr ModelTypeRule kModelTypes[] = {
    {"qwen2", "qwen"},      {"qwen2_moe", "qwen"},
    // Qwen3 dropped the default system prompt: its chat format is plain ChatML.
    {"qwen3", "chatml"},    {"qwen3_moe", "chatml"},
    {"mistral", "mistral"}, {"mixtral", "mistral"},
    {"gemma", "gemma"},     {"gemma2", "gemma"},     {"gemma3", "gemma"}, {"gemma3_text", "gemma"},
    {"phi3", "phi"},
};

bool has(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

std::string from_chat_template(const std::string& jinja, const std::string& model_type) {
    if (has(jinja, "<|im_sep|>")) return "phi4";
    if (has(jinja, "<|im_start|>")) {
        const bool qwen = has(jinja, "You are Qwen") || model_type == "qwen2" || model_type == "qwen2_moe";
        if (qwen) return "qwen";
        return has(jinja, "named SmolLM") ? "smollm2" : "chatml";
    }
    if (has(jinja, "<|start_header_id|>")) return "llama3";
    if (has(jinja, "[INST]")) return has(jinja, "<<SYS>>") ? "llama2" : "mistral";
    if (has(jinja, "<start_of_turn>")) return "gemma";
    if (has(jinja, "<|assistant|>") && has(jinja, "<|end|>")) {
        // The newline as a character or as Jinja's escape, depending on how the JSON was written.
        return has(jinja, "<|assistant|>\n") || has(jinja, "<|assistant|>\\n") ? "phi" : "phi4_mini";
    }
    // DeepSeek-R1 and its distills strip "</think>" thoughts from history; V3's template does not.
    if (has(jinja, "<｜User｜>") && has(jinja, "<｜Assistant｜>")) return has(jinja, "</think>") ? "deepseekr1" : "deepseek3";
    return "";
}

}  // namespace

std::string pick_template(const Tokenizer* tok, const std::string& model_type) {
    if (tok) {
        std::string name = from_chat_template(tok->chat_template(), model_type);
        if (!name.empty()) return name;
    }
    if (model_type == "llama") return tok && tok->token_to_id("<|eot_id|>") >= 0 ? "llama3" : "llama2";
    for (const ModelTypeRule& rule : kModelTypes)
        if (rule.model_type == model_type) return std::string(rule.template_name);
    return "default";
}

}  // namespace lathe
