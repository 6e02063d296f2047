// How many CPU threads the engine uses, and in which pool. A LibTorch process on the CPU has two pools
// that know nothing of each other: LibTorch's intra-op pool (OpenMP: elementwise ops, reductions, softmax,
// bf16 matrix products) and, on Debian's LibTorch, OpenBLAS's own pthread pool (the float32 matrix
// products). OpenMP's idle threads spin after every parallel region unless OMP_WAIT_POLICY is passive;
// with both pools sized to the core count a run then has twice as many busy threads as cores, and two
// threads run slower than one (docs/benchmarks.md, "Threads").
//
// The policy (plan_threads) is a pure function of the request and the machine, tested on its own;
// apply_threads() sets both pools from it and is what every entry point calls (through set_threads).
#pragma once
#include "core/util/error.h"

#include <string>

namespace lathe {

// Where the run's matrix products go: float32 ones to BLAS, bf16 ones (autocast, bf16 weights) to
// LibTorch's own kernels on the intra-op pool.
enum class MatmulPool { Blas, IntraOp };

struct ThreadRequest {
    int requested = 0;                      // the `threads` setting: 0 = one per core, N = N
    int cores = 1;                          // CPUs this process may run on
    bool separate_blas_pool = false;        // a BLAS with its own thread pool is loaded (OpenBLAS pthreads)
    bool openmp_passive = false;            // OpenMP's idle threads sleep instead of spinning
    MatmulPool matmuls = MatmulPool::Blas;  // where the run's matrix products run
};

struct ThreadPlan {
    int intra_op = 1;  // LibTorch's intra-op (OpenMP) threads
    int blas = 0;      // OpenBLAS threads; 0 when there is no separate BLAS pool to set
    Problem why;       // for the run log: "2 threads: LibTorch and OpenBLAS take turns (OpenMP waits passively)"
};

// The plan for `r`: never more threads busy at once than `requested` (cores when 0).
//   - no separate BLAS pool: all of them in LibTorch's pool;
//   - OpenMP waits passively: both pools get all of them (they take turns: one sleeps while the other works);
//   - OpenMP spins: the pool that does the matrix products gets all of them, the other one thread.
ThreadPlan plan_threads(const ThreadRequest& r);

// "1 thread" / "N threads" as a note (the run log's device line and the thread plan).
Problem thread_count_note(int n);

// CPUs this process may run on (its affinity mask; hardware_concurrency when that is unknown).
int available_cores();

// Plans for `requested` threads on this machine (its cores, its BLAS, OMP_WAIT_POLICY), sets both pools
// and returns the plan; current_thread_plan() returns the last one applied.
ThreadPlan apply_threads(int requested, MatmulPool matmuls = MatmulPool::Blas);
ThreadPlan current_thread_plan();

// OpenBLAS's thread count, or 0 when no OpenBLAS with its own pool is loaded (another BLAS, MKL, a
// CUDA-only build): looked up at run time, so nothing links against OpenBLAS directly.
int blas_threads();

// For entry points (lathe, lathe-cli), first thing in main: when OMP_WAIT_POLICY is not set, sets it to
// PASSIVE and re-executes the program with the same arguments, since OpenMP reads it only when it starts.
// Returns (doing nothing) when it is set, when LATHE_KEEP_OMP_WAIT_POLICY is set, or when exec fails.
void prefer_passive_openmp(char** argv);

}  // namespace lathe
