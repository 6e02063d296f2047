// One rule per language: walk the slot text, cut at {{content}} / {{bos_token}} / {{eos_token}},
// and write each piece as a quoted literal or a variable. Every literal is an expression ({{ '...' }}
// in Jinja, {{ "..." }} in Go) so that the whitespace-trimming tags around them never eat template text.
#include "core/export/chat_template_export.h"

#include "core/data/template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/strings.h"

#include <algorithm>

namespace lathe {

namespace {

// The assistant header each built-in template's user slot ends with. Templates whose user turn
// closes with the instruction marker itself ([/INST]) have none: their official Jinja writes it
// with the user message whatever add_generation_prompt says.
struct HeaderRule {
    std::string_view name;
    std::string_view header;
};
constexpr HeaderRule kHeaders[] = {
    {"default", "Assistant:"},
    {"alpaca", "### Response:\n"},
    {"chatml", "<|im_start|>assistant\n"},
    {"qwen", "<|im_start|>assistant\n"},
    {"llama3", "<|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"gemma", "<start_of_turn>model\n"},
    {"vicuna", " ASSISTANT:"},
    {"zephyr", "<|assistant|>\n"},
    {"deepseek3", "<｜Assistant｜>"},
    {"deepseekr1", "<｜Assistant｜>"},
    {"qwen3", "<|im_start|>assistant\n"},
};

// How each language spells the pieces.
struct Lang {
    std::string (*literal)(std::string_view text);
    std::string bos, eos;  // the expression for a marker ("" = drop it)
};

std::string jinja_literal(std::string_view text) {
    std::string out = "{{ '";
    for (char c : text) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\'': out += "\\'"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
    return out + "' }}";
}

// A Jinja string literal ('...') without the {{ }} around it.
std::string jinja_string(std::string_view text) {
    const std::string e = jinja_literal(text);
    return e.substr(3, e.size() - 6);
}

std::string go_quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
    return out + "\"";
}

std::string go_literal(std::string_view text) { return "{{ " + go_quote(text) + " }}"; }

// The slot as expressions; the first {{content}} becomes `content` (an expression), markers become
// the language's BOS / EOS expressions.
std::string slot_expr(const Lang& lang, std::string_view slot, const std::string& content, bool drop_bos = false) {
    std::string out;
    bool content_done = false;
    size_t pos = 0;
    while (pos < slot.size()) {
        size_t next = slot.size();
        std::string_view which;
        for (std::string_view m : {kSlotContent, kSlotBos, kSlotEos}) {
            if (m == kSlotContent && content_done) continue;
            const size_t at = slot.find(m, pos);
            if (at < next) next = at, which = m;
        }
        if (next > pos) out += lang.literal(slot.substr(pos, next - pos));
        if (next == slot.size()) break;
        if (which == kSlotContent) out += content, content_done = true;
        else if (which == kSlotBos) out += drop_bos ? "" : lang.bos;
        else out += lang.eos;
        pos = next + which.size();
    }
    return out;
}

std::string strip_header(const ChatTemplate& t, std::string_view slot) {
    const std::string header = assistant_header(t);
    return std::string(header.empty() ? slot : slot.substr(0, slot.size() - header.size()));
}

std::string observation_slot(const ChatTemplate& t) {
    return t.format.observation.empty() ? t.format.user : t.format.observation;
}

// The folded system prompt: the system slot filled with `sys`, as an expression joining strings.
std::string jinja_fold(const ChatTemplate& t, const std::string& sys) {
    const std::string& slot = t.format.system;
    const size_t at = slot.find(kSlotContent);
    if (at == std::string::npos) return jinja_string(slot);
    return jinja_string(slot.substr(0, at)) + " + " + sys + " + " + jinja_string(slot.substr(at + kSlotContent.size()));
}

}  // namespace

std::string assistant_header(const ChatTemplate& t) {
    for (const HeaderRule& r : kHeaders)
        if (r.name == t.name && ends_with(t.format.user, r.header)) return std::string(r.header);
    return "";
}

std::string jinja_chat_template(const ChatTemplate& t) {
    const Lang lang{jinja_literal, "{{ bos_token }}", "{{ eos_token }}"};
    const std::string header = assistant_header(t);
    const std::string header_expr = header.empty() ? "" : "{%- if not loop.last or add_generation_prompt -%}" +
                                                               jinja_literal(header) + "{%- endif -%}";
    std::string j;
    // LLaMA-Factory: the leading system message, else the template's default system prompt.
    j += "{%- if messages and messages[0]['role'] == 'system' -%}"
         "{%- set system_message = messages[0]['content'] -%}{%- set loop_messages = messages[1:] -%}"
         "{%- else -%}{%- set system_message = '' -%}{%- set loop_messages = messages -%}{%- endif -%}\n";
    if (!t.default_system.empty())
        j += "{%- if not system_message -%}{%- set system_message = " + jinja_string(t.default_system) + " -%}{%- endif -%}\n";
    j += slot_expr(lang, t.format.prefix, "");
    if (!t.fold_system && !t.format.system.empty())
        j += "{%- if system_message -%}" + slot_expr(lang, t.format.system, "{{ system_message }}") + "{%- endif -%}";
    j += "\n{%- for message in loop_messages -%}\n";
    std::string content = "{{ message['content'] }}";
    if (t.fold_system) {
        j += "{%- if loop.first and system_message -%}{%- set content = " + jinja_fold(t, "system_message") +
             " + message['content'] -%}{%- else -%}{%- set content = message['content'] -%}{%- endif -%}";
        content = "{{ content }}";
    }
    j += "{%- if message['role'] == 'user' -%}";
    if (!t.format.separator.empty())
        j += "{%- if not loop.first -%}" + slot_expr(lang, t.format.separator, "") + "{%- endif -%}";
    j += slot_expr(lang, strip_header(t, t.format.user), content) + header_expr;
    j += "\n{%- elif message['role'] == 'assistant' -%}";
    if (t.reasoning()) {
        // As DeepSeek-R1's own template: an assistant turn is written without its thought.
        j += "{%- set content = " + (t.fold_system ? std::string("content") : std::string("message['content']")) +
             " -%}{%- if '</think>' in content -%}{%- set content = content.split('</think>')[-1].lstrip('\\n') -%}{%- endif -%}";
        j += slot_expr(lang, t.format.assistant, "{{ content }}");
    } else {
        j += slot_expr(lang, t.format.assistant, content);
    }
    j += "\n{%- elif message['role'] == 'tool' or message['role'] == 'observation' -%}";
    const std::string obs = observation_slot(t);
    j += slot_expr(lang, ends_with(obs, header) ? obs.substr(0, obs.size() - header.size()) : obs, content) + header_expr;
    j += "\n{%- endif -%}\n{%- endfor -%}";
    if (t.reasoning())
        j += "\n{%- if add_generation_prompt and enable_thinking is defined and enable_thinking is false -%}" +
             jinja_literal(t.empty_thought()) + "{%- endif -%}";
    return j;
}

std::string ollama_template(const ChatTemplate& t, const std::string& bos, const std::string& eos) {
    const Lang lang{go_literal, go_literal(bos), go_literal(eos)};
    const std::string header = assistant_header(t);
    const std::string header_expr = header.empty() ? "" : go_literal(header);
    std::string g;
    g += "{{- $system := " + go_quote(t.default_system) + " }}";
    g += "{{- range .Messages }}{{ if and (eq .Role \"system\") .Content }}{{ $system = .Content }}{{ end }}{{ end }}";
    // The BOS that opens the prompt is Ollama's to add.
    g += slot_expr(lang, t.format.prefix, "", true);
    const bool bos_in_first_turn = t.format.prefix.empty() && (t.fold_system || t.format.system.empty());
    if (!t.fold_system && !t.format.system.empty())
        g += "{{- if $system }}" + slot_expr(lang, t.format.system, "{{ $system }}") + "{{ end }}";
    g += "{{- $first := true }}\n{{- range .Messages }}";
    std::string content = "{{ .Content }}";
    if (t.fold_system) {
        const std::string& slot = t.format.system;
        const size_t at = slot.find(kSlotContent);
        const std::string before = go_quote(slot.substr(0, at)), after = go_quote(at == std::string::npos ? "" : slot.substr(at + kSlotContent.size()));
        g += "{{- $content := .Content }}{{ if and $first $system }}{{ $content = print " + before + " $system " + after +
             " .Content }}{{ end }}";
        content = "{{ $content }}";
    }
    g += "\n{{- if eq .Role \"user\" }}";
    if (!t.format.separator.empty()) g += "{{ if not $first }}" + slot_expr(lang, t.format.separator, "") + "{{ end }}";
    const std::string user = strip_header(t, t.format.user);
    if (bos_in_first_turn && user.rfind(kSlotBos, 0) == 0)
        g += "{{ if not $first }}" + lang.bos + "{{ end }}" + slot_expr(lang, user.substr(kSlotBos.size()), content);
    else
        g += slot_expr(lang, user, content);
    g += header_expr + "{{ $first = false }}";
    g += "\n{{- else if eq .Role \"assistant\" }}" + slot_expr(lang, t.format.assistant, content) + "{{ $first = false }}";
    const std::string obs = observation_slot(t);
    g += "\n{{- else if eq .Role \"tool\" }}" +
         slot_expr(lang, ends_with(obs, header) ? obs.substr(0, obs.size() - header.size()) : obs, content) + header_expr +
         "{{ $first = false }}";
    g += "\n{{- end }}\n{{- end }}";
    return g;
}

std::vector<std::string> stop_texts(const ChatTemplate& t, const Tokenizer& tok) {
    std::vector<std::string> out;
    auto add = [&](const std::string& s) {
        if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    };
    const int32_t eot = t.eos_id(tok);
    if (eot >= 0) add(tok.id_to_token(eot));
    if (tok.special().eos_id >= 0) add(tok.id_to_token(tok.special().eos_id));
    for (const std::string& w : t.stop_words) add(w);
    return out;
}

}  // namespace lathe
