// bench-gemv: the decode kernels of core/infer/gemv.h against LibTorch on one weight shape, and the
// memory bandwidth they reach. One JSON line per kernel.
//
//   bench-gemv [--out 4864] [--in 896] [--rows 1] [--threads 2] [--repeat 200] [--isa amx|avx512-bf16|avx512|avx2|portable]
#include "core/infer/gemv.h"
#include "core/infer/inference_weights.h"
#include "core/util/threads.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <sys/mman.h>
#include <iostream>

using namespace lathe;

int main(int argc, char** argv) {
    int64_t out = 4864, in = 896, rows = 1, repeat = 200;
    int threads = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--isa") {
            if (!kernels::limit_kernel_isa(argv[i + 1])) {
                std::cerr << "bench-gemv: --isa takes amx, avx512-bf16, avx512, avx2 or portable\n";
                return 2;
            }
            continue;
        }
        const int64_t v = std::stoll(argv[i + 1]);
        if (k == "--out") out = v;
        else if (k == "--in") in = v;
        else if (k == "--rows") rows = v;
        else if (k == "--threads") threads = static_cast<int>(v);
        else if (k == "--repeat") repeat = v;
    }
    prefer_passive_openmp(argv);
    const ThreadPlan plan = apply_threads(threads);
    std::cerr << "threads: " << plan.why.message << "; intra-op " << at::get_num_threads() << "\n";
    c10::InferenceMode guard;
    auto w = torch::randn({out, in}) * 0.02;
    if (std::getenv("HUGE")) {
        const size_t bytes = (size_t(out * in) * 4 + (2 << 20) - 1) / (2 << 20) * (2 << 20);
        void* p = std::aligned_alloc(2 << 20, bytes);
        madvise(p, bytes, MADV_HUGEPAGE);
        auto h = torch::from_blob(p, {out, in}, [](void* q) { std::free(q); }, torch::kFloat);
        h.copy_(w);
        w = h;
    }
    auto x = torch::randn({rows, in});
    auto time = [&](const char* name, int64_t bytes, const std::function<torch::Tensor()>& f) {
        f();
        const auto t0 = std::chrono::steady_clock::now();
        torch::Tensor y;
        for (int64_t r = 0; r < repeat; ++r) y = f();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / repeat;
        nlohmann::json j = {{"kernel", name}, {"out", out}, {"in", in}, {"rows", rows}, {"threads", threads},
                            {"us", s * 1e6}, {"GB_per_s", bytes / s / 1e9}};
        std::cout << j.dump() << std::endl;
        return y;
    };
    auto ref = time("torch.matmul f32", out * in * 4, [&] { return torch::matmul(x, w.t()); });
    auto f32 = time("lathe f32", out * in * 4, [&] { return dense_linear(x, w); });
    {
        const auto wb = w.to(torch::kBFloat16), xb = x.to(torch::kBFloat16);
        time("torch.matmul bf16", out * in * 2, [&] { return torch::matmul(xb, wb.t()); });
    }
    auto bf = PackedWeight::pack(w, WeightFormat::BF16);
    auto b16 = time("lathe bf16", bf->bytes(), [&] { return bf->forward(x, {}); });
    auto q8 = PackedWeight::pack(w, WeightFormat::Int8);
    auto i8 = time("lathe int8", q8->bytes(), [&] { return q8->forward(x, {}); });
    std::cerr << "max |f32-ref| " << (f32 - ref).abs().max().item<float>() << " |bf16-ref| "
              << (b16 - ref).abs().max().item<float>() << " |int8-ref| " << (i8 - ref).abs().max().item<float>()
              << " ref scale " << ref.abs().max().item<float>() << " isa " << kernels::kernel_isa() << "\n";
}
