#include "core/eval/metrics.h"

#include "core/tokenizer/utf8.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace lathe {

namespace {

// Scripts written without spaces between words, or whose syllables LLaMA-Factory's tokenisers split
// one by one: CJK ideographs (with extensions and compatibility forms), kana, Hangul syllables and jamo.
bool is_cjk(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2FA1F) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
           (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
           (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF);
}

// Splits `text` into words; `keep_symbols` false deletes punctuation and symbols instead of making them words.
std::vector<std::string> split_words(const std::string& text, bool keep_symbols) {
    std::string storage;
    const std::string_view s = utf8::valid_view(text, storage);
    std::vector<std::string> words;
    std::string word;
    auto flush = [&] {
        if (!word.empty()) words.push_back(std::move(word));
        word.clear();
    };
    for (size_t i = 0; i < s.size();) {
        const size_t start = i;
        const char32_t c = utf8::next(s, i);
        const std::string_view ch = s.substr(start, i - start);
        if (utf8::is_whitespace(c)) {
            flush();
        } else if (is_cjk(c)) {
            flush();
            words.emplace_back(ch);
        } else if (utf8::is_word_char(c)) {
            word += ch;
        } else if (keep_symbols) {
            flush();
            words.emplace_back(ch);
        }  // else dropped where it stands, as SQuAD removes punctuation before splitting ("U.S." -> us)
    }
    flush();
    return words;
}

template <typename Seq>
std::map<std::vector<std::string>, int64_t> ngram_counts(const Seq& words, size_t n) {
    std::map<std::vector<std::string>, int64_t> counts;
    for (size_t i = 0; i + n <= words.size(); ++i)
        ++counts[std::vector<std::string>(words.begin() + static_cast<std::ptrdiff_t>(i),
                                          words.begin() + static_cast<std::ptrdiff_t>(i + n))];
    return counts;
}

double f_score(double precision, double recall) {
    return precision + recall > 0 ? 2.0 * precision * recall / (precision + recall) : 0.0;
}

size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::vector<size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

std::vector<std::string> segment_words(const std::string& text) { return split_words(text, true); }

double bleu4(const std::vector<std::string>& hyp, const std::vector<std::string>& ref) {
    if (hyp.empty()) return 0.0;
    double log_sum = 0;
    int missing = 0;  // method3's k: the how-manieth order without a match
    for (size_t n = 1; n <= 4; ++n) {
        const auto h = ngram_counts(hyp, n), r = ngram_counts(ref, n);
        int64_t matched = 0, total = 0;
        for (const auto& [gram, count] : h) {
            total += count;
            auto it = r.find(gram);
            if (it != r.end()) matched += std::min(count, it->second);
        }
        const double denominator = static_cast<double>(std::max<int64_t>(1, total));
        if (matched == 0) {
            if (n == 1) return 0.0;  // NLTK: no unigram in common, BLEU 0 (no smoothing)
            ++missing;
            log_sum += 0.25 * std::log(1.0 / (std::pow(2.0, missing) * denominator));
        } else {
            log_sum += 0.25 * std::log(static_cast<double>(matched) / denominator);
        }
    }
    const double c = static_cast<double>(hyp.size()), r = static_cast<double>(ref.size());
    const double brevity = c > r ? 1.0 : std::exp(1.0 - r / c);
    return brevity * std::exp(log_sum);
}

RougeScores rouge(const std::vector<std::string>& hyp, const std::vector<std::string>& ref) {
    RougeScores out;
    if (hyp.empty() || ref.empty()) return out;
    auto rouge_n = [&](size_t n) {
        std::set<std::vector<std::string>> h, r;
        for (const auto& [gram, count] : ngram_counts(hyp, n)) h.insert(gram);
        for (const auto& [gram, count] : ngram_counts(ref, n)) r.insert(gram);
        if (h.empty() || r.empty()) return 0.0;
        size_t overlap = 0;
        for (const auto& gram : h) overlap += r.count(gram);
        return f_score(static_cast<double>(overlap) / h.size(), static_cast<double>(overlap) / r.size());
    };
    out.rouge1 = rouge_n(1);
    out.rouge2 = rouge_n(2);
    const double lcs = static_cast<double>(lcs_length(hyp, ref));
    out.rougeL = f_score(lcs / hyp.size(), lcs / ref.size());
    return out;
}

std::vector<std::string> squad_tokens(const std::string& text) {
    std::vector<std::string> words;
    for (auto& w : split_words(text, false)) {
        for (auto& ch : w)
            if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        if (w == "a" || w == "an" || w == "the") continue;
        words.push_back(std::move(w));
    }
    return words;
}

bool exact_match(const std::string& prediction, const std::string& label) {
    return squad_tokens(prediction) == squad_tokens(label);
}

double token_f1(const std::string& prediction, const std::string& label) {
    const auto p = squad_tokens(prediction), g = squad_tokens(label);
    if (p.empty() || g.empty()) return p.empty() && g.empty() ? 1.0 : 0.0;  // SQuAD 2.0: no answer vs no answer
    std::map<std::string, int64_t> gc;
    for (const auto& w : g) ++gc[w];
    int64_t same = 0;
    for (const auto& w : p) {
        auto it = gc.find(w);
        if (it != gc.end() && it->second > 0) {
            --it->second;
            ++same;
        }
    }
    if (same == 0) return 0.0;
    return f_score(static_cast<double>(same) / p.size(), static_cast<double>(same) / g.size());
}

SampleScores score_prediction(const std::string& prediction, const std::string& label) {
    const auto hyp = segment_words(prediction), ref = segment_words(label);
    const RougeScores r = rouge(hyp, ref);
    SampleScores s;
    s.bleu4 = 100.0 * bleu4(hyp, ref);
    s.rouge1 = 100.0 * r.rouge1;
    s.rouge2 = 100.0 * r.rouge2;
    s.rougeL = 100.0 * r.rougeL;
    s.exact_match = exact_match(prediction, label) ? 100.0 : 0.0;
    s.f1 = 100.0 * token_f1(prediction, label);
    return s;
}

void MetricTotals::add(const SampleScores& s) {
    sum.bleu4 += s.bleu4;
    sum.rouge1 += s.rouge1;
    sum.rouge2 += s.rouge2;
    sum.rougeL += s.rougeL;
    sum.exact_match += s.exact_match;
    sum.f1 += s.f1;
    ++count;
}

SampleScores MetricTotals::mean() const {
    if (count == 0) return {};
    const double n = static_cast<double>(count);
    return {sum.bleu4 / n, sum.rouge1 / n, sum.rouge2 / n, sum.rougeL / n, sum.exact_match / n, sum.f1 / n};
}

std::vector<std::pair<std::string, double>> named_scores(const SampleScores& s) {
    return {{"bleu-4", s.bleu4}, {"rouge-1", s.rouge1}, {"rouge-2", s.rouge2},
            {"rouge-l", s.rougeL}, {"exact_match", s.exact_match}, {"f1", s.f1}};
}

}  // namespace lathe
