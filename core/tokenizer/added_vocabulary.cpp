#include "core/tokenizer/added_vocabulary.h"

#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/utf8.h"

namespace lathe {

namespace {

// The code point that ends text[0, end), for single_word's "is there a word character before".
char32_t last_char(std::string_view text, size_t end) {
    size_t start = end;
    while (start > 0) {
        --start;
        if ((static_cast<unsigned char>(text[start]) & 0xC0) != 0x80) break;
    }
    size_t i = start;
    return utf8::next(text, i);
}

// Start of the whitespace run that ends at `end`.
size_t whitespace_start_before(std::string_view text, size_t end) {
    while (end > 0) {
        size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        size_t i = start;
        if (!utf8::is_whitespace(utf8::next(text, i))) break;
        end = start;
    }
    return end;
}

size_t whitespace_end_after(std::string_view text, size_t begin) {
    while (begin < text.size()) {
        size_t i = begin;
        if (!utf8::is_whitespace(utf8::next(text, i))) break;
        begin = i;
    }
    return begin;
}

}  // namespace

void AddedVocabulary::add(const AddedToken& token) {
    auto it = by_content_.find(token.content);
    if (it != by_content_.end()) {
        by_id_.erase(tokens_[it->second].id);
        tokens_[it->second] = token;
        by_id_[token.id] = it->second;
        return;
    }
    by_content_[token.content] = tokens_.size();
    by_id_[token.id] = tokens_.size();
    tokens_.push_back(token);
}

void AddedVocabulary::build(const Normalizer* normalizer) {
    raw_ = Matcher();
    normalized_ = Matcher();
    for (size_t i = 0; i < tokens_.size(); ++i) {
        const AddedToken& t = tokens_[i];
        if (t.content.empty()) continue;
        if (!t.normalized) {
            raw_.insert(t.content, static_cast<int32_t>(i));
            continue;
        }
        std::string pattern = t.content;
        if (normalizer) normalizer->normalize(pattern);
        normalized_.insert(pattern, static_cast<int32_t>(i));
    }
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

int32_t AddedVocabulary::id_of(std::string_view content) const {
    auto it = by_content_.find(std::string(content));
    return it == by_content_.end() ? -1 : tokens_[it->second].id;
}

void AddedVocabulary::Matcher::insert(std::string_view pattern, int32_t token_index) {
    if (pattern.empty()) return;
    int32_t node = 0;
    for (unsigned char c : pattern) {
        const uint64_t key = (uint64_t(node) << 8) | c;
        auto it = edges_.find(key);
        if (it == edges_.end()) {
            const auto child = static_cast<int32_t>(terminal_.size());
            terminal_.push_back(-1);
            edges_.emplace(key, child);
            node = child;
        } else {
            node = it->second;
        }
    }
    terminal_[node] = token_index;
    first_byte_[static_cast<unsigned char>(pattern[0])] = true;
}

std::pair<size_t, int32_t> AddedVocabulary::Matcher::longest_at(std::string_view text, size_t pos) const {
    std::pair<size_t, int32_t> best{0, -1};
    if (!first_byte_[static_cast<unsigned char>(text[pos])]) return best;
    int32_t node = 0;
    for (size_t i = pos; i < text.size(); ++i) {
        auto it = edges_.find((uint64_t(node) << 8) | static_cast<unsigned char>(text[i]));
        if (it == edges_.end()) break;
        node = it->second;
        if (terminal_[node] >= 0) best = {i + 1 - pos, terminal_[node]};
    }
    return best;
}

std::vector<TextPiece> AddedVocabulary::Matcher::split(std::string_view text, const AddedVocabulary& vocab) const {
    std::vector<TextPiece> pieces;
    size_t done = 0;  // text before this offset is already in `pieces`
    if (!empty()) {
        for (size_t pos = 0; pos < text.size();) {
            const auto [len, index] = longest_at(text, pos);
            if (index < 0) {
                ++pos;
                continue;
            }
            size_t start = pos, stop = pos + len;
            pos = stop;  // the search resumes after the match, kept or not
            const AddedToken& t = vocab.tokens_[static_cast<size_t>(index)];
            if (t.single_word) {
                const bool word_before = start > 0 && utf8::is_word_char(last_char(text, start));
                size_t after = stop;
                const bool word_after = stop < text.size() && utf8::is_word_char(utf8::next(text, after));
                if (word_before || word_after) continue;
            }
            if (t.lstrip) start = std::max(whitespace_start_before(text, start), done);
            if (t.rstrip) stop = whitespace_end_after(text, stop);
            pos = std::max(pos, stop);
            if (start > done) pieces.push_back({done, start, -1});
            pieces.push_back({start, stop, t.id});
            done = stop;
        }
    }
    if (done < text.size() || pieces.empty()) pieces.push_back({done, text.size(), -1});
    return pieces;
}

}  // namespace lathe
