// tokenizer_config.json and special_tokens_map.json: the special token names, add_bos/add_eos and the
// chat template that sit beside tokenizer.json / tokenizer.model in a Hugging Face folder.
#pragma once
#include "core/tokenizer/tokenizer.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lathe {

struct TokenizerConfig {
    // nullopt: not mentioned; "": explicitly null (the tokenizer has no such token).
    std::optional<std::string> bos, eos, pad, unk;
    std::optional<bool> add_bos, add_eos;
    std::string chat_template;    // "" when absent
    std::string tokenizer_class;  // e.g. "LlamaTokenizer", "Qwen2Tokenizer"
};

// Reads `dir`/tokenizer_config.json, then `dir`/special_tokens_map.json (whose token names win, as in
// transformers), then `dir`/chat_template.jinja when the config holds no template. Missing files are
// fine; malformed ones throw TokenizerError with file:line:column or the offending field.
TokenizerConfig read_tokenizer_config(const std::string& dir);

// Sets the names and ids of `special` from `cfg`; names the config leaves out keep their value.
void apply_special_token_names(const TokenizerConfig& cfg, const std::function<int32_t(std::string_view)>& token_to_id,
                               SpecialTokens& special);

}  // namespace lathe
