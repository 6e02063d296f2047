#include "core/corpus/quality.h"

#include "core/corpus/hash.h"

#include "core/tokenizer/utf8.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <array>

namespace lathe {

namespace {

bool contains_ci(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return false;
    for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        size_t k = 0;
        while (k < needle.size()) {
            char c = hay[i + k];
            if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
            if (c != needle[k]) break;
            ++k;
        }
        if (k == needle.size()) return true;
    }
    return false;
}

// Lines that carry no content, wherever they appear (C4 drops JavaScript and cookie notices; Korean news
// sites end articles with copyright and redistribution notices).
const std::array<const char*, 11> kBoilerplate = {
    "javascript",     "cookie policy", "use cookies",    "all rights reserved", "terms of use", "privacy policy",
    "무단 전재",      "무단전재",      "재배포 금지",    "저작권자",            "구독하기",
};

bool is_boilerplate(std::string_view line) {
    for (const char* b : kBoilerplate)
        if (contains_ci(line, b)) return true;
    return false;
}

// Open-addressing count table over 64-bit keys (0 is mapped to 1), sized for `n` keys.
struct CountTable {
    std::vector<uint64_t>& keys;
    size_t mask = 0;
    CountTable(std::vector<uint64_t>& storage, size_t n) : keys(storage) {
        size_t cap = 16;
        while (cap < n * 2) cap <<= 1;
        keys.assign(cap, 0);
        mask = cap - 1;
    }
    // True when `key` was already there.
    bool insert(uint64_t key) {
        if (key == 0) key = 1;
        for (size_t i = key & mask;; i = (i + 1) & mask) {
            if (keys[i] == key) return true;
            if (keys[i] == 0) {
                keys[i] = key;
                return false;
            }
        }
    }
};

bool is_letter(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return u_isalpha(static_cast<UChar32>(c));
}

bool is_hangul(char32_t c) {
    return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
           (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF);
}

bool is_latin(char32_t c) {
    return (c < 0x80 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
           (c >= 0x1E00 && c <= 0x1EFF);
}

bool is_cjk(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x3040 && c <= 0x30FF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FA1F);
}

}  // namespace

bool strip_boilerplate_lines(std::string& text) {
    bool changed = false;
    std::string out;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        const std::string_view line(text.data() + pos, eol - pos);
        if (is_boilerplate(line)) {
            changed = true;
        } else {
            if (!out.empty()) out.push_back('\n');
            out.append(line);
        }
        if (eol == text.size()) break;
        pos = eol + 1;
    }
    if (!changed) return false;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    text.swap(out);
    return true;
}

const std::vector<const char*>& quality_rule_names() {
    static const std::vector<const char*> names = {
        "no_letters",     "lorem_ipsum",    "alpha_words",    "mean_word_length", "symbol_ratio",    "digit_ratio",
        "bullet_lines",   "ellipsis_lines", "repeated_lines", "top_ngram",        "duplicate_ngrams",
    };
    return names;
}

