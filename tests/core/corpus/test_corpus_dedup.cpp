// Exact and near-duplicate detection: keys that fold case and spacing, MinHash estimates that track the
// true Jaccard similarity, LSH banding that finds planted near-duplicates and leaves distinct texts alone.
#include "tests/registry.h"

#include "core/corpus/dedup.h"

#include <QtTest>

#include <cmath>
#include <set>
#include <string>
#include <vector>

using namespace lathe;

namespace {

// A text of `n` distinct words w<seed>_<i>.
std::vector<std::string> word_list(int n, int seed) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back("w" + std::to_string(seed) + "_" + std::to_string(i));
    return out;
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

// Jaccard similarity of the word n-gram sets, as the signature estimates it.
double true_jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b, size_t n) {
    auto grams = [n](const std::vector<std::string>& w) {
        std::set<std::string> g;
        for (size_t i = 0; i + n <= w.size(); ++i) {
            std::string s;
            for (size_t k = 0; k < n; ++k) s += w[i + k] + " ";
            g.insert(s);
        }
        return g;
    };
    const auto ga = grams(a), gb = grams(b);
    size_t both = 0;
    for (const auto& g : ga) both += gb.count(g);
    return double(both) / double(ga.size() + gb.size() - both);
}

}  // namespace

class TestCorpusDedup : public QObject {
    Q_OBJECT

private slots:
    void exactKeysFoldCaseAndSpacing() {
        QVERIFY(exact_key("Hello   World\n") == exact_key("hello world"));
        QVERIFY(exact_key("  hello\tworld") == exact_key("hello world"));
        QVERIFY(!(exact_key("hello world") == exact_key("hello  worlds")));
        QVERIFY(!(exact_key("ab c") == exact_key("a bc")));
        ExactDedup d;
        QCOMPARE(d.check(exact_key("one"), 0), int64_t(-1));
        QCOMPARE(d.check(exact_key("two"), 1), int64_t(-1));
        QCOMPARE(d.check(exact_key("ONE "), 2), int64_t(0));
        QCOMPARE(d.size(), size_t(2));
    }

    void bandsFollowTheThreshold() {
        // datasketch's choices for 128 permutations.
        const auto [b5, r5] = lsh_bands(128, 0.5);
        const auto [b9, r9] = lsh_bands(128, 0.9);
        QVERIFY(b5 * r5 <= 128 && b9 * r9 <= 128);
        QVERIFY2(r9 > r5, "a higher threshold needs more rows per band");
        // The S-curve's midpoint (1/b)^(1/r) sits near the threshold.
        QVERIFY(std::abs(std::pow(1.0 / b5, 1.0 / r5) - 0.5) < 0.1);
        QVERIFY(std::abs(std::pow(1.0 / b9, 1.0 / r9) - 0.9) < 0.1);
    }

    void signaturesEstimateJaccard() {
        MinHashParams p;
        p.num_perm = 256;
        p.ngram = 3;
        const auto a = word_list(200, 1);
        for (int changed : {10, 40, 100}) {
            auto b = a;
            for (int i = 0; i < changed; ++i) b[size_t(i * 200 / changed)] = "x" + std::to_string(i);
            std::vector<uint32_t> sa, sb;
            minhash_signature(join(a), p, sa);
            minhash_signature(join(b), p, sb);
            const double est = signature_similarity(sa.data(), sb.data(), p.num_perm);
            const double truth = true_jaccard(a, b, 3);
            QVERIFY2(std::abs(est - truth) < 0.1, (std::to_string(est) + " vs " + std::to_string(truth)).c_str());
        }
        // Chinese is written without spaces: shingled by characters, one changed character keeps it similar.
        const std::string zh = "今天天气很好我们一起去公园散步然后在湖边的小餐馆吃了午饭下午去图书馆看书晚上回家做饭";
        std::string zh2 = zh;
        zh2.replace(zh2.find("小"), std::string("小").size(), "大");
        std::vector<uint32_t> za, zb;
        minhash_signature(zh, p, za);
        minhash_signature(zh2, p, zb);
        QVERIFY(signature_similarity(za.data(), zb.data(), p.num_perm) > 0.6);
        // Case is folded; a text shorter than the shingle is one shingle.
        std::vector<uint32_t> x, y;
        minhash_signature("Short TEXT", p, x);
        minhash_signature("short text", p, y);
        QCOMPARE(x, y);
    }

    void lshFindsPlantedNearDuplicates() {
        MinHashParams p;  // 128 permutations, 5-grams, threshold 0.8
        MinHashLsh lsh(p);
        std::vector<uint32_t> sig;
        int64_t id = 0;
        // 200 distinct documents, then for each of the first 50 a copy with one word changed
        // and for the next 50 a copy with every other word changed (no 5-gram in common).
        for (int d = 0; d < 200; ++d) {
            minhash_signature(join(word_list(120, d)), p, sig);
            QCOMPARE(lsh.check(sig, id++).first, int64_t(-1));
        }
        int found = 0, false_hits = 0;
        for (int d = 0; d < 100; ++d) {
            auto w = word_list(120, d);
            const bool near = d < 50;
            if (near) {
                w[60] = "edit";  // one word: 5 of 116 shingles differ, Jaccard 0.92
            } else {
                for (int i = 0; i < 60; ++i) w[size_t(i * 2)] = "edit" + std::to_string(i);
            }
            minhash_signature(join(w), p, sig);
            const auto [match, sim] = lsh.check(sig, id++);
            if (near) {
                found += match == d;
                if (match == d) QVERIFY(sim >= 0.8);
            } else {
                false_hits += match >= 0;
            }
        }
        QVERIFY2(found >= 48, std::to_string(found).c_str());
        QCOMPARE(false_hits, 0);
    }
};

LATHE_TEST(TestCorpusDedup)
#include "test_corpus_dedup.moc"
