// Added tokens ("<|im_start|>", "<s>", ...): found in the text before normalization and BPE, with the
// matching rules of Hugging Face's AddedVocabulary (leftmost-longest; single_word, lstrip, rstrip;
// `normalized` tokens are matched in normalized text instead of the raw input).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lathe {

class Normalizer;

struct AddedToken {
    int32_t id = -1;
    std::string content;
    bool single_word = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
    bool special = false;
};

// A run of input: an added token (id >= 0) or plain text to tokenize (id == -1).
struct TextPiece {
    size_t begin, end;  // byte range in the text that was split
    int32_t id;
};

class AddedVocabulary {
public:
    // Adds `token` (a later token with the same content replaces the earlier one).
    void add(const AddedToken& token);
    // Builds the matchers; `normalizer` (may be null) rewrites the contents of normalized tokens.
    void build(const Normalizer* normalizer);

    // Splits `text` on the tokens that match raw input (normalized == false).
    std::vector<TextPiece> split_raw(std::string_view text) const { return raw_.split(text, *this); }
    // Splits already normalized `text` on the tokens flagged normalized.
    std::vector<TextPiece> split_normalized(std::string_view text) const { return normalized_.split(text, *this); }
    bool has_normalized_tokens() const { return !normalized_.empty(); }

    const AddedToken* by_id(int32_t id) const;
    int32_t id_of(std::string_view content) const;
    const std::vector<AddedToken>& tokens() const { return tokens_; }

private:
    // A byte trie answering "the longest token starting here".
    class Matcher {
    public:
        void insert(std::string_view pattern, int32_t token_index);
        bool empty() const { return terminal_.size() <= 1; }
        // Length of the longest pattern at text[pos...] and its token index, or {0, -1}.
        std::pair<size_t, int32_t> longest_at(std::string_view text, size_t pos) const;
        std::vector<TextPiece> split(std::string_view text, const AddedVocabulary& vocab) const;

    private:
        std::unordered_map<uint64_t, int32_t> edges_;  // (node << 8 | byte) -> child node
        std::vector<int32_t> terminal_{-1};            // node -> token index, -1 when none
        bool first_byte_[256] = {};
    };

    std::vector<AddedToken> tokens_;
    std::unordered_map<int32_t, size_t> by_id_;
    std::unordered_map<std::string, size_t> by_content_;
    Matcher raw_, normalized_;
};

}  // namespace lathe
