// Each preference loss against its formula, on small batches whose expected values are computed here
// with scalar arithmetic (TRL's dpo_loss / kto_loss, LLaMA-Factory's odds_ratio_loss, simpo_loss and
// pairwise loss), plus the per-row log-probs and the value head's last-token scores.
#include "core/io/safetensors.h"
#include "core/model/value_head.h"
#include "core/train/preference/dpo_loss.h"
#include "core/train/preference/dpo_objective.h"
#include "core/train/preference/kto_loss.h"
#include "core/train/preference/orpo_loss.h"
#include "core/train/preference/pairwise_loss.h"
#include "core/train/preference/rm_objective.h"
#include "core/train/preference/sequence_logps.h"
#include "core/train/preference/simpo_loss.h"
#include "tests/core/train/test_pref_fixtures.h"

#include <QtTest>

#include <cmath>

using namespace lathe;
using namespace lathe::test;

namespace {

torch::Tensor vec(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }
double val(const torch::Tensor& t, int64_t i) { return t[i].item<double>(); }
double log_sigmoid(double x) { return -std::log1p(std::exp(-x)); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

const std::vector<double> kPiC{-5.0, -7.5, -3.2}, kPiR{-6.0, -4.0, -3.9}, kRefC{-5.5, -7.0, -3.0}, kRefR{-5.8, -4.5, -4.4};

double dpo_logit(int i) { return (kPiC[i] - kPiR[i]) - (kRefC[i] - kRefR[i]); }

}  // namespace

class TestPrefLosses : public QObject {
    Q_OBJECT
private slots:
    void dpoSigmoidWithLabelSmoothing() {
        const double beta = 0.1, eps = 0.2;
        auto t = dpo_loss(vec(kPiC), vec(kPiR), vec(kRefC), vec(kRefR), beta, DpoVariant::Sigmoid, eps);
        for (int i = 0; i < 3; ++i) {
            const double z = dpo_logit(i);
            const double expected = -log_sigmoid(beta * z) * (1 - eps) - log_sigmoid(-beta * z) * eps;
            QVERIFY(std::abs(val(t.losses, i) - expected) < 1e-12);
            QVERIFY(std::abs(val(t.chosen_rewards, i) - beta * (kPiC[i] - kRefC[i])) < 1e-12);
            QVERIFY(std::abs(val(t.rejected_rewards, i) - beta * (kPiR[i] - kRefR[i])) < 1e-12);
        }
        QVERIFY(!t.chosen_rewards.requires_grad());
    }

    void dpoHingeAndIpo() {
        const double beta = 2.0, tau = 0.5;
        auto hinge = dpo_loss(vec(kPiC), vec(kPiR), vec(kRefC), vec(kRefR), beta, DpoVariant::Hinge);
        auto ipo = dpo_loss(vec(kPiC), vec(kPiR), vec(kRefC), vec(kRefR), tau, DpoVariant::Ipo);
        bool clipped = false;
        for (int i = 0; i < 3; ++i) {
            const double z = dpo_logit(i);
            QVERIFY(std::abs(val(hinge.losses, i) - std::max(0.0, 1 - beta * z)) < 1e-12);
            QVERIFY(std::abs(val(ipo.losses, i) - std::pow(z - 1 / (2 * tau), 2)) < 1e-12);
            clipped = clipped || 1 - beta * z < 0;
        }
        QVERIFY(clipped);  // the batch exercises hinge's zero side too (z = 0.7 for pair 0)
        QCOMPARE(error_of([] { parse_dpo_variant("orpo"); }),
                 std::string("pref_loss: 'orpo' does not use a reference model (expected sigmoid, hinge or ipo)"));
    }

    void orpo() {
        const std::vector<double> c{-0.5, -1.2}, r{-0.9, -0.7};
        const double beta = 0.25;
        auto t = orpo_loss(vec(c), vec(r), beta);
        for (int i = 0; i < 2; ++i) {
            const double log_odds = (c[i] - r[i]) - (std::log(1 - std::exp(c[i])) - std::log(1 - std::exp(r[i])));
            const double ratio = -log_sigmoid(log_odds);
            QVERIFY(std::abs(val(t.losses, i) - (-c[i] + beta * ratio)) < 1e-12);
            QVERIFY(std::abs(val(t.odds_ratio_loss, i) - ratio) < 1e-12);
            QVERIFY(std::abs(val(t.sft_loss, i) + c[i]) < 1e-12);
            QVERIFY(std::abs(val(t.chosen_rewards, i) - beta * c[i]) < 1e-12);
            QVERIFY(std::abs(val(t.rejected_rewards, i) - beta * r[i]) < 1e-12);
        }
    }

