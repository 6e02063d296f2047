// bench-blocks: forward + backward of the decoder's non-GEMM blocks (RMSNorm, SwiGLU, RoPE, causal
// attention, the residual add) and of one projection, at one training shape, in milliseconds per call.
// Shows where a training step spends the time that is not in the weight products.
//
//   bench-blocks [--batch 4] [--seq 512] [--hidden 768] [--intermediate 2048] [--heads 12] [--kv-heads 12]
//                [--head-dim 64] [--dtype bf16|f32] [--threads 2] [--repeat 10] [--only NAME-PART]
//                [--block-rows N (attention's query rows per block; 0: automatic)]
#include "core/model/attention_kernel.h"
#include "core/model/fused_ops.h"
#include "core/model/rope.h"
#include "core/util/threads.h"

#include <torch/torch.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

using namespace lathe;

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median-free mean of `repeat` calls after two warm-up calls, in ms.
double time_ms(int repeat, const std::function<void()>& f) {
    f();
    f();
    const double t = now_s();
    for (int i = 0; i < repeat; ++i) f();
    return (now_s() - t) / repeat * 1e3;
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> a{{"batch", "4"},  {"seq", "512"},     {"hidden", "768"},  {"intermediate", "2048"},
                                         {"heads", "12"},  {"kv-heads", "12"}, {"head-dim", "64"}, {"dtype", "bf16"},
                                         {"threads", "2"}, {"repeat", "10"}, {"only", ""}, {"block-rows", "0"}};
    for (int i = 1; i < argc; i += 2) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0 || !a.count(k.substr(2)) || i + 1 >= argc) {
            std::fprintf(stderr, "bench-blocks: unknown option %s\n", argv[i]);
            return 2;
        }
        a[k.substr(2)] = argv[i + 1];
    }
    force_attention_block_rows(std::atoll(a["block-rows"].c_str()));
    const int64_t B = std::atoll(a["batch"].c_str()), T = std::atoll(a["seq"].c_str()),
                  C = std::atoll(a["hidden"].c_str()), I = std::atoll(a["intermediate"].c_str()),
                  H = std::atoll(a["heads"].c_str()), KV = std::atoll(a["kv-heads"].c_str()),
                  D = std::atoll(a["head-dim"].c_str());
    const int repeat = std::atoi(a["repeat"].c_str());
    const auto dtype = a["dtype"] == "f32" ? torch::kFloat : torch::kBFloat16;
    // As a training run plans them: bf16 products on LibTorch's pool, float32 ones on OpenBLAS's.
    const ThreadPlan plan = apply_threads(std::atoi(a["threads"].c_str()),
                                          dtype == torch::kFloat ? MatmulPool::Blas : MatmulPool::IntraOp);
    auto leaf = [&](std::vector<int64_t> shape) { return torch::randn(shape).to(dtype).requires_grad_(); };

    auto x = leaf({B, T, C});
    auto norm_w = torch::ones({C}, torch::TensorOptions().dtype(dtype)).requires_grad_();
    auto gate = leaf({B, T, I}), up = leaf({B, T, I});
    auto q = leaf({B, H, T, D}), k = leaf({B, KV, T, D}), v = leaf({B, KV, T, D});
    auto inv = torch::pow(10000.0, -torch::arange(0, D, 2, torch::kFloat) / double(D));
    auto freqs = torch::outer(torch::arange(T, torch::kFloat), inv);
    auto emb = torch::cat({freqs, freqs}, -1);
    auto cos = emb.cos().to(dtype), sin = emb.sin().to(dtype);
    auto w = torch::randn({C, C}).to(dtype);
    const double scale = 1.0 / std::sqrt(double(D));

    auto fwd_bwd = [](const torch::Tensor& y) { y.backward(torch::ones_like(y)); };
    struct Row {
        const char* name;
        std::function<torch::Tensor()> f;
    };
    std::vector<Row> rows = {
        {"rms_norm (B,T,hidden)", [&] { return rms_norm(x, norm_w, 1e-5); }},
        {"swiglu (B,T,intermediate)", [&] { return swiglu(gate, up); }},
        {"rope q (B,H,T,hd)", [&] { return apply_rope(q, cos, sin); }},
        {"causal attention", [&] { return causal_attention(q, k, v, torch::Tensor(), scale); }},
        {"residual add (B,T,hidden)", [&] { return x + x; }},
        {"projection hidden->hidden, frozen", [&] { return torch::matmul(x, w.t()); }},
    };
    std::printf("threads: %s\n", plan.why.c_str());
    std::printf("shape B %lld T %lld hidden %lld intermediate %lld heads %lld/%lld hd %lld, %s, %s threads\n",
                (long long)B, (long long)T, (long long)C, (long long)I, (long long)H, (long long)KV, (long long)D,
                a["dtype"].c_str(), a["threads"].c_str());
    std::printf("| block | forward (ms) | forward + backward (ms) |\n|---|---:|---:|\n");
    for (const auto& r : rows) {
        if (!a["only"].empty() && std::string(r.name).find(a["only"]) == std::string::npos) continue;
        double f;
        {
            torch::NoGradGuard no_grad;
            f = time_ms(repeat, [&] { r.f(); });
        }
        const double fb = time_ms(repeat, [&] { fwd_bwd(r.f()); });
        // LATHE_BENCH_PROFILE=FILE: LibTorch's operator trace of one more forward + backward.
        if (const char* path = std::getenv("LATHE_BENCH_PROFILE")) {
            torch::autograd::profiler::RecordProfile profile(path);
            fwd_bwd(r.f());
        }
        std::printf("| %s | %.2f | %.2f |\n", r.name, f, fb);
    }
    return 0;
}
