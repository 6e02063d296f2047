// bench-blocks: forward + backward of the decoder's non-GEMM blocks (RMSNorm, SwiGLU, RoPE, causal
// attention, the residual add) and of one projection, at one training shape, in milliseconds per call (the median of --repeat calls).
// Shows where a training step spends the time that is not in the weight products.
//
//   bench-blocks [--batch 4] [--seq 512] [--hidden 768] [--intermediate 2048] [--heads 12] [--kv-heads 12]
//                [--head-dim 64] [--dtype bf16|f32] [--threads 2] [--repeat 10] [--only NAME-PART]
//                [--block-rows N (attention's query rows per block; 0: automatic)]
// --only grouped, --only dora and --only attention-rows alternate variants call by call (see below).
#include "core/model/attention_kernel.h"
#include "core/model/fused_ops.h"
#include "core/model/linear.h"
#include "core/peft/lora_layer.h"
#include "core/model/rope.h"
#include "core/util/autocast.h"
#include "core/util/block_cache.h"
#include "core/util/threads.h"

#include <torch/torch.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace lathe;

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median-free mean of `repeat` calls after two warm-up calls, in ms.
// The median of `repeat` calls after two warm-up calls: a shared machine's slow minutes move a mean
// more than a median.
double time_ms(int repeat, const std::function<void()>& f) {
    f();
    f();
    std::vector<double> ms;
    for (int i = 0; i < std::max(1, repeat); ++i) {
        const double t = now_s();
        f();
        ms.push_back((now_s() - t) * 1e3);
    }
    std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
    return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    prefer_passive_openmp(argv);  // as training runs (lathe, lathe-cli): both pools may take every thread
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
    // As the decoder hands them over: (B, H, T, hd) views of the projections' (B, T, H, hd) rows.
    auto q_rows = leaf({B, T, H, D}), k_rows = leaf({B, T, KV, D}), v_rows = leaf({B, T, KV, D});
    auto inv = torch::pow(10000.0, -torch::arange(0, D, 2, torch::kFloat) / double(D));
    auto freqs = torch::outer(torch::arange(T, torch::kFloat), inv);
    auto emb = torch::cat({freqs, freqs}, -1);
    auto cos = emb.cos().to(dtype), sin = emb.sin().to(dtype);
    auto w = torch::randn({C, C}).to(dtype);
    auto w_trained = torch::randn({C, C}).to(dtype).requires_grad_();
    auto w_up = torch::randn({I, C}).to(dtype), w_up_trained = torch::randn({I, C}).to(dtype).requires_grad_();
    // Frozen projections with a rank-8 LoRA adapter (float32 adapters, as training holds them).
    auto lora_linear = [&](int64_t out) {
        Linear l(C, out, false);
        l->weight.set_requires_grad(false);
        l->weight.set_data(torch::randn({out, C}).to(dtype));
        auto gen = at::detail::createCPUGenerator(7);
        add_lora(*l, LoraLayerOptions{}, gen)->lora_B->weight.data().normal_(0, 0.01);
        return l;
    };
    Linear lora_h = lora_linear(C), lora_i = lora_linear(I);
    Linear lora_q = lora_linear(H * D), lora_k = lora_linear(KV * D), lora_v = lora_linear(KV * D);
    Linear lora_gate = lora_linear(I), lora_up = lora_linear(I);
    auto cat_of = [](std::vector<torch::Tensor> ys) { return torch::cat(ys, -1); };
    const double scale = 1.0 / std::sqrt(double(D));

    // The layouts of the products a training step runs (N = B*T rows): each timed without autograd.
    if (a["only"] == "gemm") {
        const int64_t N = B * T;
        torch::NoGradGuard no_grad;
        auto rnd = [&](int64_t r, int64_t c) { return torch::randn({r, c}).to(dtype); };
        auto xN = rnd(N, C), gI = rnd(N, I), WI = rnd(I, C), gC = rnd(N, C);
        struct Product {
            const char* name;
            std::function<torch::Tensor()> f;
        };
        const std::vector<Product> products = {
            {"up forward x W^T (N,C)x(C,I)", [&] { return torch::mm(xN, WI.t()); }},
            {"up dx g W (N,I)x(I,C)", [&] { return torch::mm(gI, WI); }},
            {"up dW g^T x (I,N)x(N,C)", [&] { return torch::mm(gI.t(), xN); }},
            {"down forward h Wd^T (N,I)x(I,C), Wd (C,I)", [&] { return torch::mm(gI, WI.t().contiguous().t()); }},
            {"down dx g Wd (N,C)x(C,I)", [&] { return torch::mm(gC, WI.t()); }},
            {"down dW g^T h (C,N)x(N,I)", [&] { return torch::mm(gC.t(), gI); }},
        };
        std::printf("| product | ms | GFLOP/s |\n|---|---:|---:|\n");
        for (const auto& p : products) {
            const double ms = time_ms(repeat, [&] { p.f(); });
            std::printf("| %s | %.2f | %.1f |\n", p.name, ms, 2.0 * N * C * I / ms / 1e6);
        }
        return 0;
    }

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
        {"causal attention, decoder layout", [&] {
             return causal_attention(q_rows.transpose(1, 2), k_rows.transpose(1, 2), v_rows.transpose(1, 2),
                                     torch::Tensor(), scale);
         }},
        {"residual add (B,T,hidden)", [&] { return x + x; }},
        {"projection hidden->hidden, frozen", [&] { return torch::matmul(x, w.t()); }},
        {"projection hidden->hidden, trained", [&] { return torch::matmul(x, w_trained.t()); }},
        {"projection hidden->hidden, LoRA r8", [&] { return lora_h(x); }},
        {"projection hidden->intermediate, frozen", [&] { return torch::matmul(x, w_up.t()); }},
        {"projection hidden->intermediate, trained", [&] { return torch::matmul(x, w_up_trained.t()); }},
        {"projection hidden->intermediate, LoRA r8", [&] { return lora_i(x); }},
        {"q/k/v LoRA r8, a node each", [&] { return cat_of({lora_q(x), lora_k(x), lora_v(x)}); }},
        {"q/k/v LoRA r8, one node", [&] { return cat_of(forward_shared_input({lora_q.get(), lora_k.get(), lora_v.get()}, x)); }},
        {"gate/up LoRA r8, a node each", [&] { return cat_of({lora_gate(x), lora_up(x)}); }},
        {"gate/up LoRA r8, one node", [&] { return cat_of(forward_shared_input({lora_gate.get(), lora_up.get()}, x)); }},
    };
    // Variants of one block, forward + backward alternated call by call (this VM's speed drifts by 20%
    // within minutes, so separate runs compare badly): median and fastest of each.
    using Variants = std::vector<std::pair<std::string, std::function<torch::Tensor()>>>;
    auto alternate = [&](const char* title, const Variants& variants) {
        std::vector<std::vector<double>> ms(variants.size());
        for (int i = 0; i < repeat + 2; ++i)
            for (size_t v = 0; v < variants.size(); ++v) {
                const double t = now_s();
                fwd_bwd(variants[v].second());
                if (i >= 2) ms[v].push_back((now_s() - t) * 1e3);
            }
        std::printf("| %s, forward + backward | median (ms) | fastest (ms) |\n|---|---:|---:|\n", title);
        for (size_t v = 0; v < variants.size(); ++v) {
            auto m = ms[v];
            std::sort(m.begin(), m.end());
            std::printf("| %s | %.2f | %.2f |\n", variants[v].first.c_str(), m[m.size() / 2], m.front());
        }
    };
    // --only grouped: the projections that share an input, one node against a node each.
    if (a["only"] == "grouped") {
        auto q_node = [&] { return cat_of({lora_q(x), lora_k(x), lora_v(x)}); };
        auto q_group = [&] { return cat_of(forward_shared_input({lora_q.get(), lora_k.get(), lora_v.get()}, x)); };
        auto mlp_node = [&] { return cat_of({lora_gate(x), lora_up(x)}); };
        auto mlp_group = [&] { return cat_of(forward_shared_input({lora_gate.get(), lora_up.get()}, x)); };
        alternate("LoRA r8", {{"q/k/v, a node each", q_node}, {"q/k/v, one node", q_group},
                              {"gate/up, a node each", mlp_node}, {"gate/up, one node", mlp_group}});
        return 0;
    }
    // --only dora: a DoRA projection against a LoRA one, forward alone with autograd recording (what
    // gradient checkpointing's recomputation runs) and forward + backward, alternated call by call.
    if (a["only"] == "dora") {
        auto dora_linear = [&](int64_t out) {
            Linear l(C, out, false);
            l->weight.set_requires_grad(false);
            l->weight.set_data(torch::randn({out, C}).to(dtype));
            LoraLayerOptions o;
            o.use_dora = true;
            auto gen = at::detail::createCPUGenerator(7);
            add_lora(*l, o, gen)->lora_B->weight.data().normal_(0, 0.01);
            return l;
        };
        Linear dora_i = dora_linear(I);
        // As a bf16 training step runs them: under autocast, the input recording its gradient.
        AutocastScope autocast(torch::kCPU, dtype == torch::kBFloat16 ? torch::kBFloat16 : torch::kFloat);
        CpuBlockCacheScope block_cache;
        x.requires_grad_(true);
        const std::vector<std::pair<std::string, Linear*>> layers = {{"LoRA", &lora_i}, {"DoRA", &dora_i}};
        std::vector<std::vector<double>> fwd(2), both(2);
        for (int i = 0; i < repeat + 2; ++i)
            for (size_t v = 0; v < 2; ++v) {
                Linear& l = *layers[v].second;
                double t = now_s();
                { auto y = l(x); }
                if (i >= 2) fwd[v].push_back((now_s() - t) * 1e3);
                t = now_s();
                fwd_bwd(l(x));
                if (i >= 2) both[v].push_back((now_s() - t) * 1e3);
            }
        auto median = [](std::vector<double> m) {
            std::sort(m.begin(), m.end());
            return m[m.size() / 2];
        };
        std::printf("| hidden->intermediate r8 | forward, recorded (ms) | forward + backward (ms) |\n|---|---:|---:|\n");
        for (size_t v = 0; v < 2; ++v)
            std::printf("| %s | %.2f | %.2f |\n", layers[v].first.c_str(), median(fwd[v]), median(both[v]));
        return 0;
    }
    // --only attention-rows: attention in the decoder's layout with query blocks of several sizes.
    if (a["only"] == "attention-rows") {
        Variants variants;
        for (int64_t rows : {int64_t{0}, int64_t{32}, int64_t{64}, int64_t{128}, int64_t{256}})
            variants.push_back({rows ? std::to_string(rows) + " rows" : "automatic (" + std::to_string(
                                    fused_attention_available(torch::kCPU) ? fused_attention_block_rows(B, H, T, T)
                                                                           : attention_block_rows(B, H, T, T)) + " rows)",
                                [&, rows] {
                                    force_attention_block_rows(rows);
                                    return causal_attention(q_rows.transpose(1, 2), k_rows.transpose(1, 2),
                                                            v_rows.transpose(1, 2), torch::Tensor(), scale);
                                }});
        alternate("attention, decoder layout", variants);
        force_attention_block_rows(0);
        return 0;
    }
    std::printf("threads: %s\n", plan.why.message.c_str());
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
