// The CPU block cache (core/util/block_cache.h): inside a scope a freed large block serves the next
// request of its size class; small blocks and blocks freed outside any scope are not kept; the free bytes
// kept stay under the limit; a training run holds a scope for its whole length and gives the blocks back
// when it ends.
#include "tests/registry.h"

#include "core/train/session.h"
#include "core/util/block_cache.h"
#include "tests/core/train/train_fixtures.h"

#include <torch/torch.h>

#include <QtTest>

#include <vector>

using namespace lathe;
using namespace lathe::test;

namespace {

constexpr int64_t kBig = int64_t(10) << 20;  // floats: 40 MiB, above glibc's largest mmap threshold

}  // namespace

class TestBlockCache : public QObject {
    Q_OBJECT

private slots:
    void sizeClassesRoundUpToAnEighth() {
        QCOMPARE(cpu_block_class(100), std::size_t(100));                          // below 1 MiB: exact
        QCOMPARE(cpu_block_class(std::size_t(1) << 20), std::size_t(1) << 20);
        QCOMPARE(cpu_block_class((std::size_t(1) << 20) + 1), std::size_t(9) << 17);  // 1 MiB + 1/8 MiB
        QCOMPARE(cpu_block_class(std::size_t(3) << 19), std::size_t(3) << 19);      // 1.5 MiB is a class
        QCOMPARE(cpu_block_class(40000000), std::size_t(10) << 22);                // 32 MiB steps of 4 MiB
        for (std::size_t n : {std::size_t(1) << 20, std::size_t(5000000), std::size_t(123456789)}) {
            QVERIFY(cpu_block_class(n) >= n);
            QVERIFY(cpu_block_class(n) - n <= n / 8);
        }
    }

    void aFreedBlockServesTheNextRequestOfItsClass() {
        CpuBlockCacheScope scope;
        void* first = nullptr;
        {
            auto t = torch::empty({kBig});
            first = t.data_ptr();
        }
        const CpuBlockCacheStats kept = cpu_block_cache_stats();
        QVERIFY(kept.cached_bytes >= cpu_block_class(kBig * 4));
        auto again = torch::empty({kBig - 1000});  // a little smaller: the same class
        QCOMPARE(again.data_ptr(), first);
        const CpuBlockCacheStats after = cpu_block_cache_stats();
        QCOMPARE(after.hits, kept.hits + 1);
        QCOMPARE(after.cached_bytes, kept.cached_bytes - cpu_block_class(kBig * 4));
        // The block is an ordinary tensor: LibTorch's kernels read and write it.
        again.fill_(2.0f);
        QCOMPARE(again.sum().item<double>(), 2.0 * double(kBig - 1000));
    }

    void everythingGoesBackWhenTheScopeEnds() {
        torch::Tensor outlives;
        {
            CpuBlockCacheScope scope;
            { auto t = torch::empty({kBig}); }
            outlives = torch::empty({kBig / 2});
            QVERIFY(cpu_block_cache_stats().cached_bytes > 0);
        }
        QCOMPARE(cpu_block_cache_stats().cached_bytes, std::size_t(0));
        const std::size_t live = cpu_block_cache_stats().live_bytes;
        QVERIFY(live >= std::size_t(kBig / 2 * 4));
        outlives = torch::Tensor();  // freed after the scope: straight back to the system
        QCOMPARE(cpu_block_cache_stats().cached_bytes, std::size_t(0));
        QCOMPARE(cpu_block_cache_stats().live_bytes, live - cpu_block_class(kBig / 2 * 4));
    }

    void smallBlocksAndBlocksOutsideAScopeAreNotKept() {
        const CpuBlockCacheStats before = cpu_block_cache_stats();
        { auto t = torch::empty({kBig}); }  // no scope
        {
            CpuBlockCacheScope scope;
            { auto t = torch::empty({1000}); }  // 4 KB
            QCOMPARE(cpu_block_cache_stats().cached_bytes, std::size_t(0));
        }
        const CpuBlockCacheStats after = cpu_block_cache_stats();
        QCOMPARE(after.hits, before.hits);
        QCOMPARE(after.misses, before.misses);
        QCOMPARE(after.live_bytes, before.live_bytes);
    }

    void scopesNest() {
        CpuBlockCacheScope outer;
        {
            CpuBlockCacheScope inner;
            { auto t = torch::empty({kBig}); }
        }
        QVERIFY(cpu_block_cache_stats().cached_bytes > 0);  // the outer scope still keeps it
    }

    void theFreeBytesKeptStayUnderTheLimit() {
        const std::size_t limit = cpu_block_cache_limit();
        QVERIFY(limit > 0);
        const int64_t floats = int64_t(limit / 4 / 4);  // blocks of a quarter of the limit, never touched
        CpuBlockCacheScope scope;
        {
            std::vector<torch::Tensor> blocks;
            for (int i = 0; i < 6; ++i) blocks.push_back(torch::empty({floats}));
        }
        const CpuBlockCacheStats s = cpu_block_cache_stats();
        QVERIFY(s.cached_bytes <= limit);
        QVERIFY(s.cached_bytes >= limit / 2);
    }

    void aTrainingRunKeepsBlocksWhileItRuns() {
        const TinyWorld world = make_tiny_world("block_cache");
        TrainConfig c = tiny_run(world, world.root + "/run", "lora");
        c.max_steps = 2;
        bool kept_during_run = false;
        TrainerEvents ev;
        ev.on_progress = [&](int64_t, int64_t, double, double) {
            const std::size_t before = cpu_block_cache_stats().cached_bytes;
            { auto t = torch::empty({kBig}); }
            kept_during_run |= cpu_block_cache_stats().cached_bytes > before;
        };
        const TrainSummary s = run_training(c, ev);
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        QVERIFY(kept_during_run);
        QCOMPARE(cpu_block_cache_stats().cached_bytes, std::size_t(0));
    }
};

LATHE_TEST(TestBlockCache)
#include "test_block_cache.moc"
