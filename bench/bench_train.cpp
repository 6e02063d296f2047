// Training speed and memory per fine-tuning method, through the same run_training the studio and
// `lathe-cli train` call: tokens/s (median of the logged steps after the first two), step time, peak RSS
// and model FLOP utilisation: the FLOPs the method needs per token (needed_flops_per_token) over this
// machine's measured GEMM peak for the precision that runs (fp32 or bf16; both are measured and printed).
//
//   bench-train (--model DIR | --shape NAME) [--methods full,freeze,lora,dora,qlora4,qlora8,qdora4] [--stage pt|sft]
//              [--lora-dropout P]
//               [--dataset corpus_demo] [--dataset-dir DIR] [--cutoff 512] [--batch 4] [--steps 12] [--threads 0]
//               [--grad-ckpt 0|1] [--bf16 auto|true|false] [--pure-bf16] [--device cpu]
//
// --shape writes (once) a random-weight folder of a real model's shape under the temp directory
// (bench/model_shapes.h). --bf16 is handed to the config as its `bf16` value (unset: the config's
// default); --pure-bf16 sets `pure_bf16: true`.
//
// The default, stage pt on the bundled corpus with packing, gives rows of exactly `cutoff` tokens: the
// same forward, loss and backward as SFT, without padding blurring the token count.
//
// Each method runs in its own process so that peak RSS (VmHWM) is its own.
#include "bench/model_shapes.h"
#include "bench/proc_memory.h"
#include "core/model/model_folder.h"
#include "core/train/memory_estimate.h"
#include "core/train/session.h"
#include "core/util/threads.h"
#include "core/util/device.h"

#include <torch/torch.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace lathe;
using lathe::bench::mib_of;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> parse_args(int argc, char** argv) {
    std::map<std::string, std::string> a = {{"model", ""},         {"methods", "full,freeze,lora,dora,qlora4,qlora8"},
                                            {"dataset", "corpus_demo"}, {"stage", "pt"}, {"dataset-dir", ""},
                                            {"cutoff", "512"},      {"batch", "4"},
                                            {"steps", "12"},        {"threads", "0"},
                                            {"grad-ckpt", "0"},     {"device", "cpu"},
                                            {"bf16", ""},           {"pure-bf16", "0"},
                                            {"shape", ""},          {"method", ""},
                                            {"peak-fp32", ""},      {"peak-bf16", ""},
                                            {"lora-dropout", "0"}};
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0 || !a.count(k.substr(2))) {
            std::fprintf(stderr, "bench-train: unknown option %s\n", argv[i]);
            std::exit(2);
        }
        const bool has_value = i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0;
        if (k == "--pure-bf16" && !has_value) a["pure-bf16"] = "1";  // a flag, or --pure-bf16 0|1
        else if (!has_value) {
            std::fprintf(stderr, "bench-train: %s needs a value\n", argv[i]);
            std::exit(2);
        } else a[k.substr(2)] = argv[++i];
    }
    if (a["model"].empty() == a["shape"].empty()) {
        std::fprintf(stderr, "bench-train: give --model DIR or --shape NAME (%s); e.g. --shape 85m\n",
                     "bench-shapes --list names the shapes");
        std::exit(2);
    }
    return a;
}

// The best GFLOP/s of a square matmul in `dtype` on the bench's threads (after one warm-up): the peak
// MFU is measured against. 2048^3 unless 1024^3 already takes over 0.2 s (a slow path, e.g. bf16 on a
// CPU without bf16 instructions).
double matmul_gflops(const torch::Device& device, torch::ScalarType dtype) {
    auto rate = [&](int64_t n, int reps, double* seconds) {
        auto a = torch::randn({n, n}, torch::TensorOptions().device(device)).to(dtype);
        auto b = torch::randn({n, n}, torch::TensorOptions().device(device)).to(dtype);
        double best = 0;
        for (int i = 0; i < reps; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            auto c = torch::matmul(a, b);
            if (device.is_cuda()) torch::cuda::synchronize();
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (seconds) *seconds = s;
            if (i > 0) best = std::max(best, 2.0 * n * n * n / s / 1e9);
        }
        return best;
    };
    double s = 0;
    const double small = rate(1024, 3, &s);
    return s > 0.2 ? small : std::max(small, rate(2048, 5, nullptr));
}

