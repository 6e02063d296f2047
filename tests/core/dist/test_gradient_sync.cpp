// Gradient sums that start during the backward (core/dist/gradient_sync.h), on a real Gloo process group
// whose ranks are threads of this process: the sums equal the all-at-once ones, buckets start before the
// backward returns, tensors only some ranks reached and tensors whose gradient arrives in parts come out
// right.
#include "core/dist/collective.h"
#include "core/dist/gradient_sync.h"
#include "tests/core/dist/thread_ranks.h"
#include "tests/registry.h"

#include <QtTest>
#include <torch/torch.h>

#include <functional>
#include <thread>

using namespace lathe;

namespace {

// Four leaf tensors (a "model"), the same on every rank (no random numbers: the ranks are threads sharing
// one generator).
std::vector<torch::Tensor> sync_params() {
    std::vector<torch::Tensor> p;
    for (int64_t n : {5, 300, 7, 64}) p.push_back(torch::sin(torch::arange(n, torch::kFloat) * 0.37f).requires_grad_(true));
    return p;
}

// Rank r's loss over the tensors it uses: a chain, so the backward reaches them last to first.
torch::Tensor sync_loss(const std::vector<torch::Tensor>& p, int rank, const std::vector<int>& used) {
    torch::Tensor total = torch::zeros({});
    for (int i : used) total = total + (p[static_cast<size_t>(i)] * float(rank + 1 + i)).pow(2).sum();
    return total;
}

}  // namespace

class TestGradientSync : public QObject {
    Q_OBJECT

private slots:
    void sumsEqualTheWholeSumAndStartDuringTheBackward() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        const int world = 2;
        std::vector<std::vector<torch::Tensor>> overlapped(world), whole(world);
        std::vector<int> early(world), buckets(world);
        test::on_thread_ranks(world, [&](Collective& c) {
            const int r = c.rank();
            // Rank 0 leaves tensors 1 and 2 out (experts no token reached); rank 1 uses all four.
            const std::vector<int> used = r == 0 ? std::vector<int>{0, 3} : std::vector<int>{0, 1, 2, 3};
            auto a = sync_params();
            GradientSync sync(c, a, 0);  // one tensor per bucket
            buckets[size_t(r)] = sync.buckets();
            sync.arm();
            sync_loss(a, r, used).backward();
            early[size_t(r)] = sync.finish();
            auto b = sync_params();
            sync_loss(b, r, used).backward();
            sum_gradients(c, b);
            for (auto& t : a) overlapped[size_t(r)].push_back(t.grad().defined() ? t.grad().clone() : torch::Tensor());
            for (auto& t : b) whole[size_t(r)].push_back(t.grad().defined() ? t.grad().clone() : torch::Tensor());
        });
        for (int r = 0; r < world; ++r) {
            QCOMPARE(buckets[size_t(r)], 4);
            for (size_t i = 0; i < 4; ++i) {
                QCOMPARE(overlapped[size_t(r)][i].defined(), whole[size_t(r)][i].defined());
                if (whole[size_t(r)][i].defined())
                    QVERIFY2(torch::equal(overlapped[size_t(r)][i], whole[size_t(r)][i]),
                             qPrintable(QString("rank %1 tensor %2: %3 against %4")
                                            .arg(r)
                                            .arg(i)
                                            .arg(overlapped[size_t(r)][i].sum().item<double>())
                                            .arg(whole[size_t(r)][i].sum().item<double>())));
            }
        }
        // Tensor 3 is reached first: its bucket starts before the backward ends on both ranks; on rank 0
        // tensor 2's is held back (no gradient there) and with it the ones after it, until finish().
        QCOMPARE(early[0], 1);
        QCOMPARE(early[1], 4);
        // Everything reached on rank 1 and by rank 0 through the sum: tensor 2 has rank 1's gradient alone.
        QVERIFY(overlapped[0][2].defined());
        QVERIFY(torch::equal(overlapped[0][2], overlapped[1][2]));
    }

    void aGradientInPartsIsSummedWholeAndThenWaitsForTheEnd() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        // Tensor 3 gets its gradient in two backward passes of the window's last micro-batch (as the chunked
        // output head does): the first step sums again whole; the next ones keep it for the end.
        const int world = 2;
        std::vector<int> early_second(world);
        std::vector<std::string> mismatches(world);
        test::on_thread_ranks(world, [&](Collective& c) {
            const int r = c.rank();
            auto a = sync_params(), b = sync_params();
            GradientSync sync(c, a, 0);
            for (int step = 0; step < 2; ++step) {
                for (auto& t : a) t.mutable_grad() = torch::Tensor();
                for (auto& t : b) t.mutable_grad() = torch::Tensor();
                sync.arm();
                sync_loss(a, r, {3}).backward();
                sync_loss(a, r, {0, 1, 2, 3}).backward();
                const int early = sync.finish();
                if (step == 1) early_second[size_t(r)] = early;
                sync_loss(b, r, {3}).backward();
                sync_loss(b, r, {0, 1, 2, 3}).backward();
                sum_gradients(c, b);
                for (size_t i = 0; i < 4; ++i)
                    if (!torch::equal(a[i].grad(), b[i].grad()))
                        mismatches[size_t(r)] += " step " + std::to_string(step) + " tensor " + std::to_string(i);
            }
        });
        for (int r = 0; r < world; ++r) QVERIFY2(mismatches[size_t(r)].empty(), mismatches[size_t(r)].c_str());
        // On the second step tensor 3 waits for finish() in a bucket of its own at the end, so the other three
        // start during the backward.
        for (int r = 0; r < world; ++r) QCOMPARE(early_second[size_t(r)], 3);
    }

    void finishWithoutAnArmedBackwardSumsWhatThereIs() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        // finish() after a backward nobody armed (or none at all) still sums every gradient, after an armed
        // step too: nothing left over from the step before.
        std::vector<std::string> mismatches(2);
        test::on_thread_ranks(2, [&](Collective& c) {
            const int r = c.rank();
            auto a = sync_params(), b = sync_params();
            GradientSync sync(c, a, 0);
            sync.arm();
            sync_loss(a, r, {0, 1, 2, 3}).backward();
            sync.finish();
            for (auto& t : a) t.mutable_grad() = torch::Tensor();
            sync_loss(a, r, {1, 3}).backward();
            const int early = sync.finish();
            sync_loss(b, r, {1, 3}).backward();
            sum_gradients(c, b);
            if (early != 0) mismatches[size_t(r)] += " started early: " + std::to_string(early);
            for (size_t i = 0; i < 4; ++i)
                if (a[i].grad().defined() != b[i].grad().defined() ||
                    (b[i].grad().defined() && !torch::equal(a[i].grad(), b[i].grad())))
                    mismatches[size_t(r)] += " tensor " + std::to_string(i);
        });
        for (const auto& m : mismatches) QVERIFY2(m.empty(), m.c_str());
    }
};

LATHE_TEST(TestGradientSync)
#include "test_gradient_sync.moc"