const char* quality_failure(std::string_view text, QualityScratch& scratch) {
    // One pass over the characters: words (hash, length in characters, whether they hold a letter).
    auto& hashes = scratch.word_hashes;
    auto& chars = scratch.word_chars;
    hashes.clear();
    chars.clear();
    size_t letters = 0, digits = 0, non_space = 0, alpha_words = 0, symbols = 0;
    size_t latin_word_chars = 0, latin_words = 0;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) ++i;
        if (i >= text.size()) break;
        const size_t start = i;
        size_t n = 0, word_letters = 0, word_latin = 0;
        while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\r') {
            const unsigned char b = static_cast<unsigned char>(text[i]);
            char32_t c;
            if (b < 0x80) c = b, ++i;
            else c = utf8::next(text, i);
            ++n;
            if (c == '#') ++symbols;
            if (c == 0x2026) ++symbols;
            if (c >= '0' && c <= '9') ++digits;
            if (is_letter(c)) {
                ++word_letters;
                if (is_latin(c)) ++word_latin;
            }
        }
        const std::string_view word = text.substr(start, i - start);
        if (word.find("...") != std::string_view::npos) ++symbols;
        non_space += n;
        letters += word_letters;
        if (word_letters > 0) ++alpha_words;
        if (word_latin * 2 > n) latin_word_chars += n, ++latin_words;
        hashes.push_back(corpus_hash::bytes(word));
        chars.push_back(static_cast<uint32_t>(n));
    }
    const size_t words = hashes.size();
    if (letters == 0) return "no_letters";
    if (contains_ci(text, "lorem ipsum")) return "lorem_ipsum";
    if (words >= 5 && alpha_words * 10 < words * 8) return "alpha_words";
    if (latin_words >= 10 && latin_words * 2 > words) {
        const double mean = double(latin_word_chars) / double(latin_words);
        if (mean < 3 || mean > 10) return "mean_word_length";
    }
    if (words >= 5 && symbols * 10 > words) return "symbol_ratio";
    if (non_space >= 20 && digits * 10 > non_space * 3) return "digit_ratio";

    // Lines.
    size_t lines = 0, bullets = 0, ellipses = 0, dup_lines = 0, dup_line_chars = 0, total_line_chars = 0;
    {
        size_t line_count_estimate = 1 + size_t(std::count(text.begin(), text.end(), '\n'));
        CountTable seen(scratch.table, line_count_estimate);
        size_t pos = 0;
        while (pos <= text.size()) {
            size_t eol = text.find('\n', pos);
            if (eol == std::string_view::npos) eol = text.size();
            std::string_view line = text.substr(pos, eol - pos);
            while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
            while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
            if (!line.empty()) {
                ++lines;
                total_line_chars += line.size();
                if (line[0] == '-' || line[0] == '*' || line.rfind("\xE2\x80\xA2", 0) == 0 ||  // •
                    line.rfind("\xC2\xB7", 0) == 0 || line.rfind("\xE2\x97\x8F", 0) == 0 ||     // · ●
                    line.rfind("\xE2\x96\xAA", 0) == 0)                                          // ▪
                    ++bullets;
                if ((line.size() >= 3 && line.compare(line.size() - 3, 3, "...") == 0) ||
                    (line.size() >= 3 && line.compare(line.size() - 3, 3, "\xE2\x80\xA6") == 0))
                    ++ellipses;
                if (seen.insert(corpus_hash::bytes(line))) ++dup_lines, dup_line_chars += line.size();
            }
            if (eol == text.size()) break;
            pos = eol + 1;
        }
    }
    if (lines >= 3) {
        if (bullets * 10 > lines * 9) return "bullet_lines";
        if (ellipses * 10 > lines * 3) return "ellipsis_lines";
        if (dup_lines * 10 > lines * 3 || dup_line_chars * 5 > total_line_chars) return "repeated_lines";
    }

    // Word n-grams (Gopher): the most frequent 2-, 3-, 4-gram, and the characters inside repeated 5..10-grams.
    size_t word_chars = 0;
    for (uint32_t c : chars) word_chars += c;
    // Short texts (a question, a one-line answer) repeat words by nature; Gopher's n-gram rules are for documents.
    if (word_chars == 0 || words < 20) return nullptr;
    auto ngram_hash = [&](size_t at, size_t n) {
        uint64_t h = 0x9e3779b97f4a7c15ULL * n;
        for (size_t k = 0; k < n; ++k) h = corpus_hash::mix(h ^ hashes[at + k]) + k;
        return h;
    };
    static const double top_limit[] = {0, 0, 0.20, 0.18, 0.16};
    for (size_t n = 2; n <= 4; ++n) {
        if (words < n + 1) break;
        // Count occurrences with a hash -> count map (keys and counts in parallel arrays).
        const size_t grams = words - n + 1;
        size_t cap = 16;
        while (cap < grams * 2) cap <<= 1;
        scratch.table.assign(cap, 0);
        std::vector<uint32_t> counts(cap, 0);
        size_t best = 0, best_at = 0;
        for (size_t at = 0; at < grams; ++at) {
            uint64_t h = ngram_hash(at, n);
            if (h == 0) h = 1;
            size_t slot = h & (cap - 1);
            while (scratch.table[slot] != 0 && scratch.table[slot] != h) slot = (slot + 1) & (cap - 1);
            scratch.table[slot] = h;
            if (++counts[slot] > best) best = counts[slot], best_at = at;
        }
        if (best > 1) {
            size_t gram_chars = 0;
            for (size_t k = 0; k < n; ++k) gram_chars += chars[best_at + k];
            if (double(gram_chars * best) / double(word_chars) > top_limit[n]) return "top_ngram";
        }
    }
    for (size_t n = 5; n <= 10; ++n) {
        if (words < n * 2) break;
        const size_t grams = words - n + 1;
        CountTable seen(scratch.table, grams);
        scratch.covered.assign(words, 0);
        for (size_t at = 0; at < grams; ++at)
            if (seen.insert(ngram_hash(at, n)))
                for (size_t k = 0; k < n; ++k) scratch.covered[at + k] = 1;
        size_t dup_chars = 0;
        for (size_t w = 0; w < words; ++w)
            if (scratch.covered[w]) dup_chars += chars[w];
        const double limit = 0.15 - 0.01 * double(n - 5);
        if (double(dup_chars) / double(word_chars) > limit) return "duplicate_ngrams";
    }
    return nullptr;
}

double script_share(std::string_view text, Script script) {
    size_t letters = 0, in_script = 0;
    size_t i = 0;
    while (i < text.size()) {
        const unsigned char b = static_cast<unsigned char>(text[i]);
        char32_t c;
        if (b < 0x80) c = b, ++i;
        else c = utf8::next(text, i);
        if (!is_letter(c)) continue;
        ++letters;
        switch (script) {
            case Script::Hangul: in_script += is_hangul(c); break;
            case Script::Latin: in_script += is_latin(c); break;
            case Script::Cjk: in_script += is_cjk(c); break;
        }
    }
    return letters == 0 ? 0.0 : double(in_script) / double(letters);
}

}  // namespace lathe
