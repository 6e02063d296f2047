#include "core/util/threads.h"

#include "core/util/messages.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <dlfcn.h>
#include <sched.h>
#include <unistd.h>

namespace lathe {

namespace {

// OpenBLAS's run-time interface (cblas.h): looked up, not linked, so another BLAS builds and runs.
using SetThreads = void (*)(int);
using GetInt = int (*)();

struct OpenBlas {
    SetThreads set = nullptr;
    GetInt get = nullptr;
    GetInt parallel = nullptr;  // 0 sequential, 1 pthreads, 2 OpenMP

    static const OpenBlas& find() {
        static const OpenBlas b = [] {
            OpenBlas o;
            o.set = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
            o.get = reinterpret_cast<GetInt>(::dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
            o.parallel = reinterpret_cast<GetInt>(::dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
            return o;
        }();
        return b;
    }
    // A pool of its own: a pthreads build (an OpenMP build shares LibTorch's OpenMP pool).
    bool separate_pool() const { return set && get && parallel && parallel() == 1; }
};

bool env_says_passive() {
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    if (policy) {
        std::string p = policy;
        std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
        if (p == "passive") return true;
    }
    const char* spin = std::getenv("GOMP_SPINCOUNT");
    return spin && std::string(spin) == "0";
}

std::mutex g_mutex;
ThreadPlan g_plan;

}  // namespace

Problem thread_count_note(int n) { return n == 1 ? note("thread_one") : note("threads_count", {std::to_string(n)}); }

ThreadPlan plan_threads(const ThreadRequest& r) {
    const int n = std::max(1, r.requested > 0 ? r.requested : r.cores);
    const Problem count = thread_count_note(n);
    ThreadPlan p;
    if (!r.separate_blas_pool) {
        p.intra_op = n;
        p.why = count;
    } else if (n == 1) {
        p.intra_op = p.blas = 1;
        p.why = count;
    } else if (r.openmp_passive) {
        p.intra_op = p.blas = n;
        p.why = composed("threads_take_turns", {count});
    } else if (r.matmuls == MatmulPool::Blas) {
        p.intra_op = 1;
        p.blas = n;
        p.why = composed("threads_blas_spins", {count});
    } else {
        p.intra_op = n;
        p.blas = 1;
        p.why = composed("threads_torch_spins", {count});
    }
    return p;
}

int available_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int blas_threads() {
    const OpenBlas& b = OpenBlas::find();
    return b.separate_pool() ? b.get() : 0;
}

ThreadPlan apply_threads(int requested, MatmulPool matmuls) {
    const OpenBlas& blas = OpenBlas::find();
    ThreadRequest r;
    r.requested = requested;
    r.cores = available_cores();
    r.separate_blas_pool = blas.separate_pool();
    r.openmp_passive = env_says_passive();
    r.matmuls = matmuls;
    ThreadPlan p = plan_threads(r);
    std::lock_guard<std::mutex> lock(g_mutex);
    if (torch::get_num_threads() != p.intra_op) torch::set_num_threads(p.intra_op);
    if (p.blas > 0 && blas.get() != p.blas) blas.set(p.blas);
    g_plan = p;
    return p;
}

ThreadPlan current_thread_plan() {
    std::lock_guard<std::mutex> lock(g_mutex);
    return g_plan;
}

void prefer_passive_openmp(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("LATHE_KEEP_OMP_WAIT_POLICY")) return;
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::setenv("LATHE_KEEP_OMP_WAIT_POLICY", "1", 1);  // never loop, whatever exec does
    // The program's own path, not /proc/self/exe, so that ps and top name the process after it ("exe" else).
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        ::execv(self, argv);
    }
    ::execv("/proc/self/exe", argv);
    // exec failed (no /proc): carry on; OpenMP already started with its default, apply_threads sees the
    // variable set but OpenMP spins, so undo it to keep the plan truthful.
    ::unsetenv("OMP_WAIT_POLICY");
}

}  // namespace lathe
