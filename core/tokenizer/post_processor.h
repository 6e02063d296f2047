// tokenizer.json "post_processor", reduced to what encode(text, add_special_tokens=true) needs: the ids
// put before and after a single sequence (TemplateProcessing, Bert/Roberta, ByteLevel, Sequence).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace lathe {

struct SpecialTemplate {
    std::vector<int32_t> prefix;  // e.g. {<|begin_of_text|>} for Llama 3, {<s>} for Llama 2
    std::vector<int32_t> suffix;
};

// Throws TokenizerError naming `where` for unsupported types and malformed templates.
SpecialTemplate special_template_from_json(const nlohmann::json& j, const std::string& where);

}  // namespace lathe