// FLOPs one trained token needs, forward and backward, for `method` on `c` with rows of T tokens.
//
// A product y = x W^T with W (out, in) costs 2 in out FLOPs per token forward. Its backward is two
// products of the same size: the input gradient dx = dy W, needed only when something trainable lies
// below x, and the weight gradient dW = dy^T x, needed only when W trains. Attention adds per layer and
// token QK^T and PV, 2 T q_dim FLOPs each forward (PaLM's convention: the full T x T product, not the
// causal half), and twice that backward (dQ, dK, dV, d probabilities) in every layer the gradient reaches.
//
//   full    everything forward, input and weight gradients everywhere = 6 N + 12 L T q_dim, PaLM's count
//           (N: the products' weights; the input embedding is a lookup whose gradient is a scatter, and a
//           tied head's weight gradient counts once).
//   freeze  the last k layers train (k = freeze_trainable_layers; < 0: the first |k|), every module: input
//           gradients in the head and every layer from the lowest trainable one up (its q/k/v too: its
//           input norm trains), weight gradients in the trainable layers only, none below them at all.
//   lora    base products forward everywhere, input gradients everywhere except layer 0's q/k/v (nothing
//           below them trains), no weight gradient for any W. Each adapter x -> A (r x in) -> B (out x r)
//           adds 2 r (in + out) forward and, backward, dB and d(xA) (2 r out each), dA (2 r in), and dx
//           through A (2 r in) where the input gradient is needed. qlora4/qlora8: the same (dequantizing
//           the base is not a product).
//   dora    lora plus, once per step and linear, B A (2 r in out) for the column norm ||W + s B A||, which
//           autograd treats as a constant (as PEFT), spread over the step's tokens.
// Recomputation (gradient checkpointing, a chunked loss's recomputed head) repeats work the method needs
// once: not counted. Biases, norms, activations, softmax and the optimizer are elementwise: not counted.
double needed_flops_per_token(const ModelConfig& c, int64_t T, const std::string& method, int rank, int freeze_layers,
                              double tokens_per_step) {
    const double d = c.hidden_size, q = double(c.num_attention_heads * c.head_dim),
                 kv = double(c.num_key_value_heads * c.head_dim), inter = c.intermediate_size;
    struct Product {
        double in, out;
        bool qkv;
    };
    const Product linears[] = {{d, q, true},      {d, kv, true},     {d, kv, true},    {q, d, false},
                               {d, inter, false}, {d, inter, false}, {inter, d, false}};
    const int64_t L = c.num_hidden_layers;
    const bool lora = method == "lora" || method == "dora" || method == "qdora4" || method.rfind("qlora", 0) == 0;
    const bool full = method == "full";
    int64_t lowest = 0, end = L;  // the trainable layers: [lowest, end)
    if (method == "freeze") {
        const int64_t k = std::min<int64_t>(std::abs(freeze_layers), L);
        if (freeze_layers > 0) lowest = L - k;
        else end = k;
    }
    const double head = 2.0 * d * double(c.vocab_size);
    double flops = 2 * head + (full ? head : 0);  // forward, input gradient, weight gradient in full
    for (int64_t l = 0; l < L; ++l) {
        const bool reached = l >= lowest, trains = reached && l < end;
        flops += 4.0 * double(T) * q * (reached ? 3 : 1);
        for (const auto& m : linears) {
            const double w = 2 * m.in * m.out, r = rank;
            const bool input_grad = reached && !(lora && l == 0 && m.qkv);
            flops += w + (input_grad ? w : 0) + (trains && !lora ? w : 0);
            if (!lora) continue;
            flops += 2 * r * (m.in + m.out) + 2 * (2 * r * m.out) + 2 * r * m.in + (input_grad ? 2 * r * m.in : 0);
            if (method == "dora" || method == "qdora4") flops += 2 * r * m.in * m.out / tokens_per_step;
        }
    }
    return flops;
}

// "fp32", "bf16 autocast" or "pure bf16": what the run computes in. The config's value decides, except
// for `auto`, where the session's "precision ..." message does (the first of bf16/fp32 it names), else
// the CPU's flags (AVX512-BF16 or AMX: bf16, as `bf16: auto` is specified).
std::string precision_of(const TrainConfig& c, bool pure, const std::vector<std::string>& messages) {
    if (pure) return "pure bf16";
    const std::string v = c.get("bf16");
    if (v == "true") return "bf16 autocast";
    if (v == "false") return "fp32";
    for (const auto& m : messages) {
        std::string t = m;
        std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return std::tolower(ch); });
        if (t.rfind("precision", 0) != 0) continue;
        const auto b = std::min(t.find("bf16"), t.find("bfloat16")), f = std::min(t.find("fp32"), t.find("float32"));
        if (b != f) return b < f ? "bf16 autocast" : "fp32";
    }
    std::ifstream cpu("/proc/cpuinfo");
    const std::string info((std::istreambuf_iterator<char>(cpu)), std::istreambuf_iterator<char>());
    const bool has = info.find(" avx512_bf16") != std::string::npos || info.find(" amx_bf16") != std::string::npos;
    return c.device.rfind("cuda", 0) != 0 && has ? "bf16 autocast" : "fp32";
}

