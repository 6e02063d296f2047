// Text-overlap metrics of a prediction against its label, as LLaMA-Factory reports them after
// predict_with_generate (sentence-level BLEU-4 with NLTK's smoothing method 3, ROUGE-1/2/L F-scores, each
// averaged over samples, 0-100), and SQuAD's exact match and token F1. docs/evaluation.md says exactly
// what is computed and where it differs from LLaMA-Factory.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lathe {

// Words for BLEU and ROUGE: every CJK ideograph, kana and Hangul syllable is a word of its own; other
// text splits at whitespace, and each punctuation or symbol character is a word of its own
// ("Hello, 세계!" -> Hello , 세 계 !). Case is kept.
std::vector<std::string> segment_words(const std::string& text);

// Sentence-level BLEU-4 (uniform weights, one reference, brevity penalty against it) with NLTK's
// SmoothingFunction().method3: the k-th n-gram order with no match counts 1 / (2^k * n-grams of the
// hypothesis). 0 when the hypothesis is empty or shares no word with the reference. In [0, 1].
double bleu4(const std::vector<std::string>& hypothesis, const std::vector<std::string>& reference);

// ROUGE F-scores as the `rouge` / `rouge-chinese` packages LLaMA-Factory calls compute them: ROUGE-N
// over the sets of distinct n-grams, ROUGE-L from the longest common subsequence, F = 2PR / (P + R).
// In [0, 1]; all 0 when either side has no word.
struct RougeScores {
    double rouge1 = 0, rouge2 = 0, rougeL = 0;
};
RougeScores rouge(const std::vector<std::string>& hypothesis, const std::vector<std::string>& reference);

// SQuAD's answer normalisation (ASCII lower case, punctuation deleted, the articles a/an/the removed, whitespace
// collapsed), then per word, with CJK and Hangul split per character as in segment_words.
std::vector<std::string> squad_tokens(const std::string& text);
bool exact_match(const std::string& prediction, const std::string& label);
double token_f1(const std::string& prediction, const std::string& label);  // in [0, 1]

// One sample's scores on LLaMA-Factory's scale (0-100).
struct SampleScores {
    double bleu4 = 0, rouge1 = 0, rouge2 = 0, rougeL = 0, exact_match = 0, f1 = 0;
};
SampleScores score_prediction(const std::string& prediction, const std::string& label);

// Sums of sample scores; mean() averages them.
struct MetricTotals {
    SampleScores sum;
    size_t count = 0;
    void add(const SampleScores& s);
    SampleScores mean() const;
};

// The metric names as LLaMA-Factory's result files spell them after a prefix ("predict_"):
// bleu-4, rouge-1, rouge-2, rouge-l, then Lathe's exact_match and f1, with their values in that order.
std::vector<std::pair<std::string, double>> named_scores(const SampleScores& s);

}  // namespace lathe
