// bench-predict: samples per second of predictions (issue 11), one prompt at a time (generate()) against
// batches with left padding and one KV cache (generate_batch()), greedy, every row running its full
// budget (random weights never stop early, so both sides decode the same number of tokens).
//
//   bench-predict --shape qwen2.5-0.5b [--batch 8] [--samples 8] [--prompt-tokens 64]
//                 [--new-tokens 32] [--threads 2] [--weights auto|f32|bf16|int8]
//
// Shapes come from bench/model_shapes.h (random-weight HF folders of the real configs, cached under the
// temp directory). Threads are set as lathe-cli sets them (OpenMP waiting passively, core/util/threads.h).
// Prompt lengths vary from prompt-tokens/2 to prompt-tokens, as a real set's do. One JSON
// object per measurement on stdout, and the agreement of the batched ids with the one-at-a-time ids.
#include "bench/model_shapes.h"
#include "core/infer/inference_weights.h"
#include "core/model/generate.h"
#include "core/model/transformer.h"
#include "core/util/threads.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <iostream>
#include <string>

using namespace lathe;

namespace {

struct Args {
    std::string shape = "qwen2.5-0.5b", weights = "auto";
    int batch = 8, samples = 8, prompt_tokens = 64, new_tokens = 32, threads = 2;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(k + " needs a value");
            return argv[++i];
        };
        if (k == "--shape") a.shape = next();
        else if (k == "--batch") a.batch = std::stoi(next());
        else if (k == "--samples") a.samples = std::stoi(next());
        else if (k == "--prompt-tokens") a.prompt_tokens = std::stoi(next());
        else if (k == "--new-tokens") a.new_tokens = std::stoi(next());
        else if (k == "--threads") a.threads = std::stoi(next());
        else if (k == "--weights") a.weights = next();
        else throw std::runtime_error("unknown option " + k);
    }
    return a;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        prefer_passive_openmp(argv);  // as lathe and lathe-cli run (OMP_WAIT_POLICY=PASSIVE)
        const Args a = parse(argc, argv);
        const ThreadPlan plan = apply_threads(a.threads);
        const std::string dir = bench::cached_shape_folder(a.shape);
        InferenceOptions io;
        io.weights = parse_weight_format(a.weights);
        InferenceReport report;
        CausalLM m = load_for_inference(dir, io, &report);
        m->eval();
        const int64_t vocab = m->config().vocab_size;
        std::vector<std::vector<int32_t>> prompts;
        for (int s = 0; s < a.samples; ++s) {
            const int n = a.prompt_tokens / 2 + (s * 7) % (a.prompt_tokens / 2 + 1);
            std::vector<int32_t> p;
            for (int i = 0; i < n; ++i) p.push_back(static_cast<int32_t>(100 + (int64_t(s) * 131 + i * 7919) % (vocab - 200)));
            prompts.push_back(p);
        }
        GenerateOptions o;
        o.sampling.temperature = 0;
        o.max_new_tokens = 4;
        generate(*m, nullptr, prompts[0], o);  // warm-up
        generate_batch(*m, nullptr, {prompts[0], prompts[1]}, o);
        o.max_new_tokens = a.new_tokens;

        auto t0 = std::chrono::steady_clock::now();
        std::vector<std::vector<int32_t>> single;
        for (const auto& p : prompts) single.push_back(generate(*m, nullptr, p, o).ids);
        const double t_single = seconds_since(t0);

        t0 = std::chrono::steady_clock::now();
        std::vector<std::vector<int32_t>> batched;
        for (size_t first = 0; first < prompts.size(); first += static_cast<size_t>(a.batch)) {
            const size_t last = std::min(prompts.size(), first + static_cast<size_t>(a.batch));
            const std::vector<std::vector<int32_t>> chunk(prompts.begin() + first, prompts.begin() + last);
            for (auto& r : generate_batch(*m, nullptr, chunk, o)) batched.push_back(r.ids);
        }
        const double t_batched = seconds_since(t0);

        int same_rows = 0;
        for (size_t i = 0; i < prompts.size(); ++i) same_rows += single[i] == batched[i];
        const double sps_single = a.samples / t_single, sps_batched = a.samples / t_batched;
        nlohmann::json j = {{"bench", "predict"},
                            {"shape", a.shape},
                            {"weights", weight_format_name(report.weights)},
                            {"threads", a.threads},
                            {"thread_plan", plan.why.message},
                            {"samples", a.samples},
                            {"batch", a.batch},
                            {"prompt_tokens", std::to_string(a.prompt_tokens / 2) + "-" + std::to_string(a.prompt_tokens)},
                            {"new_tokens", a.new_tokens},
                            {"one_at_a_time_samples_per_s", sps_single},
                            {"batched_samples_per_s", sps_batched},
                            {"speedup", sps_batched / sps_single},
                            {"rows_identical", same_rows}};
        std::cout << j.dump() << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench-predict: " << e.what() << "\n";
        return 1;
    }
}
