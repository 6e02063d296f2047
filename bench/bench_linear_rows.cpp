// Why decoding goes through dense_linear: torch's linear (OpenBLAS sgemm) against torch::mv for one
// row, on the projection shapes of the 110m preset and its 32000-word output layer.
// Usage: bench-linear-rows [THREADS]   (default 1)
#include "core/model/linear.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace {

template <class F>
double micros(F f) {
    for (int k = 0; k < 5; ++k) f();
    const int n = 200;
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < n; ++k) f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / n * 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    torch::set_num_threads(argc > 1 ? std::atoi(argv[1]) : 1);
    std::printf("| weight (out x in) | torch linear, 1 row (us) | dense_linear (mv) (us) | speed-up |\n");
    std::printf("| --- | ---: | ---: | ---: |\n");
    for (auto [out, in] : std::vector<std::pair<int64_t, int64_t>>{{768, 768}, {2048, 768}, {768, 2048}, {32000, 768}}) {
        auto w = torch::randn({out, in});
        auto x = torch::randn({1, 1, in});
        const double a = micros([&] { return torch::nn::functional::linear(x, w); });
        const double b = micros([&] { return lathe::dense_linear(x, w); });
        std::printf("| %lld x %lld | %.1f | %.1f | %.1fx |\n", (long long)out, (long long)in, a, b, a / b);
    }
    return 0;
}
