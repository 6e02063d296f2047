// The attention core (q, k, v -> softmax(q k^T / sqrt(hd)) v, causal, grouped-query) as the model runs it:
// the plain formula AttentionImpl used before core/model/attention_kernel.h, against the block-wise kernel.
// Modes: train (forward + backward, q, k, v need grad), forward (no grad: prefill, evaluation), decode
// (one new query over S cached keys, no grad). Time is the median of --iters runs after one warm-up; the
// peak is VmHWM minus the RSS once the inputs exist (the peak counter reset through /proc/self/clear_refs),
// so it is what the attention adds. Each case runs in its own process.
//
// Usage: bench-attention [--batch 2] [--seq 1024] [--heads 14] [--kv-heads 2] [--head-dim 64]
//                        [--dtype all|f32|bf16] [--impl all|plain|kernel] [--mode all|train|forward|decode]
//                        [--iters 5] [--rows 0] [--threads 0]
#include "bench/proc_memory.h"
#include "core/model/attention_kernel.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

using namespace lathe;
using lathe::bench::mib_of;

namespace {

std::map<std::string, std::string> parse_args(int argc, char** argv) {
    std::map<std::string, std::string> a = {{"batch", "2"},   {"seq", "1024"},  {"heads", "14"},  {"kv-heads", "2"},
                                            {"head-dim", "64"}, {"dtype", "all"}, {"impl", "all"},  {"mode", "all"},
                                            {"iters", "5"},     {"rows", "0"},    {"threads", "0"}};
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0 || !a.count(k.substr(2))) {
            std::fprintf(stderr, "bench-attention: unknown option %s\n", argv[i]);
            std::exit(2);
        }
        a[k.substr(2)] = argv[i + 1];
    }
    return a;
}

// The formula and mask of AttentionImpl::forward / build_mask before the kernel (commit c98b4b0).
torch::Tensor plain_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale) {
    const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), KV = k.size(1), S = k.size(2);
    torch::Tensor mask;
    if (T > 1) {
        auto rows = torch::arange(S - T, S, torch::kLong).unsqueeze(1);
        auto cols = torch::arange(S, torch::kLong).unsqueeze(0);
        auto allowed = (cols <= rows).view({1, 1, T, S});
        const double lowest = q.scalar_type() == torch::kBFloat16 ? -3.38e38 : std::numeric_limits<float>::lowest();
        mask = torch::zeros(allowed.sizes(), q.options().requires_grad(false)).masked_fill_(allowed.logical_not(), lowest);
    }
    auto qg = q.reshape({B, KV, H / KV * T, D});
    auto scores = torch::matmul(qg, k.transpose(-1, -2)).mul_(scale).view({B, H, T, S});
    if (mask.defined()) scores = scores + mask;
    auto probs = torch::softmax(scores, -1, torch::kFloat).to(q.scalar_type());
    return torch::matmul(probs.view({B, KV, H / KV * T, S}), v).view({B, H, T, D});
}

void reset_peak() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";  // resets VmHWM to the current RSS (Linux 4.0+)
}

int run_case(const std::map<std::string, std::string>& a) {
    const int64_t B = std::stoll(a.at("batch")), T = std::stoll(a.at("seq")), H = std::stoll(a.at("heads")),
                  KV = std::stoll(a.at("kv-heads")), D = std::stoll(a.at("head-dim"));
    const int iters = std::stoi(a.at("iters"));
    const auto dtype = a.at("dtype") == "bf16" ? torch::kBFloat16 : torch::kFloat;
    const bool kernel = a.at("impl") == "kernel";
    const std::string mode = a.at("mode");
    if (std::stoi(a.at("threads")) > 0) torch::set_num_threads(std::stoi(a.at("threads")));
    force_attention_block_rows(std::stoll(a.at("rows")));
    const int64_t Tq = mode == "decode" ? 1 : T;
    const bool train = mode == "train";
    torch::manual_seed(1);
    auto q = torch::randn({B, H, Tq, D}).to(dtype).requires_grad_(train);
    auto k = torch::randn({B, KV, T, D}).to(dtype).requires_grad_(train);
    auto v = torch::randn({B, KV, T, D}).to(dtype).requires_grad_(train);
    auto grad = torch::randn({B, H, Tq, D}).to(dtype);
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    auto once = [&] {
        torch::AutoGradMode grad_mode(train);
        auto out = kernel ? causal_attention(q, k, v, {}, scale) : plain_attention(q, k, v, scale);
        if (train) {
            out.backward(grad);
            q.mutable_grad().reset();
            k.mutable_grad().reset();
            v.mutable_grad().reset();
        }
    };
    const double base = mib_of("VmRSS:");
    reset_peak();
    std::vector<double> times;
    for (int i = 0; i <= iters; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        once();
        const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (i > 0) times.push_back(dt);  // the first run warms up
    }
    std::sort(times.begin(), times.end());
    const double peak = mib_of("VmHWM:") - base;
    std::printf("| %s | %s | %s | %ld | %ld | %d | %.1f | %.0f |\n", mode.c_str(), kernel ? "kernel" : "plain",
                dtype == torch::kBFloat16 ? "bf16" : "f32", static_cast<long>(B), static_cast<long>(T),
                torch::get_num_threads(), times[times.size() / 2] * 1000, peak);
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto a = parse_args(argc, argv);
    if (a["mode"] != "all" && a["impl"] != "all" && a["dtype"] != "all") return run_case(a);
    std::printf("| mode | impl | dtype | B | T (S) | threads | median ms | peak MiB above inputs |\n");
    std::printf("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
    std::fflush(stdout);
    auto each = [](const std::string& v, std::vector<std::string> all) {
        return v == "all" ? all : std::vector<std::string>{v};
    };
    int rc = 0;
    for (const auto& mode : each(a["mode"], {"train", "forward", "decode"}))
        for (const auto& dtype : each(a["dtype"], {"f32", "bf16"}))
            for (const auto& impl : each(a["impl"], {"plain", "kernel"})) {
                std::string cmd = std::string(argv[0]);
                for (const auto& [k, v] : a) {
                    const std::string value = k == "mode" ? mode : k == "dtype" ? dtype : k == "impl" ? impl : v;
                    cmd += " --" + k + " " + value;
                }
                if (std::system(cmd.c_str()) != 0) rc = 1;
            }
    return rc;
}