TrainConfig config_for(const std::map<std::string, std::string>& a, const std::string& method, const std::string& out) {
    TrainConfig c;
    c.model_name_or_path = a.at("model");
    c.stage = a.at("stage");
    c.dataset = a.at("dataset");
    c.dataset_dir = a.at("dataset-dir").empty() ? std::string(LATHE_BENCH_SOURCE_ROOT) + "/datasets" : a.at("dataset-dir");
    c.cutoff_len = std::atoi(a.at("cutoff").c_str());
    c.per_device_train_batch_size = std::atoi(a.at("batch").c_str());
    c.max_steps = std::atoi(a.at("steps").c_str());
    c.logging_steps = 1;
    c.gradient_accumulation_steps = 1;
    c.save_steps = 0;
    c.learning_rate = method == "full" || method == "freeze" ? 1e-5 : 1e-4;
    c.gradient_checkpointing = a.at("grad-ckpt") == "1";
    c.lora_dropout = std::atof(a.at("lora-dropout").c_str());
    c.threads = std::atoi(a.at("threads").c_str());
    c.device = a.at("device");
    if (!a.at("bf16").empty()) c.set("bf16", a.at("bf16"));
    if (a.at("pure-bf16") == "1") c.set("pure_bf16", "true");
    c.output_dir = out;
    c.overwrite_output_dir = true;
    c.finetuning_type = method.rfind("qlora", 0) == 0 || method == "dora" || method == "qdora4" ? "lora" : method;
    if (method == "dora" || method == "qdora4") c.use_dora = true;
    if (method == "qlora4" || method == "qdora4") c.quantization_bit = 4;
    if (method == "qlora8") c.quantization_bit = 8;
    if (c.finetuning_type == "lora") c.lora_target = "all";
    return c;
}

