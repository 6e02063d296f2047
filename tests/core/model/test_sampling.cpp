// Sampler: transformers' logits processors and warpers, checked against their formulas: repetition
// penalty, then temperature, top-k, top-p; temperature 0 is argmax; a seed fixes the draws.
#include "tests/registry.h"

#include "core/model/sampling.h"
#include "core/util/error.h"

#include <torch/torch.h>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace lathe;

namespace {

torch::Tensor logits_of(std::vector<float> v) { return torch::tensor(v, torch::kFloat); }

SamplingParams params(double temperature, int64_t top_k = 0, double top_p = 1.0, double penalty = 1.0,
                      std::optional<uint64_t> seed = 0) {
    SamplingParams p;
    p.temperature = temperature;
    p.top_k = top_k;
    p.top_p = top_p;
    p.repetition_penalty = penalty;
    p.seed = seed;
    return p;
}

// The ids whose processed score is finite (not removed by top-k / top-p).
std::vector<int64_t> kept(const torch::Tensor& scores) {
    std::vector<int64_t> out;
    auto finite = torch::isfinite(scores);
    for (int64_t i = 0; i < scores.size(0); ++i)
        if (finite[i].item<bool>()) out.push_back(i);
    return out;
}

// transformers' top-p in words: walking the tokens from the most likely, a token is kept when the
// probability mass before it is below p (so the kept set is the smallest whose mass reaches p).
std::vector<int64_t> top_p_reference(const torch::Tensor& scores, double p) {
    auto probs = scores.to(torch::kDouble).softmax(0);
    std::vector<int64_t> order(static_cast<size_t>(scores.size(0)));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return probs[a].item<double>() > probs[b].item<double>(); });
    std::vector<int64_t> out;
    double before = 0;
    for (int64_t id : order) {
        if (before >= p) break;
        out.push_back(id);
        before += probs[id].item<double>();
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string params_error_of(const SamplingParams& p) {
    try {
        p.validate();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

class TestSampling : public QObject {
    Q_OBJECT
private slots:
    // transformers' RepetitionPenaltyLogitsProcessor: seen tokens' positive logits are divided by the
    // penalty, negative ones multiplied; a token seen twice is penalised once.
    void repetitionPenaltyDividesPositiveMultipliesNegative() {
        Sampler s(params(0.0, 0, 1.0, 2.0));
        auto out = s.warp(logits_of({2.0f, -2.0f, 1.0f, -1.0f, 0.5f}), {0, 1, 0, 4});
        auto want = logits_of({1.0f, -4.0f, 1.0f, -1.0f, 0.25f});
        QVERIFY2(torch::allclose(out, want), "penalised logits differ");
        // No history, or a penalty of 1: untouched.
        QVERIFY(torch::equal(s.warp(logits_of({2.0f, -2.0f}), {}), logits_of({2.0f, -2.0f})));
        Sampler off(params(0.0));
        QVERIFY(torch::equal(off.warp(logits_of({2.0f, -2.0f}), {0, 1}), logits_of({2.0f, -2.0f})));
    }

    void temperatureScalesLogits() {
        torch::manual_seed(3);
        auto logits = torch::randn({40});
        for (double t : {0.5, 1.0, 1.7}) {
            Sampler s(params(t));
            QVERIFY2(torch::allclose(s.warp(logits, {}), logits / t), std::to_string(t).c_str());
        }
    }

    void topKKeepsTheKLargest() {
        torch::manual_seed(5);
        auto logits = torch::randn({50});
        for (int64_t k : {1, 5, 49}) {
            Sampler s(params(1.0, k));
            auto out = s.warp(logits, {});
            auto ids = kept(out);
            QCOMPARE(static_cast<int64_t>(ids.size()), k);
            auto top = std::get<1>(logits.topk(k));
            std::vector<int64_t> want(top.data_ptr<int64_t>(), top.data_ptr<int64_t>() + k);
            std::sort(want.begin(), want.end());
            QCOMPARE(ids, want);
            for (int64_t id : ids) QCOMPARE(out[id].item<float>(), logits[id].item<float>());
        }
        // k >= vocabulary: nothing removed.
        Sampler all(params(1.0, 50));
        QCOMPARE(kept(all.warp(logits, {})).size(), size_t(50));
    }

    void topPKeepsTheSmallestSetReachingP() {
        // Probabilities 0.5, 0.3, 0.15, 0.05 (shuffled): p = 0.7 keeps {0.5, 0.3}; p = 0.45 keeps {0.5};
        // p = 0.9 keeps three.
        auto logits = torch::log(torch::tensor({0.15, 0.5, 0.05, 0.3}, torch::kDouble)).to(torch::kFloat);
        QCOMPARE(kept(Sampler(params(1.0, 0, 0.7)).warp(logits, {})), (std::vector<int64_t>{1, 3}));
        QCOMPARE(kept(Sampler(params(1.0, 0, 0.45)).warp(logits, {})), (std::vector<int64_t>{1}));
        QCOMPARE(kept(Sampler(params(1.0, 0, 0.9)).warp(logits, {})), (std::vector<int64_t>{0, 1, 3}));
        // At least one token survives a tiny p.
        QCOMPARE(kept(Sampler(params(1.0, 0, 1e-6)).warp(logits, {})), (std::vector<int64_t>{1}));

        torch::manual_seed(9);
        for (int trial = 0; trial < 20; ++trial) {
            auto random = torch::randn({64}) * 2;
            for (double p : {0.1, 0.5, 0.8, 0.95}) {
                auto ids = kept(Sampler(params(1.0, 0, p)).warp(random, {}));
                const std::string msg = "trial " + std::to_string(trial) + " p " + std::to_string(p);
                QVERIFY2(ids == top_p_reference(random, p), msg.c_str());
            }
        }
    }

    // The order matters: each case gives a different answer in another order.
    void penaltyThenTemperatureThenTopKThenTopP() {
        // Penalty before top-k: token 0 leads until penalised (3 / 2 < 2.5).
        auto a = logits_of({3.0f, 2.5f, 1.0f});
        QCOMPARE(kept(Sampler(params(1.0, 1, 1.0, 2.0)).warp(a, {0})), (std::vector<int64_t>{1}));
        // Temperature before top-p: T = 2 flattens 0.5/0.3/0.2 to 0.42/0.32/0.26, so p = 0.45 needs two
        // tokens (one before temperature).
        auto b = torch::log(torch::tensor({0.5, 0.3, 0.2}, torch::kDouble)).to(torch::kFloat);
        QCOMPARE(kept(Sampler(params(2.0, 0, 0.45)).warp(b, {})), (std::vector<int64_t>{0, 1}));
        QCOMPARE(kept(Sampler(params(1.0, 0, 0.45)).warp(b, {})), (std::vector<int64_t>{0}));
        // Top-k before top-p: after k = 2 the two renormalise to 0.57/0.43, so p = 0.5 keeps one; top-p
        // first would keep two (0.4 < 0.5).
        auto c = torch::log(torch::tensor({0.4, 0.3, 0.2, 0.1}, torch::kDouble)).to(torch::kFloat);
        QCOMPARE(kept(Sampler(params(1.0, 2, 0.5)).warp(c, {})), (std::vector<int64_t>{0}));
        // All together: the survivors carry penalised, temperature-scaled logits.
        auto d = logits_of({4.0f, 3.0f, -1.0f, 2.0f, 0.0f});
        auto out = Sampler(params(0.5, 3, 0.99, 2.0)).warp(d, {0, 2});
        QCOMPARE(kept(out), (std::vector<int64_t>{0, 1, 3}));
        QCOMPARE(out[0].item<float>(), 4.0f / 2 / 0.5f);
        QCOMPARE(out[1].item<float>(), 3.0f / 0.5f);
        QCOMPARE(out[3].item<float>(), 2.0f / 0.5f);
    }

    void greedyIsArgmax() {
        torch::manual_seed(11);
        for (int trial = 0; trial < 20; ++trial) {
            auto logits = torch::randn({100});
            // Greedy ignores top-k/top-p and the seed, but not the repetition penalty.
            Sampler s(params(0.0, 3, 0.5, 1.0, std::nullopt));
            QCOMPARE(s.next(logits, {}), logits.argmax().item<int64_t>());
            const int64_t best = logits.argmax().item<int64_t>();
            Sampler pen(params(0.0, 0, 1.0, 1e6));
            auto penalised = logits.clone();
            penalised[best] = logits[best].item<float>() > 0 ? logits[best].item<float>() / 1e6f
                                                               : logits[best].item<float>() * 1e6f;
            QCOMPARE(pen.next(logits, {static_cast<int32_t>(best)}), penalised.argmax().item<int64_t>());
        }
    }

    void seededSamplingIsDeterministic() {
        auto logits = torch::zeros({1000});  // uniform: every draw is informative
        auto draws = [&](uint64_t seed) {
            Sampler s(params(1.0, 0, 1.0, 1.0, seed));
            std::vector<int64_t> out;
            for (int i = 0; i < 50; ++i) out.push_back(s.next(logits, {}));
            return out;
        };
        QCOMPARE(draws(42), draws(42));
        QVERIFY(draws(42) != draws(43));
    }

    // Draws follow the warped distribution: with a fixed seed the frequencies of 20000 draws from
    // 0.5/0.3/0.2 (top-k 3 of 5) sit within 0.02 of it, and removed ids never appear.
    void drawsFollowTheWarpedDistribution() {
        auto logits = torch::log(torch::tensor({0.3, 0.01, 0.5, 0.005, 0.2}, torch::kDouble)).to(torch::kFloat);
        Sampler s(params(1.0, 3, 1.0, 1.0, 7));
        std::vector<int> counts(5, 0);
        const int n = 20000;
        for (int i = 0; i < n; ++i) counts[static_cast<size_t>(s.next(logits, {}))]++;
        QCOMPARE(counts[1], 0);
        QCOMPARE(counts[3], 0);
        const double total = 0.3 + 0.5 + 0.2;
        QVERIFY(std::abs(counts[0] / double(n) - 0.3 / total) < 0.02);
        QVERIFY(std::abs(counts[2] / double(n) - 0.5 / total) < 0.02);
        QVERIFY(std::abs(counts[4] / double(n) - 0.2 / total) < 0.02);
    }

    // next() draws from candidates(): warp()'s kept ids and their softmax, computed on the top-k
    // candidates alone where top-k cuts. Random logits over a 5000-token vocabulary, ties included.
    void candidatesAreWarpsKeptSet() {
        torch::manual_seed(5);
        auto logits = torch::randn({5000}) * 3;
        logits.narrow(0, 100, 4).fill_(logits.max().item<float>());  // four tied maxima
        logits.narrow(0, 200, 3).fill_(2.5f);
        const std::vector<int32_t> history{7, 100, 4999, 7};
        struct Case { double t; int64_t k; double p, penalty; };
        for (const Case c : {Case{0.7, 50, 0.8, 1.3}, Case{1.0, 40, 1.0, 1.0}, Case{0.95, 50, 0.7, 1.0}, Case{1.2, 0, 0.9, 1.1},
                             Case{1.0, 3, 1.0, 1.0}, Case{1.0, 2, 0.5, 1.0}, Case{0.5, 300, 0.95, 1.0}}) {
            const Sampler s(params(c.t, c.k, c.p, c.penalty));
            const auto warped = s.warp(logits, history);
            const auto want = (warped > -std::numeric_limits<float>::infinity()).nonzero().view(-1);
            const auto [ids, probs] = s.candidates(logits, history);
            const auto label = QString("t %1 k %2 p %3: %4 ids, warp keeps %5").arg(c.t).arg(c.k).arg(c.p).arg(ids.size(0)).arg(want.size(0));
            QVERIFY2(ids.equal(want), qPrintable(label));
            QVERIFY2(torch::allclose(probs, warped.index_select(0, want).softmax(0), 1e-5, 1e-7), qPrintable(label));
            QVERIFY(std::abs(probs.sum().item<double>() - 1.0) < 1e-5);
        }
    }

    void outOfRangeSettingsAreErrors() {
        QVERIFY(params_error_of(params(-0.1)).find("temperature must be >= 0") != std::string::npos);
        QVERIFY(params_error_of(params(1.0, -1)).find("top_k must be >= 0, got -1") != std::string::npos);
        QVERIFY(params_error_of(params(1.0, 0, 0.0)).find("top_p must be in (0, 1]") != std::string::npos);
        QVERIFY(params_error_of(params(1.0, 0, 1.5)).find("top_p must be in (0, 1], got 1.5") != std::string::npos);
        QVERIFY(params_error_of(params(1.0, 0, 1.0, 0.0)).find("repetition_penalty must be > 0") != std::string::npos);
        // NaN compares false with everything: it must still be refused, as must infinity.
        const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
        QVERIFY(params_error_of(params(nan)).find("temperature must be >= 0, got nan") != std::string::npos);
        QVERIFY(params_error_of(params(inf)).find("temperature must be >= 0, got inf") != std::string::npos);
        QVERIFY(params_error_of(params(1.0, 0, nan)).find("top_p must be in (0, 1], got nan") != std::string::npos);
        QVERIFY(params_error_of(params(1.0, 0, 1.0, nan)).find("repetition_penalty must be > 0") != std::string::npos);
        QCOMPARE(params_error_of(params(0.7, 40, 0.9, 1.1)), std::string("(no error)"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, Sampler(params(-1.0)));
    }

    void historyOutsideTheVocabularyIsAnError() {
        Sampler s(params(0.0, 0, 1.0, 1.3));
        try {
            s.next(logits_of({1.0f, 2.0f, 3.0f}), {0, 7});
            QFAIL("no error for history id 7 with 3 logits");
        } catch (const ConfigError& e) {
            QVERIFY2(std::string(e.what()).find("token id 7 is outside the vocabulary [0, 3)") != std::string::npos,
                     e.what());
        }
    }
};

LATHE_TEST(TestSampling)
#include "test_sampling.moc"
