// A built-in chat template (core/data/template.h) written in the template languages other programs
// read, so an exported model is prompted exactly as it was trained:
//   * Jinja for Hugging Face (tokenizer_config.json chat_template), llama.cpp (tokenizer.chat_template)
//     and vLLM: variables messages [{role, content}], bos_token, eos_token, add_generation_prompt;
//     roles system (messages[0] only), user, assistant, tool
//   * Go text/template for Ollama's Modelfile TEMPLATE: .Messages [{.Role, .Content}]
// Both are generated from the template's slots, so every built-in template is covered by one rule.
#pragma once
#include <string>
#include <vector>

namespace lathe {

struct ChatTemplate;
class Tokenizer;

// Jinja rendering, for a conversation that ends with a user turn and add_generation_prompt=true, the
// text ChatTemplate::render gives (with `bos_token` / `eos_token` being the tokenizer's BOS text and
// the template's end-of-turn token text). A conversation ending with a user turn and no generation
// prompt ends before the assistant header, as Hugging Face's templates do.
std::string jinja_chat_template(const ChatTemplate& t);

// The Go template for Ollama. `bos` / `eos` are the token texts the markers stand for (Ollama has no
// such variables); the leading BOS is left to Ollama, which adds it when the GGUF says add_bos_token.
std::string ollama_template(const ChatTemplate& t, const std::string& bos, const std::string& eos);

// The assistant header the template's user slot ends with ("<|im_start|>assistant\n"), "" when the
// user slot has no separate header ([INST] ... [/INST]).
std::string assistant_header(const ChatTemplate& t);

// What generation must stop on, as token texts: the end-of-turn token, the tokenizer's EOS and the
// template's stop words (each once, in that order).
std::vector<std::string> stop_texts(const ChatTemplate& t, const Tokenizer& tok);

}  // namespace lathe
