// A small pool of threads for the decode kernels (core/infer/gemv.h) that stays awake between calls.
//
// Decoding one token runs about five matrix-vector products per layer, 50-500 us each. Handing each to
// OpenMP costs a wake-up of its sleeping thread every time (Lathe runs OpenMP passive, see threads.h,
// so that training's two thread pools never spin against each other): about 100 us on this VM, more
// than some of the products take. These workers instead spin for a while after each job (a
// millisecond by default) and sleep only when no work came. Nothing here is used by training.
//
// No LibTorch in this header.
#pragma once
#include <cstdint>

namespace lathe {

// Runs fn(ctx, begin, end) over [0, n) cut into contiguous chunks of at least `grain`, spread over
// `threads` threads (the caller is one of them). Returns when every chunk has run. A call made while
// another thread's call runs, or from inside a chunk, runs its whole range on the calling thread.
// With `then_sleep`, the workers sleep as soon as this job is done instead of spinning: for a long job
// that other thread pools follow (a prompt's products, then attention on ATen's threads), whose spinning
// would take their cores (on two cores, a 512-token bf16 prompt ran about 10% slower with spinning workers).
void spin_pool_run(int64_t n, int64_t grain, int threads, void (*fn)(void* ctx, int64_t begin, int64_t end), void* ctx,
                   bool then_sleep = false);

// The same with a callable: f(begin, end).
template <class F>
void spin_pool_for(int64_t n, int64_t grain, int threads, const F& f, bool then_sleep = false) {
    spin_pool_run(
        n, grain, threads, [](void* c, int64_t b, int64_t e) { (*static_cast<const F*>(c))(b, e); },
        const_cast<void*>(static_cast<const void*>(&f)), then_sleep);
}

// How long an idle worker spins before it sleeps, in microseconds (default 1000; LATHE_SPIN_US in the
// environment sets it at start; 0 makes workers sleep at once, as passive OpenMP).
void set_spin_pool_spin_us(int64_t us);

// Workers started so far (they start on first use, one fewer than the threads asked for).
int spin_pool_workers();
// Workers asleep now (waiting for a job without spinning).
int spin_pool_sleepers();

}  // namespace lathe
