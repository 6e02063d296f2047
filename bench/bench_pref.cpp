// Preference training cost next to SFT on the same data: step time and peak RSS of SFT-LoRA, DPO-LoRA
// (reference = adapter off, chosen + rejected in one forward) and RM-LoRA (value head) on one batch of
// P pairs. SFT trains on the same 2P sequences (each chosen and rejected response as its own example),
// so all three see the same tokens. Each mode runs in its own process: peak RSS (VmHWM) is per process.
// Goal: DPO-LoRA peak RSS <= 1.3x SFT-LoRA's.
//
// Usage: bench-pref [--hidden 512] [--layers 8] [--heads 8] [--kv-heads 4] [--intermediate 1408]
//                   [--vocab 32000] [--seq 256] [--pairs 4] [--rank 8] [--steps 6] [--threads 0]
//                   [--device cpu] [--mode all|sft|dpo|rm]
#include "bench/proc_memory.h"
#include "core/data/batching.h"
#include "core/model/transformer.h"
#include "core/model/value_head.h"
#include "core/peft/lora.h"
#include "core/train/adamw.h"
#include "core/train/objective.h"
#include "core/train/preference/dpo_objective.h"
#include "core/train/preference/rm_objective.h"
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
#include <random>
#include <string>
#include <vector>

using namespace lathe;
using lathe::bench::mib_of;

namespace {

std::map<std::string, std::string> parse_args(int argc, char** argv) {
    std::map<std::string, std::string> a = {{"hidden", "512"}, {"layers", "8"}, {"heads", "8"}, {"kv-heads", "4"},
                                            {"intermediate", "1408"}, {"vocab", "32000"}, {"seq", "256"},
                                            {"pairs", "4"}, {"rank", "8"}, {"steps", "6"}, {"threads", "0"},
                                            {"device", "cpu"}, {"mode", "all"}};
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0 || !a.count(k.substr(2))) {
            std::fprintf(stderr, "bench-pref: unknown option %s\n", argv[i]);
            std::exit(2);
        }
        a[k.substr(2)] = argv[i + 1];
    }
    return a;
}

// P pairs: a shared prompt of seq/2 tokens, chosen and rejected responses of seq/2 tokens each.
std::vector<Example> make_pairs(int pairs, int seq, int vocab) {
    std::mt19937_64 rng(7);
    std::vector<Example> out;
    for (int p = 0; p < pairs; ++p) {
        Example e;
        std::vector<int32_t> prompt;
        for (int t = 0; t < seq / 2; ++t) prompt.push_back(static_cast<int32_t>(rng() % vocab));
        for (auto* side : {&e.input_ids, &e.rejected_ids}) {
            auto* labels = side == &e.input_ids ? &e.labels : &e.rejected_labels;
            *side = prompt;
            labels->assign(prompt.size(), kIgnoreIndex);
            for (int t = 0; t < seq - seq / 2; ++t) {
                const auto id = static_cast<int32_t>(rng() % vocab);
                side->push_back(id);
                labels->push_back(id);
            }
        }
        out.push_back(e);
    }
    return out;
}

std::vector<Example> as_sft(const std::vector<Example>& pairs) {
    std::vector<Example> out;
    for (const auto& e : pairs) {
        Example c, r;
        c.input_ids = e.input_ids, c.labels = e.labels;
        r.input_ids = e.rejected_ids, r.labels = e.rejected_labels;
        out.push_back(c), out.push_back(r);
    }
    return out;
}

int run_mode(const std::map<std::string, std::string>& a) {
    auto num = [&](const char* k) { return std::atoi(a.at(k).c_str()); };
    const std::string mode = a.at("mode");
    set_threads(num("threads"));
    const torch::Device device = parse_device(a.at("device"));
    ModelConfig c;
    c.model_type = "llama";
    c.vocab_size = num("vocab");
    c.hidden_size = num("hidden");
    c.intermediate_size = num("intermediate");
    c.num_hidden_layers = num("layers");
    c.num_attention_heads = num("heads");
    c.num_key_value_heads = num("kv-heads");
    c.head_dim = c.hidden_size / c.num_attention_heads;
    c.max_position_embeddings = std::max(2048, num("seq"));
    c.eos_token_ids = {2};
    auto model = std::make_shared<CausalLMImpl>(c);
    model->init_weights(1);
    model->to(device);
    LoraSettings ls;
    ls.rank = num("rank");
    ls.alpha = 2.0 * ls.rank;
    auto lora = std::make_shared<LoraModel>(LoraModel::apply(model, ls));
    std::vector<NamedParameter> params;
    for (auto& [n, t] : lora->trainable().named) params.push_back({n, t});

    const auto pairs = make_pairs(num("pairs"), num("seq"), c.vocab_size);
    const auto sft = as_sft(pairs);
    std::vector<const Example*> group;
    for (const auto& e : mode == "sft" ? sft : pairs) group.push_back(&e);
    const Batch batch = collate(group, 0, device);

    std::unique_ptr<Objective> objective;
    std::shared_ptr<ValueHead> head;
    if (mode == "sft") objective = make_lm_objective();
    else if (mode == "dpo") objective = make_dpo_objective(DpoSettings{}, adapter_off_reference(lora));
    else if (mode == "rm") {
        head = std::make_shared<ValueHead>(c.hidden_size, device, 1);
        for (auto& [n, t] : head->named_parameters()) params.push_back({n, t});
        objective = make_rm_objective(head);
    } else {
        std::fprintf(stderr, "bench-pref: unknown mode %s\n", mode.c_str());
        return 2;
    }
    AdamW opt(params, {1e-4, 0.9, 0.999, 1e-8, 0.0});
    model->train();
    const double rss_before = mib_of("VmRSS:");
    std::vector<double> times;
    const int steps = num("steps");
    for (int s = 0; s < steps; ++s) {
        const auto t0 = std::chrono::steady_clock::now();
        auto out = objective->compute(*model, batch, TrainForward{});
        (out.loss_sum / static_cast<double>(objective->units(batch))).backward();
        clip_grad_norm(params, 1.0);
        opt.step(1e-4);
        opt.zero_grad();
        if (device.is_cuda()) torch::cuda::synchronize();
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::vector<double> warm(times.begin() + (times.size() > 1 ? 1 : 0), times.end());  // first step warms up
    std::sort(warm.begin(), warm.end());
    const double median = warm[warm.size() / 2];
    std::printf("| %-8s | %5lld seq x %4d tok | %8.1f | %10.0f | %10.0f |\n",
                (mode == "sft" ? "SFT-LoRA" : mode == "dpo" ? "DPO-LoRA" : "RM-LoRA"), (long long)batch.rows, num("seq"),
                median * 1000.0, rss_before, mib_of("VmHWM:"));
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto a = parse_args(argc, argv);
    if (a["mode"] != "all") return run_mode(a);
    std::printf("| mode     | batch                 | step (ms) | RSS before (MiB) | peak RSS (MiB) |\n");
    std::printf("|----------|-----------------------|----------:|-----------------:|---------------:|\n");
    std::fflush(stdout);
    for (const char* mode : {"sft", "dpo", "rm"}) {
        std::string cmd = std::filesystem::read_symlink("/proc/self/exe").string();
        for (const auto& [k, v] : a) cmd += " --" + k + " " + (k == "mode" ? std::string(mode) : v);
        if (std::system(cmd.c_str()) != 0) return 1;
    }
    return 0;
}
