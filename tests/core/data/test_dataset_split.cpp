#include "tests/checks.h"
#include "tests/registry.h"

#include "core/data/dataset_split.h"
#include "core/util/error.h"

#include <QtTest>
#include <cmath>
#include <functional>
#include <set>

using namespace lathe;

namespace {

std::vector<Sample> numbered(size_t n) {
    std::vector<Sample> out(n);
    for (size_t i = 0; i < n; ++i) out[i].source = "d.json#" + std::to_string(i);
    return out;
}

size_t index_of(const Sample& s) { return std::stoul(s.source.substr(s.source.find('#') + 1)); }

std::vector<size_t> indices(const std::vector<Sample>& v) {
    std::vector<size_t> out;
    for (const auto& s : v) out.push_back(index_of(s));
    return out;
}

using lathe::test::error_of;

}  // namespace

class TestDatasetSplit : public QObject {
    Q_OBJECT
private slots:
    void sizesFollowFractionOrCount() {
        struct Case {
            size_t n;
            double val_size;
            size_t expected_val;
        };
        // Fractions round up, as Hugging Face's train_test_split: ceil(0.1 * 95) = 10.
        const Case cases[] = {{95, 0.1, 10}, {100, 0.1, 10}, {7, 0.5, 4}, {50, 1, 1}, {50, 12, 12}, {50, 0, 0}};
        for (const Case& c : cases) {
            const SplitSamples s = split_validation(numbered(c.n), c.val_size, 42);
            QCOMPARE(s.validation.size(), c.expected_val);
            QCOMPARE(s.train.size(), c.n - c.expected_val);
            // Disjoint, complete, each side in the original order.
            std::vector<size_t> tr = indices(s.train), va = indices(s.validation);
            QVERIFY(std::is_sorted(tr.begin(), tr.end()) && std::is_sorted(va.begin(), va.end()));
            std::set<size_t> all(tr.begin(), tr.end());
            all.insert(va.begin(), va.end());
            QCOMPARE(all.size(), c.n);
        }
    }
    void deterministicPerSeed() {
        const auto a = indices(split_validation(numbered(1000), 0.2, 42).validation);
        const auto b = indices(split_validation(numbered(1000), 0.2, 42).validation);
        const auto c = indices(split_validation(numbered(1000), 0.2, 43).validation);
        QCOMPARE(a, b);
        QVERIFY(a != c);
        QCOMPARE(seeded_permutation(50, 9), seeded_permutation(50, 9));
        QVERIFY(seeded_permutation(50, 9) != seeded_permutation(50, 10));
    }
    void permutationIsUniform() {
        // Over many seeds, each index lands in the validation set with probability k/n.
        const size_t n = 10, k = 3, trials = 20000;
        std::vector<size_t> hits(n, 0);
        for (size_t seed = 0; seed < trials; ++seed)
            for (size_t i : indices(split_validation(numbered(n), double(k), seed).validation)) ++hits[i];
        const double p = double(k) / n, expect = trials * p, sd = std::sqrt(trials * p * (1 - p));
        for (size_t i = 0; i < n; ++i)
            QVERIFY2(std::abs(double(hits[i]) - expect) < 5 * sd, std::to_string(hits[i]).c_str());
        // uniform_below stays in range and reaches both ends.
        std::mt19937_64 rng(1);
        std::set<uint64_t> seen;
        for (int i = 0; i < 1000; ++i) {
            const uint64_t v = uniform_below(rng, 7);
            QVERIFY(v < 7);
            seen.insert(v);
        }
        QCOMPARE(seen.size(), size_t(7));
    }
    void sampleIndicesCoverBeforeRepeating() {
        const auto idx = seeded_sample_indices(5, 12, 3);
        QCOMPARE(idx.size(), size_t(12));
        QCOMPARE(std::set<size_t>(idx.begin(), idx.begin() + 5).size(), size_t(5));
        for (size_t i : idx) QVERIFY(i < 5);
        QCOMPARE(seeded_sample_indices(5, 2, 3), std::vector<size_t>(idx.begin(), idx.begin() + 2));
    }
    void badSizesAreConfigErrors() {
        QCOMPARE(error_of([] { split_validation(numbered(10), -0.1, 1); }),
                 std::string("val_size -0.1 must be a fraction below 1 or a whole count of samples"));
        QCOMPARE(error_of([] { split_validation(numbered(10), 2.5, 1); }),
                 std::string("val_size 2.5 is neither a fraction below 1 nor a whole count of samples"));
        QCOMPARE(error_of([] { split_validation(numbered(10), 10, 1); }),
                 std::string("val_size 10 takes 10 of 10 samples for validation and leaves none for training"));
        QCOMPARE(error_of([] { split_validation(numbered(1), 0.5, 1); }),
                 std::string("val_size 0.5 takes 1 of 1 samples for validation and leaves none for training"));
    }
};

LATHE_TEST(TestDatasetSplit)
#include "test_dataset_split.moc"
