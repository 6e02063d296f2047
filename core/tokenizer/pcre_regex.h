// The regexes of tokenizer.json (pre-tokenizer splits, Replace patterns) compiled with PCRE2 in UTF +
// UCP mode, JIT-compiled when the platform allows: they need \p{L}/\p{N}, (?i:...) and (?!\S).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef struct pcre2_real_code_8 pcre2_code_8;

namespace lathe {

class PcreRegex {
public:
    // Throws TokenizerError "<where>: invalid regex at offset N: <reason>".
    PcreRegex(const std::string& pattern, const std::string& where);
    // A pattern that matches `literal` exactly.
    static PcreRegex literal(std::string_view literal, const std::string& where);
    // tokenizer.json's pattern object: {"String": "..."} (literal) or {"Regex": "..."}.
    static PcreRegex from_pattern_json(const nlohmann::json& pattern, const std::string& where);
    ~PcreRegex();
    PcreRegex(PcreRegex&& other) noexcept;
    PcreRegex& operator=(PcreRegex&&) = delete;
    PcreRegex(const PcreRegex&) = delete;

    // Appends the [begin, end) byte ranges of the successive non-overlapping, non-empty matches in
    // `text`, which must be valid UTF-8 (else TokenizerError). Thread-safe.
    void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;

    // Replaces every match in `text` by `content` (the Replace normalizer and decoder).
    void replace_all(std::string& text, std::string_view content) const;

    const std::string& pattern() const { return pattern_; }

private:
    std::string pattern_;
    std::string where_;
    pcre2_code_8* code_ = nullptr;
    bool jit_ = false;
};

}  // namespace lathe
