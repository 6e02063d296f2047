// Quality rules for documents, after Gopher (Rae et al. 2021, appendix A) and C4 (Raffel et al. 2020), as
// the data-pipeline seed applies them, adapted so that Korean passes: words are whitespace-separated
// tokens, a letter is any Unicode letter, and the word-length rule looks only at Latin-script text.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

// Removes boilerplate lines (cookie and JavaScript notices, "all rights reserved", Korean news
// footers such as "무단 전재 및 재배포 금지"). False when none was there.
bool strip_boilerplate_lines(std::string& text);

// Reusable buffers for quality_failure (one per thread).
struct QualityScratch {
    std::vector<uint64_t> word_hashes;
    std::vector<uint32_t> word_chars;
    std::vector<uint64_t> table;
    std::vector<uint8_t> covered;
};

// The name of the first rule `text` breaks, or nullptr when it passes:
//   "no_letters", "alpha_words" (<80% of words hold a letter), "mean_word_length" (Latin text, outside 3..10),
//   "symbol_ratio" ('#' and ellipses per word > 0.1), "digit_ratio" (digits > 30% of non-space characters),
//   "bullet_lines" (>90% of lines), "ellipsis_lines" (>30% of lines end in one), "repeated_lines"
//   (duplicate lines >30% of lines or >20% of characters), "top_ngram" (the most frequent 2/3/4-gram covers
//   >20/18/16% of word characters), "duplicate_ngrams" (repeated 5..10-grams cover >15..10%), "lorem_ipsum".
const char* quality_failure(std::string_view text, QualityScratch& scratch);

// The rule names quality_failure can return, in the order it checks them.
const std::vector<const char*>& quality_rule_names();

enum class Script { Hangul, Latin, Cjk };

// The share of `text`'s letters that belong to `script` (0 when there are no letters). CJK counts Han,
// kana and CJK symbols' letters; Hangul counts syllables and jamo.
double script_share(std::string_view text, Script script);

}  // namespace lathe
