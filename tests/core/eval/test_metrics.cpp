// The prediction metrics against values worked out by hand from their definitions and, for BLEU, checked
// with NLTK 3.8 (sentence_bleu, SmoothingFunction().method3, on the same words): word segmentation for
// English, Korean and mixed text; BLEU-4 with its smoothing and brevity penalty; ROUGE-1/2 over distinct
// n-grams and ROUGE-L from the LCS; SQuAD's normalisation, exact match and F1; averaging and names.
#include "tests/registry.h"

#include "core/eval/metrics.h"

#include <QtTest>

#include <cmath>

using namespace lathe;

namespace {

using Words = std::vector<std::string>;

bool near(double a, double b, double tol = 1e-9) { return std::fabs(a - b) <= tol; }

}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT

private slots:
    void segmentsWords() {
        QCOMPARE(segment_words("Hello, 세계!"), (Words{"Hello", ",", "세", "계", "!"}));
        QCOMPARE(segment_words("  the cat\tsat \n"), (Words{"the", "cat", "sat"}));
        QCOMPARE(segment_words("안녕하세요 세계"), (Words{"안", "녕", "하", "세", "요", "세", "계"}));
        QCOMPARE(segment_words("我爱AI模型"), (Words{"我", "爱", "AI", "模", "型"}));
        QCOMPARE(segment_words("it's 3.5"), (Words{"it", "'", "s", "3", ".", "5"}));
        QVERIFY(segment_words("").empty());
        // Invalid UTF-8 is read as replacement characters, never a crash.
        QVERIFY(!segment_words(std::string("ab\xff\xfe cd")).empty());
    }

    // the cat sat on a mat . / the cat is on the mat . : 1-grams 5/7, 2-grams 2/6, 3-grams none of 5
    // (method3: 1 / (2 * 5)), 4-grams none of 4 (1 / (4 * 4)); equal lengths, no brevity penalty.
    void bleuSmoothsMissingOrders() {
        const auto hyp = segment_words("the cat sat on a mat ."), ref = segment_words("the cat is on the mat .");
        const double expected = std::pow(5.0 / 7 * 2.0 / 6 * 1.0 / 10 * 1.0 / 16, 0.25);
        QVERIFY(near(bleu4(hyp, ref), expected));
        QVERIFY(near(bleu4(hyp, ref), 0.19640732545025652));  // NLTK
        QVERIFY(near(bleu4(ref, ref), 1.0));
    }

    // "cat" against "the cat sat": 1-gram 1/1, the empty 2..4-gram orders smoothed as 1/2, 1/4, 1/8,
    // brevity penalty exp(1 - 3/1).
    void bleuBrevityPenalty() {
        const double expected = std::exp(1.0 - 3.0) * std::pow(1.0 * 0.5 * 0.25 * 0.125, 0.25);
        QVERIFY(near(bleu4({"cat"}, {"the", "cat", "sat"}), expected));
        QVERIFY(near(expected, 0.04784824825520547, 1e-12));  // NLTK
        // A longer hypothesis is not penalised: a b c d e f / a b c x e f g h (NLTK 0.2722230298303347).
        QVERIFY(near(bleu4(segment_words("a b c d e f"), segment_words("a b c x e f g h")), 0.2722230298303347));
    }

    void bleuWithoutCommonWordsIsZero() {
        QCOMPARE(bleu4({"x", "y"}, {"a", "b"}), 0.0);
        QCOMPARE(bleu4({}, {"a"}), 0.0);
        // Korean per syllable: 안녕하세요 세계 / 안녕 세계 (NLTK 0.18575057999133598).
        QVERIFY(near(bleu4(segment_words("안녕하세요 세계"), segment_words("안녕 세계")), 0.18575057999133598));
    }

    // Distinct unigrams: hypothesis {the cat sat on a mat .} (7), reference {the cat is on mat .} (6), 5
    // shared: P 5/7, R 5/6. Distinct bigrams: 6 and 6, 2 shared. LCS "the cat on mat ." = 5 of 7 and 7.
    void rougeOverDistinctNgramsAndLcs() {
        const auto r = rouge(segment_words("the cat sat on a mat ."), segment_words("the cat is on the mat ."));
        auto f = [](double p, double q) { return 2 * p * q / (p + q); };
        QVERIFY(near(r.rouge1, f(5.0 / 7, 5.0 / 6)));
        QVERIFY(near(r.rouge2, f(2.0 / 6, 2.0 / 6)));
        QVERIFY(near(r.rougeL, f(5.0 / 7, 5.0 / 7)));
        // Repeats count once in ROUGE-N (sets) but fully in the LCS: "a a a" / "a": R-1 = 1, R-L = 2*(1/3)/(4/3).
        const auto rep = rouge({"a", "a", "a"}, {"a"});
        QVERIFY(near(rep.rouge1, 1.0));
        QCOMPARE(rep.rouge2, 0.0);  // the reference has no bigram
        QVERIFY(near(rep.rougeL, 0.5));
        const auto none = rouge({}, {"a"});
        QCOMPARE(none.rouge1 + none.rouge2 + none.rougeL, 0.0);
    }

    void squadNormalisation() {
        QCOMPARE(squad_tokens("The  U.S. Army, an army!"), (Words{"us", "army", "army"}));
        QCOMPARE(squad_tokens("서울의 봄"), (Words{"서", "울", "의", "봄"}));
        QVERIFY(exact_match("The cat!", "cat"));
        QVERIFY(!exact_match("cats", "cat"));
        // [cat sat] against [cat sat on mat]: P 1, R 1/2.
        QVERIFY(near(token_f1("The Cat sat.", "a cat sat on the mat"), 2.0 / 3));
        QCOMPARE(token_f1("dog", "cat"), 0.0);
        QCOMPARE(token_f1("", ""), 1.0);
        QCOMPARE(token_f1("the", "cat"), 0.0);  // only an article: nothing left to match
        // Repeated words match at most as often as the label has them: [x x y] vs [x y] share 2 (P 2/3, R 1).
        QVERIFY(near(token_f1("x x y", "x y"), 2 * (2.0 / 3) * 1.0 / (2.0 / 3 + 1.0)));
    }

    void sampleScoresAndTotals() {
        const auto same = score_prediction("서울의 봄이 왔다.", "서울의 봄이 왔다.");
        for (const auto& [name, value] : named_scores(same)) QVERIFY2(near(value, 100.0), name.c_str());
        const auto other = score_prediction("x", "y z");
        for (const auto& [name, value] : named_scores(other)) QVERIFY2(near(value, 0.0), name.c_str());

        MetricTotals totals;
        QCOMPARE(totals.mean().bleu4, 0.0);
        totals.add(same);
        totals.add(other);
        QCOMPARE(totals.count, size_t(2));
        QVERIFY(near(totals.mean().bleu4, 50.0));
        QVERIFY(near(totals.mean().f1, 50.0));

        const auto names = named_scores(totals.mean());
        std::vector<std::string> keys;
        for (const auto& [name, value] : names) keys.push_back(name);
        QCOMPARE(keys, (Words{"bleu-4", "rouge-1", "rouge-2", "rouge-l", "exact_match", "f1"}));
    }
};

LATHE_TEST(TestMetrics)
#include "test_metrics.moc"