int run_method(const std::map<std::string, std::string>& a) {
    const std::string method = a.at("method");
    const std::string out = (fs::temp_directory_path() / ("lathe-bench-train-" + method + "-" + std::to_string(::getpid()))).string();
    TrainConfig c;
    try {
        c = config_for(a, method, out);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-train: %s: %s\n", method.c_str(), e.what());
        return 1;
    }
    std::vector<double> rates;
    std::vector<double> step_times;
    std::vector<std::string> messages;
    double last_elapsed = 0;
    TrainerEvents ev;
    double base_ratio = 1.0;  // quantized base bytes / fp32 bytes, from the session's message
    ev.on_message = [&](const std::string&, const Problem& note) {
        const std::string& text = note.message;
        messages.push_back(text);
        if (note.id == "log_memory" || note.id == "log_memory_available") std::fprintf(stderr, "%s: %s\n", method.c_str(), text.c_str());
        if (note.id == "log_quantized" && note.args.size() == 2) base_ratio = std::atof(note.args[1].c_str());
    };
    ev.on_log = [&](const LogEvent& e) {
        if (e.step > 2) rates.push_back(e.tokens_per_second), step_times.push_back(e.elapsed_s - last_elapsed);
        last_elapsed = e.elapsed_s;
    };
    double estimate = 0;  // MiB, the engine's peak estimate for this run (core/train/memory_estimate.h)
    try {
        estimate = double(estimate_run_memory(c).estimate.peak()) / (1 << 20);
    } catch (const std::exception&) {
    }
    const double rss_start = mib_of("VmRSS:");
    // LATHE_BENCH_PROFILE=FILE writes LibTorch's operator trace of the run (chrome://tracing format) to FILE.
    std::unique_ptr<torch::autograd::profiler::RecordProfile> profile;
    if (const char* path = std::getenv("LATHE_BENCH_PROFILE")) profile = std::make_unique<torch::autograd::profiler::RecordProfile>(path);
    std::unique_ptr<torch::autograd::profiler::TLSLegacyProfilerGuard> shapes;
    if (std::getenv("LATHE_BENCH_SHAPES"))
        shapes = std::make_unique<torch::autograd::profiler::TLSLegacyProfilerGuard>(
            torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU, true, false),
            [](const torch::autograd::profiler::thread_event_lists& lists) {
                std::map<std::string, std::pair<int, double>> agg;
                for (const auto& list : lists) {
                    std::map<uint64_t, const torch::autograd::profiler::LegacyEvent*> open;
                    for (const auto& e : list) {
                        if (e.kindStr() == "push") open[e.handle()] = &e;
                        else if (e.kindStr() == "pop" && open.count(e.handle())) {
                            const auto* b = open[e.handle()];
                            std::string key = b->name();
                            for (const auto& s : b->shapes()) {
                                key += " [";
                                for (auto d : s) key += std::to_string(d) + ",";
                                key += "]";
                            }
                            auto& a = agg[key];
                            a.first++;
                            a.second += b->cpuElapsedUs(e) / 1000.0;
                        }
                    }
                }
                std::vector<std::pair<double, std::string>> v;
                for (auto& [k, a] : agg) v.push_back({a.second, std::to_string(a.first) + "  " + k});
                std::sort(v.rbegin(), v.rend());
                for (size_t i = 0; i < v.size() && i < 60; ++i) std::fprintf(stderr, "%9.1f ms  %s\n", v[i].first, v[i].second.c_str());
            });
    const TrainSummary s = run_training(c, ev);
    profile.reset();
    shapes.reset();
    fs::remove_all(out);
    if (s.status != TrainSummary::Status::Completed || rates.empty()) {
        std::fprintf(stderr, "bench-train: %s: %s\n", method.c_str(),
                     rates.empty() && s.message.empty() ? "fewer than 3 steps logged" : s.message.c_str());
        return 1;
    }
    std::string each;  // on stderr: how much the steps of this run differ (a shared machine's noise)
    for (double t : step_times) each += " " + std::to_string(int(t * 1000));
    std::fprintf(stderr, "%s: step times (ms):%s\n", method.c_str(), each.c_str());
    std::sort(rates.begin(), rates.end());
    std::sort(step_times.begin(), step_times.end());
    const double tps = rates[rates.size() / 2];
    const ModelConfig mc = read_model_config(c.model_name_or_path);
    const std::string precision = precision_of(c, a.at("pure-bf16") == "1", messages);
    const double peak = std::atof(a.at(precision == "fp32" ? "peak-fp32" : "peak-bf16").c_str());
    const double flops = needed_flops_per_token(mc, c.cutoff_len, method, c.lora_rank, c.freeze_trainable_layers,
                                                double(c.cutoff_len) * c.per_device_train_batch_size);
    const double mfu = flops * tps / (peak * 1e9);
    const double hwm = mib_of("VmHWM:");
    std::printf("| %-7s | %-13s | %8.1f | %9.0f | %18.0f | %14.0f | %14.0f | %+6.0f%% | %11.3f | %9.0f | %5.1f%% | %9.3f |\n",
                method.c_str(), precision.c_str(), tps, step_times[step_times.size() / 2] * 1000.0, rss_start, hwm,
                estimate, 100.0 * (estimate / hwm - 1), flops / 1e9, peak, 100.0 * mfu, base_ratio);
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    prefer_passive_openmp(argv);  // as lathe and lathe-cli do (core/util/threads.h)
    auto a = parse_args(argc, argv);
    set_threads(std::atoi(a["threads"].c_str()));
    if (!a["method"].empty()) return run_method(a);
    ModelConfig mc;
    try {
        if (!a["shape"].empty()) a["model"] = bench::cached_shape_folder(a["shape"]);
        mc = read_model_config(a["model"]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-train: %s\n", e.what());
        return 1;
    }
    const torch::Device device = parse_device(a["device"]);
    a["peak-fp32"] = std::to_string(matmul_gflops(device, torch::kFloat));
    a["peak-bf16"] = std::to_string(matmul_gflops(device, torch::kBFloat16));
    std::printf("model %s (%.1fM parameters), stage %s, dataset %s, batch %s x cutoff %s, %s steps, %d threads, "
                "gradient checkpointing %s, bf16 %s%s; measured GEMM peak: fp32 %.0f GFLOP/s, bf16 %.0f GFLOP/s\n\n",
                a["model"].c_str(), mc.parameter_count() / 1e6, a["stage"].c_str(), a["dataset"].c_str(), a["batch"].c_str(),
                a["cutoff"].c_str(), a["steps"].c_str(), torch::get_num_threads(), a["grad-ckpt"] == "1" ? "on" : "off",
                a["bf16"].empty() ? "(config default)" : a["bf16"].c_str(), a["pure-bf16"] == "1" ? ", pure_bf16" : "",
                std::atof(a["peak-fp32"].c_str()), std::atof(a["peak-bf16"].c_str()));
    std::printf("| method  | precision     | tokens/s | step (ms) | RSS at start (MiB) | peak RSS (MiB) | estimate (MiB) | est. err | GFLOP/token | peak used |    MFU | base/fp32 |\n");
    std::printf("|---------|---------------|---------:|----------:|-------------------:|---------------:|---------------:|--------:|------------:|----------:|-------:|----------:|\n");
    std::fflush(stdout);
    std::stringstream list(a["methods"]);
    std::string method;
    int rc = 0;
    while (std::getline(list, method, ',')) {
        std::string cmd = fs::read_symlink("/proc/self/exe").string();
        for (const auto& [k, v] : a)
            if (k != "method" && k != "shape" && !v.empty()) cmd += " --" + k + " '" + v + "'";
        cmd += " --method " + method;
        if (std::system(cmd.c_str()) != 0) rc = 1;
    }
    return rc;
}
