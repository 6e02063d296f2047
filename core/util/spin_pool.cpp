#include "core/util/spin_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LATHE_PAUSE() _mm_pause()
#else
#define LATHE_PAUSE() std::this_thread::yield()
#endif

namespace lathe {

namespace {

thread_local bool t_in_chunk = false;

// One job at a time. Its fields are written before `generation` is published (release) and read by a
// worker after it sees that generation (acquire). A worker claims chunk i of generation g by a CAS on
// `claim`, which packs (g, parts, i) in one word: the CAS succeeds only while job g still has chunk i
// unclaimed, so the job is still running and its fields are still g's. A worker that woke late for a
// finished job fails the check or the CAS and never runs a chunk of a job that is no longer there.
class SpinPool {
public:
    SpinPool() {
        const char* env = std::getenv("LATHE_SPIN_US");
        if (env) spin_us_.store(std::max<int64_t>(0, std::atoll(env)));
    }

    void run(int64_t n, int64_t grain, int threads, void (*fn)(void*, int64_t, int64_t), void* ctx, bool then_sleep) {
        if (n <= 0) return;
        grain = std::max<int64_t>(1, grain);
        const int64_t by_grain = (n + grain - 1) / grain;
        const int want = static_cast<int>(std::min<int64_t>(std::max(1, threads), by_grain));
        std::unique_lock<std::mutex> submit(submit_, std::try_to_lock);
        if (want <= 1 || t_in_chunk || !submit.owns_lock()) {
            fn(ctx, 0, n);
            return;
        }
        start_workers(want - 1);
        // Up to four chunks a thread, so that a thread the VM descheduled for a moment leaves its share
        // to the others; each chunk stays at least `grain` long.
        const int64_t parts = std::min<int64_t>({by_grain, int64_t(want) * 4, kMaxParts});
        fn_.store(fn, std::memory_order_relaxed);
        ctx_.store(ctx, std::memory_order_relaxed);
        n_.store(n, std::memory_order_relaxed);
        participants_.store(want - 1, std::memory_order_relaxed);
        sleep_after_.store(then_sleep, std::memory_order_relaxed);
        done_.store(0, std::memory_order_relaxed);
        const uint64_t g = (generation_.load(std::memory_order_relaxed) + 1) & 0xffffffffu;
        claim_.store(pack(g, parts, 0), std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lock(sleep_mutex_);  // no lost wake-up for a worker about to sleep
            generation_.store(g, std::memory_order_release);
        }
        if (sleepers_.load(std::memory_order_acquire) > 0) wake_.notify_all();
        work(g);
        while (done_.load(std::memory_order_acquire) < parts) LATHE_PAUSE();
    }

    void set_spin_us(int64_t us) { spin_us_.store(std::max<int64_t>(0, us)); }
    int sleepers() { return sleepers_.load(std::memory_order_acquire); }
    int workers() {
        std::lock_guard<std::mutex> lock(start_mutex_);
        return static_cast<int>(threads_.size());
    }

private:
    static constexpr int64_t kMaxParts = 0xffff;
    static uint64_t pack(uint64_t g, int64_t parts, int64_t next) {
        return (g << 32) | (uint64_t(parts) << 16) | uint64_t(next);
    }

    // Claims and runs chunks of generation g until none is left (or g is over).
    void work(uint64_t g) {
        for (;;) {
            uint64_t c = claim_.load(std::memory_order_acquire);
            if ((c >> 32) != g) return;
            const int64_t parts = static_cast<int64_t>((c >> 16) & 0xffff), i = static_cast<int64_t>(c & 0xffff);
            if (i >= parts) return;
            if (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) continue;
            // The CAS succeeded: job g still had chunk i unclaimed, so it still runs and these fields are g's.
            const int64_t n = n_.load(std::memory_order_relaxed);
            const int64_t begin = n * i / parts, end = n * (i + 1) / parts;
            t_in_chunk = true;
            fn_.load(std::memory_order_relaxed)(ctx_.load(std::memory_order_relaxed), begin, end);
            t_in_chunk = false;
            done_.fetch_add(1, std::memory_order_release);
        }
    }

    void start_workers(int count) {
        std::lock_guard<std::mutex> lock(start_mutex_);
        while (static_cast<int>(threads_.size()) < count) {
            const int index = static_cast<int>(threads_.size());
            // The generation before the job about to be published: a worker that the system starts late
            // still joins that job (reading the generation at its own start would skip it).
            const uint64_t before = generation_.load(std::memory_order_relaxed);
            threads_.emplace_back([this, index, before] { worker(index, before); });
            threads_.back().detach();  // the pool lives as long as the process
        }
    }

    void worker(int index, uint64_t seen) {
        for (;;) {
            const auto t0 = std::chrono::steady_clock::now();
            // After a job that asked for it (a prompt's product, which other thread pools follow), no spinning.
            const auto spin = std::chrono::microseconds(
                sleep_after_.load(std::memory_order_relaxed) ? 0 : spin_us_.load(std::memory_order_relaxed));
            uint64_t g = generation_.load(std::memory_order_acquire);
            for (int k = 0; g == seen; ++k) {
                if ((k & 255) == 0 && std::chrono::steady_clock::now() - t0 >= spin) break;
                LATHE_PAUSE();
                g = generation_.load(std::memory_order_acquire);
            }
            if (g == seen) {
                std::unique_lock<std::mutex> lock(sleep_mutex_);
                sleepers_.fetch_add(1, std::memory_order_acq_rel);
                wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
                sleepers_.fetch_sub(1, std::memory_order_acq_rel);
                g = generation_.load(std::memory_order_acquire);
            }
            seen = g;
            if (index < participants_.load(std::memory_order_relaxed)) work(g);
        }
    }

    std::mutex submit_, start_mutex_, sleep_mutex_;
    std::condition_variable wake_;
    std::vector<std::thread> threads_;
    std::atomic<uint64_t> generation_{0}, claim_{0};
    std::atomic<int64_t> done_{0}, spin_us_{1000};
    std::atomic<int> sleepers_{0}, participants_{0};
    std::atomic<bool> sleep_after_{false};
    // The job of the current generation (atomics: a late worker may read them while the next is written;
    // it then fails its claim and uses nothing it read).
    std::atomic<void (*)(void*, int64_t, int64_t)> fn_{nullptr};
    std::atomic<void*> ctx_{nullptr};
    std::atomic<int64_t> n_{0};
};

SpinPool& pool() {
    static SpinPool* p = new SpinPool;  // never destroyed: detached workers may still be spinning at exit
    return *p;
}

}  // namespace

void spin_pool_run(int64_t n, int64_t grain, int threads, void (*fn)(void*, int64_t, int64_t), void* ctx,
                   bool then_sleep) {
    pool().run(n, grain, threads, fn, ctx, then_sleep);
}

void set_spin_pool_spin_us(int64_t us) { pool().set_spin_us(us); }

int spin_pool_workers() { return pool().workers(); }

int spin_pool_sleepers() { return pool().sleepers(); }

}  // namespace lathe
