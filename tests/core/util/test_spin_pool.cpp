// The decode kernels' thread pool (core/util/spin_pool.h): every index runs exactly once, whatever the
// range, grain and thread count; callers on several threads at once, calls from inside a chunk and
// workers that went to sleep all complete.
#include "tests/registry.h"

#include "core/util/spin_pool.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <QtTest>

using namespace lathe;

namespace {

// Runs [0, n) through the pool and checks that each index was visited once.
bool covers_once(int64_t n, int64_t grain, int threads) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    for (auto& h : hits) h.store(0);
    std::atomic<bool> ordered{true};
    spin_pool_for(n, grain, threads, [&](int64_t b, int64_t e) {
        if (b > e || b < 0 || e > n) ordered = false;
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
    });
    for (auto& h : hits)
        if (h.load() != 1) return false;
    return ordered.load();
}

}  // namespace

class TestSpinPool : public QObject {
    Q_OBJECT
private slots:
    void everyIndexRunsOnce() {
        for (int threads : {1, 2, 3, 4})
            for (int64_t n : {0, 1, 2, 7, 64, 1000, 4097})
                for (int64_t grain : {1, 3, 64, 5000})
                    QVERIFY2(covers_once(n, grain, threads),
                             qPrintable(QString("n %1 grain %2 threads %3").arg(n).arg(grain).arg(threads)));
        QVERIFY(spin_pool_workers() >= 1);  // more than one thread asked for: workers started
    }

    void chunksRunOnTheWorkersToo() {
        // Two chunks: the first one waits (up to 10 s, for a loaded machine) until the other has run. Only
        // a second thread can run it, so two threads must have taken part.
        std::atomic<int> finished{0};
        std::mutex m;
        std::set<std::thread::id> ran_on;
        spin_pool_for(2, 1, 2, [&](int64_t b, int64_t) {
            {
                std::lock_guard<std::mutex> lock(m);
                ran_on.insert(std::this_thread::get_id());
            }
            if (b == 0)
                for (int k = 0; k < 100000 && finished.load() == 0; ++k) std::this_thread::sleep_for(std::chrono::microseconds(100));
            ++finished;
        });
        QCOMPARE(finished.load(), 2);
        QCOMPARE(int(ran_on.size()), 2);
    }

    void sleepingWorkersWakeUp() {
        set_spin_pool_spin_us(0);  // workers sleep as soon as a job is done
        for (int round = 0; round < 200; ++round) {
            QVERIFY(covers_once(257, 16, 2));
            if (round % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        set_spin_pool_spin_us(1000);
    }

    // A job that asks for it leaves the workers asleep at once; any other job leaves them spinning for the
    // time set (10 s here, so that they cannot have fallen asleep by themselves).
    void workersSleepAfterAJobThatAsks() {
        set_spin_pool_spin_us(10'000'000);
        auto settle = [](int want) {
            for (int k = 0; k < 2000 && spin_pool_sleepers() != want; ++k) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return spin_pool_sleepers();
        };
        std::atomic<int64_t> sum{0};
        spin_pool_for(64, 1, 2, [&](int64_t b, int64_t e) { sum += e - b; });
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        QCOMPARE(spin_pool_sleepers(), 0);  // spinning
        spin_pool_for(64, 1, 2, [&](int64_t b, int64_t e) { sum += e - b; }, /*then_sleep=*/true);
        QCOMPARE(settle(spin_pool_workers()), spin_pool_workers());
        QVERIFY(spin_pool_workers() >= 1);
        spin_pool_for(64, 1, 2, [&](int64_t b, int64_t e) { sum += e - b; });  // wakes them; they spin again
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        QCOMPARE(spin_pool_sleepers(), 0);
        QCOMPARE(sum.load(), int64_t(192));
        set_spin_pool_spin_us(1000);
        // Not left spinning for 10 s into the next tests.
        spin_pool_for(64, 1, 2, [&](int64_t b, int64_t e) { sum += e - b; }, /*then_sleep=*/true);
    }

    void callersOnSeveralThreadsAndNestedCalls() {
        std::atomic<bool> ok{true};
        std::vector<std::thread> callers;
        for (int t = 0; t < 3; ++t)
            callers.emplace_back([&] {
                for (int round = 0; round < 300; ++round)
                    if (!covers_once(333, 8, 2)) ok = false;
            });
        // A chunk that calls the pool again runs that call itself.
        std::atomic<int64_t> inner{0};
        spin_pool_for(8, 1, 2, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; ++i)
                spin_pool_for(10, 1, 2, [&](int64_t ib, int64_t ie) { inner += ie - ib; });
        });
        for (auto& c : callers) c.join();
        QVERIFY(ok.load());
        QCOMPARE(inner.load(), int64_t(80));
    }
};

LATHE_TEST(TestSpinPool)
#include "test_spin_pool.moc"
