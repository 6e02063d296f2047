// tokenizer.json "pre_tokenizer": splits normalized text into words before the model sees them
// (regex Split, ByteLevel, Metaspace, Digits, and Sequences of those).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <string>
#include <vector>

namespace lathe {

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Replaces `words` by their splits (possibly rewritten, e.g. byte-mapped). `first_section` is true
    // when the words come from the piece of text that starts the input (Metaspace "first" scheme).
    virtual void apply(std::vector<std::string>& words, bool first_section) const = 0;

    // nullptr for JSON null. Throws TokenizerError naming `where` and an unsupported type.
    static std::unique_ptr<PreTokenizer> from_json(const nlohmann::json& j, const std::string& where);
};

}  // namespace lathe
