// Training speed and memory per fine-tuning method, through the same run_training the studio and
// `lathe-cli train` call: tokens/s (median of the logged steps after the first two), step time, peak RSS
// and model FLOP utilisation against this machine's measured fp32 matmul peak.
//
//   bench-train --model DIR [--methods full,freeze,lora,dora,qlora4,qlora8] [--stage pt|sft]
//               [--dataset corpus_demo] [--dataset-dir DIR] [--cutoff 512] [--batch 4] [--steps 12] [--threads 0]
//               [--grad-ckpt 0|1] [--device cpu] [--bf16 false|true|auto|pure]
//
// The default, stage pt on the bundled corpus with packing, gives rows of exactly `cutoff` tokens: the
// same forward, loss and backward as SFT, without padding blurring the token count.
//
// Each method runs in its own process so that peak RSS (VmHWM) is its own. FLOPs per trained token follow
// PaLM's model-FLOPs count, 6 N + 12 L T d (N the parameters that multiply: every one but an untied input
// embedding; L layers, T tokens per row, d hidden size), for every method: the forward and backward
// matmuls run over the whole model in freeze, LoRA and QLoRA too, only some weight gradients are
// skipped, so their MFU states the work of a full step done in that time (as Unsloth's tables do).
#include "bench/proc_memory.h"
#include "core/model/model_folder.h"
#include "core/train/session.h"
#include "core/util/device.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
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
                                            {"bf16", "false"},      {"method", ""}};
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0 || !a.count(k.substr(2))) {
            std::fprintf(stderr, "bench-train: unknown option %s\n", argv[i]);
            std::exit(2);
        }
        a[k.substr(2)] = argv[i + 1];
    }
    if (a["model"].empty()) {
        std::fprintf(stderr, "bench-train: --model DIR is required (e.g. saves/starter, or a folder written by "
                             "bench-decode --preset 110m --write DIR --tokenizer TOKDIR)\n");
        std::exit(2);
    }
    return a;
}

// Median fp32 GFLOP/s of a 1024^3 matmul on the bench's threads: the peak MFU is measured against.
double matmul_gflops(const torch::Device& device) {
    auto a = torch::randn({1024, 1024}, torch::TensorOptions().device(device));
    auto b = torch::randn({1024, 1024}, torch::TensorOptions().device(device));
    std::vector<double> rates;
    for (int i = 0; i < 7; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto c = torch::matmul(a, b);
        if (device.is_cuda()) torch::cuda::synchronize();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rates.push_back(2.0 * 1024 * 1024 * 1024 / s / 1e9);
    }
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
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
    c.threads = std::atoi(a.at("threads").c_str());
    c.device = a.at("device");
    // fp32 unless asked: the figures in docs/benchmarks.md are fp32. pure = pure_bf16.
    if (a.at("bf16") == "pure") c.pure_bf16 = true;
    else c.set("bf16", a.at("bf16"));
    c.output_dir = out;
    c.overwrite_output_dir = true;
    c.finetuning_type = method.rfind("qlora", 0) == 0 || method == "dora" ? "lora" : method;
    if (method == "dora") c.use_dora = true;
    if (method == "qlora4") c.quantization_bit = 4;
    if (method == "qlora8") c.quantization_bit = 8;
    if (c.finetuning_type == "lora") c.lora_target = "all";
    return c;
}

int run_method(const std::map<std::string, std::string>& a) {
    const std::string method = a.at("method");
    const std::string out = (fs::temp_directory_path() / ("lathe-bench-train-" + method + "-" + std::to_string(::getpid()))).string();
    TrainConfig c = config_for(a, method, out);
    std::vector<double> rates;
    std::vector<double> step_times;
    double last_elapsed = 0;
    TrainerEvents ev;
    double base_ratio = 1.0;  // quantized base bytes / fp32 bytes, from the session's message
    ev.on_message = [&](const std::string&, const std::string& text) {
        const auto at = text.find("bits: ");
        if (text.rfind("quantized the base", 0) == 0 && at != std::string::npos) base_ratio = std::atof(text.c_str() + at + 6);
    };
    ev.on_log = [&](const LogEvent& e) {
        if (e.step > 2) rates.push_back(e.tokens_per_second), step_times.push_back(e.elapsed_s - last_elapsed);
        last_elapsed = e.elapsed_s;
    };
    const double rss_start = mib_of("VmRSS:");
    const TrainSummary s = run_training(c, ev);
    fs::remove_all(out);
    if (s.status != TrainSummary::Status::Completed || rates.empty()) {
        std::fprintf(stderr, "bench-train: %s: %s\n", method.c_str(), s.message.c_str());
        return 1;
    }
    std::sort(rates.begin(), rates.end());
    std::sort(step_times.begin(), step_times.end());
    const double tps = rates[rates.size() / 2];
    const ModelConfig mc = read_model_config(c.model_name_or_path);
    double n = static_cast<double>(mc.parameter_count());
    if (!mc.tie_word_embeddings) n -= static_cast<double>(mc.vocab_size * mc.hidden_size);  // a lookup, no matmul
    const double flops_per_token = 6.0 * n + 12.0 * mc.num_hidden_layers * c.cutoff_len * mc.hidden_size;
    const double peak = matmul_gflops(parse_device(c.device));
    const double mfu = flops_per_token * tps / (peak * 1e9);
    std::printf("| %-7s | %8.0f | %9.0f | %18.0f | %14.0f | %5.1f%% | %9.3f |\n", method.c_str(), tps,
                step_times[step_times.size() / 2] * 1000.0, rss_start, mib_of("VmHWM:"), 100.0 * mfu, base_ratio);
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto a = parse_args(argc, argv);
    set_threads(std::atoi(a["threads"].c_str()));
    if (!a["method"].empty()) return run_method(a);
    const ModelConfig mc = read_model_config(a["model"]);
    std::printf("model %s (%.1fM parameters), stage %s, dataset %s, batch %s x cutoff %s, %s steps, %d threads, "
                "gradient checkpointing %s, bf16 %s; MFU against this machine's measured fp32 GEMM rate\n\n",
                a["model"].c_str(), mc.parameter_count() / 1e6, a["stage"].c_str(), a["dataset"].c_str(), a["batch"].c_str(),
                a["cutoff"].c_str(), a["steps"].c_str(), torch::get_num_threads(), a["grad-ckpt"] == "1" ? "on" : "off", a["bf16"].c_str());
    std::printf("| method  | tokens/s | step (ms) | RSS at start (MiB) | peak RSS (MiB) |    MFU | base/fp32 |\n");
    std::printf("|---------|---------:|----------:|-------------------:|---------------:|-------:|----------:|\n");
    std::fflush(stdout);
    std::stringstream list(a["methods"]);
    std::string method;
    int rc = 0;
    while (std::getline(list, method, ',')) {
        std::string cmd = fs::read_symlink("/proc/self/exe").string();
        for (const auto& [k, v] : a)
            if (k != "method") cmd += " --" + k + " '" + v + "'";
        cmd += " --method " + method;
        if (std::system(cmd.c_str()) != 0) rc = 1;
    }
    return rc;
}