    void simpo() {
        const std::vector<double> c{-0.5, -1.2}, r{-0.9, -0.7};
        const double beta = 2.0, gamma = 0.5;
        auto t = simpo_loss(vec(c), vec(r), beta, gamma);
        for (int i = 0; i < 2; ++i) {
            const double expected = -log_sigmoid(beta * ((c[i] - r[i]) - gamma / beta));
            QVERIFY(std::abs(val(t.losses, i) - expected) < 1e-12);
            QVERIFY(std::abs(val(t.chosen_rewards, i) - beta * c[i]) < 1e-12);
        }
    }

    void pairwiseRewardLoss() {
        const std::vector<double> c{1.5, -0.2, 0.3}, r{0.5, 0.4, 0.3};
        auto losses = pairwise_loss(vec(c), vec(r));
        for (int i = 0; i < 3; ++i) QVERIFY(std::abs(val(losses, i) - -std::log(sigmoid(c[i] - r[i]))) < 1e-6);
        auto out = rm_loss_output(vec(c), vec(r));
        QVERIFY(std::abs(out.loss_sum.item<double>() - (val(losses, 0) + val(losses, 1) + val(losses, 2))) < 1e-6);
        QCOMPARE(out.metrics["accuracy"], 1.0);  // strict: the tie (0.3, 0.3) does not count
        QVERIFY(std::abs(out.metrics["margin"] - ((1.5 - 0.5) + (-0.2 - 0.4) + 0.0)) < 1e-6);
        QVERIFY(std::abs(out.metrics["rewards/chosen"] - 1.6) < 1e-6);
    }

    void kto() {
        const std::vector<double> pi{-4.0, -6.0, -2.5, -8.0}, ref{-4.5, -5.0, -3.0, -7.0};
        const std::vector<bool> good{true, false, true, false};
        const std::vector<double> pi_kl{-9.0, -7.0, -8.0, -6.5}, ref_kl{-9.5, -7.2, -7.9, -6.8};
        const double beta = 0.1, wd = 1.0, wu = 1.33;
        double kl = 0;
        for (int i = 0; i < 4; ++i) kl += (pi_kl[i] - ref_kl[i]) / 4;
        kl = std::max(0.0, kl);
        QVERIFY(kl > 0);
        auto tags = torch::tensor({1, 0, 1, 0}, torch::kLong) == 1;
        auto t = kto_loss(vec(pi), vec(ref), tags, vec(pi_kl), vec(ref_kl), beta, wd, wu);
        QVERIFY(std::abs(t.kl.item<double>() - kl) < 1e-12);
        for (int i = 0; i < 4; ++i) {
            const double lr = pi[i] - ref[i];
            const double expected = good[i] ? wd * (1 - sigmoid(beta * (lr - kl))) : wu * (1 - sigmoid(beta * (kl - lr)));
            QVERIFY(std::abs(val(t.losses, i) - expected) < 1e-12);
        }
        QCOMPARE(t.chosen_rewards.numel(), int64_t(2));
        QVERIFY(std::abs(val(t.rejected_rewards, 1) - beta * (pi[3] - ref[3])) < 1e-12);
        // A negative KL estimate is clamped to 0.
        auto neg = kto_loss(vec(pi), vec(ref), tags, vec(ref_kl), vec(pi_kl), beta, wd, wu);
        QCOMPARE(neg.kl.item<double>(), 0.0);
    }

    // dpo_loss_output: summed log-probs for sigmoid, length-averaged for ipo, pref_ftx on the chosen
    // response's average NLL, TRL's metrics summed over pairs.
    void dpoObjectiveOutput() {
        SequenceLogps policy{vec({-6.0, -9.0, -8.0, -5.0}), vec({3, 4, 2, 5})};  // chosen 0,1; rejected 0,1
        SequenceLogps ref{vec({-6.5, -8.0, -7.0, -6.0}), vec({3, 4, 2, 5})};
        DpoSettings s;
        s.beta = 0.2;
        s.ftx = 0.5;
        auto out = dpo_loss_output(s, policy, &ref);
        double expected = 0, acc = 0, margins = 0;
        for (int i = 0; i < 2; ++i) {
            const double pc = val(policy.sum, i), pr = val(policy.sum, i + 2), rc = val(ref.sum, i), rr = val(ref.sum, i + 2);
            const double z = (pc - pr) - (rc - rr);
            expected += -log_sigmoid(s.beta * z) + s.ftx * -(pc / val(policy.count, i));
            const double cr = s.beta * (pc - rc), rj = s.beta * (pr - rr);
            acc += cr > rj;
            margins += cr - rj;
        }
        QVERIFY(std::abs(out.loss_sum.item<double>() - expected) < 1e-9);
        QCOMPARE(out.metrics["rewards/accuracies"], acc);
        QVERIFY(std::abs(out.metrics["rewards/margins"] - margins) < 1e-9);
        QVERIFY(std::abs(out.metrics["logps/chosen"] - (-15.0)) < 1e-9);
        QVERIFY(std::abs(out.metrics["logps/rejected"] - (-13.0)) < 1e-9);

        s.loss = "ipo";
        s.ftx = 0;
        auto ipo = dpo_loss_output(s, policy, &ref);
        double expected_ipo = 0;
        for (int i = 0; i < 2; ++i) {
            auto avg = [&](const SequenceLogps& l, int row) { return val(l.sum, row) / val(l.count, row); };
            const double z = (avg(policy, i) - avg(policy, i + 2)) - (avg(ref, i) - avg(ref, i + 2));
            expected_ipo += std::pow(z - 1 / (2 * s.beta), 2);
        }
        QVERIFY(std::abs(ipo.loss_sum.item<double>() - expected_ipo) < 1e-9);
        QVERIFY(std::abs(ipo.metrics["logps/chosen"] - (-6.0 / 3 + -9.0 / 4)) < 1e-9);  // averaged, as TRL logs them

        s.loss = "orpo";
        auto orpo = dpo_loss_output(s, policy, nullptr);  // reference-free
        QVERIFY(orpo.metrics.count("odds_ratio_loss") == 1);
        s.loss = "sigmoid";
        QCOMPARE(error_of([&] { dpo_loss_output(s, policy, nullptr); }), std::string("pref_loss: 'sigmoid' needs a reference model"));
        QCOMPARE(error_of([&] { make_dpo_objective(s, nullptr); }), std::string("pref_loss: 'sigmoid' needs a reference model"));
    }

    // Per-row log-probs equal log_softmax of the full logits summed over the shifted labels.
    void sequenceLogpsMatchesFullLogits() {
        auto model = tiny_lm();
        model->eval();
        torch::NoGradGuard g;
        auto ids = torch::tensor({5, 17, 33, 4, 90, 12, 55, 3, 8, 61, 0, 0}, torch::kLong).view({2, 6});
        auto mask = torch::tensor({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, torch::kLong).view({2, 6});
        auto labels = torch::tensor({-100, -100, 33, 4, 90, 12, -100, 3, -100, 61, -100, -100}, torch::kLong).view({2, 6});
        ForwardOptions o;
        o.attention_mask = mask;
        auto hidden = model->hidden_states(ids, o);
        auto lp = sequence_logps(*model, hidden, labels);
        auto full = torch::log_softmax(model->logits(hidden), -1);  // (2, 6, V)
        auto lab = labels.accessor<int64_t, 2>();
        for (int64_t r = 0; r < 2; ++r) {
            double sum = 0, count = 0;
            for (int64_t t = 1; t < 6; ++t)
                if (lab[r][t] != -100) {
                    sum += full[r][t - 1][lab[r][t]].item<double>();
                    ++count;
                }
            QVERIFY(std::abs(lp.sum[r].item<double>() - sum) < 1e-4);
            QCOMPARE(lp.count[r].item<double>(), count);
        }
    }

    // The value head reads the last non-padding token; saved and loaded under TRL's key names.
    void valueHeadScoresLastTokenAndRoundTrips() {
        ValueHead head(32, torch::kCPU, 3);
        auto hidden = torch::randn({2, 5, 32});
        auto mask = torch::tensor({1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, torch::kLong).view({2, 5});
        auto scores = last_token_scores(head, hidden, mask);
        auto manual0 = (hidden[0][2] * head.weight[0]).sum() + head.bias[0];
        auto manual1 = (hidden[1][4] * head.weight[0]).sum() + head.bias[0];
        QVERIFY(std::abs(scores[0].item<double>() - manual0.item<double>()) < 1e-5);
        QVERIFY(std::abs(scores[1].item<double>() - manual1.item<double>()) < 1e-5);

        const std::string dir = fresh_dir("value-head");
        save_value_head(head, dir);
        SafetensorsFile f(dir + "/value_head.safetensors");
        QVERIFY(f.find("v_head.summary.weight") && f.find("v_head.summary.bias"));
        QCOMPARE(f.find("v_head.summary.weight")->shape, (std::vector<int64_t>{1, 32}));
        ValueHead back = load_value_head(dir, 32, torch::kCPU);
        QCOMPARE(max_diff(back.weight, head.weight), 0.0);
        QCOMPARE(max_diff(back.bias, head.bias), 0.0);

        QCOMPARE(error_of([&] { load_value_head(dir, 64, torch::kCPU); }),
                 dir + "/value_head.safetensors: tensor 'v_head.summary.weight' has shape [1, 32], expected [1, 64] "
                       "(was the value head trained on another model?)");
        const std::string empty = fresh_dir("no-value-head");
        QCOMPARE(error_of([&] { load_value_head(empty, 32, torch::kCPU); }),
                 empty + "/value_head.safetensors: not found; a reward model (stage rm) keeps its value head in this file");
    }
};

LATHE_TEST(TestPrefLosses)
#include "test_pref_losses.moc"
