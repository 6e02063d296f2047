// lathe-cli generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) [sampling options] [--ids]
#include "app/cli/args.h"
#include "app/cli/common.h"
#include "core/io/json_file.h"
#include "core/infer/inference_weights.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/device.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace lathe::cli {

namespace {

// A number of generation_config.json; absent or null (as transformers writes unset keys) gives `fallback`.
double number_or(const nlohmann::json& j, const char* key, double fallback, const std::string& path) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_number()) throw ConfigError(path + ": '" + key + "' must be a number, got " + it->dump());
    return it->get<double>();
}

// transformers' defaults: greedy unless generation_config.json asks for sampling.
SamplingParams sampling_from_generation_config(const std::string& dir) {
    SamplingParams p;
    const std::string path = path_join(dir, "generation_config.json");
    if (!file_exists(path)) return p;
    auto j = read_json_file(path);
    if (!j.is_object()) throw ConfigError(path + ": expected a JSON object, got " + std::string(j.type_name()));
    auto sample = j.find("do_sample");
    if (sample == j.end() || sample->is_null()) return p;
    if (!sample->is_boolean()) throw ConfigError(path + ": 'do_sample' must be true or false, got " + sample->dump());
    if (!sample->get<bool>()) return p;
    p.temperature = number_or(j, "temperature", 1.0, path);
    p.top_p = number_or(j, "top_p", 1.0, path);
    p.top_k = static_cast<int64_t>(number_or(j, "top_k", 50, path));
    p.repetition_penalty = number_or(j, "repetition_penalty", 1.0, path);
    return p;
}

bool has_tokenizer_files(const std::string& dir) {
    return file_exists(path_join(dir, "tokenizer.json")) || file_exists(path_join(dir, "tokenizer.model"));
}

}  // namespace

int cmd_generate(int argc, char** argv) {
    if (wants_help(argc, argv)) {
        std::puts(
            "usage: lathe-cli generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) [options]\n"
            "  --max-new-tokens N     tokens to generate at most (default 128)\n"
            "  --temperature T        0 = greedy (default: generation_config.json, else greedy)\n"
            "  --top-p P  --top-k K  --repetition-penalty R  --seed S\n"
            "  --ids                  print the generated ids (comma-separated) instead of text\n"
            "  --device D             auto, cpu, cuda, cuda:N (default auto)\n"
            "  --weights W            how weights are held: auto (the checkpoint's dtype, default), f32, bf16, int8\n"
            "                         (int8: Q8_0 blocks of 32, about a quarter of f32's bytes; CPU only)\n"
            "  --dtype T              compute everything in fp32, bf16 or fp16 with LibTorch instead of --weights\n"
            "  --threads N            CPU threads (default: all cores)\n"
            "--prompt is encoded with the tokenizer's special tokens (BOS); --prompt-ids are used as given.\n"
            "Generation stops at the model's EOS ids (config.json, generation_config.json, tokenizer).");
        return 0;
    }
    Args args(argc, argv, 2, {"ids"},
              {"model", "prompt", "prompt-ids", "max-new-tokens", "temperature", "top-p", "top-k",
               "repetition-penalty", "seed", "device", "dtype", "weights", "threads"});
    const std::string dir = args.require("model");
    if (args.has("prompt") == args.has("prompt-ids")) throw ConfigError("give exactly one of --prompt and --prompt-ids");
    read_model_config(dir);  // a folder that holds no model fails here, not on its tokenizer
    set_threads(args.get_int("threads", 0));

    GenerateOptions opts;
    opts.sampling = sampling_from_generation_config(dir);
    opts.sampling.temperature = args.get_double("temperature", opts.sampling.temperature);
    opts.sampling.top_p = args.get_double("top-p", opts.sampling.top_p);
    opts.sampling.top_k = args.get_int("top-k", static_cast<int>(opts.sampling.top_k));
    opts.sampling.repetition_penalty = args.get_double("repetition-penalty", opts.sampling.repetition_penalty);
    if (args.has("seed")) opts.sampling.seed = static_cast<uint64_t>(args.get_int("seed", 0));
    opts.sampling.validate();
    opts.max_new_tokens = args.get_int("max-new-tokens", 128);
    if (opts.max_new_tokens < 0)
        throw ConfigError("--max-new-tokens: expected a count >= 0, got " + std::to_string(opts.max_new_tokens));

    std::unique_ptr<Tokenizer> tok;
    std::vector<int32_t> prompt;
    if (args.has("prompt")) {
        tok = Tokenizer::from_dir(dir);
        prompt = tok->encode(*args.get("prompt"), true);
    } else {
        for (int id : parse_id_list(*args.get("prompt-ids"))) prompt.push_back(id);
        // Text output needs the tokenizer; --ids only its EOS, which must stop generation as it does
        // for text (else the two outputs of one command would differ), so load it when there is one.
        if (!args.has("ids") || has_tokenizer_files(dir)) tok = Tokenizer::from_dir(dir);
    }
    opts.stop_ids = default_stop_ids(dir, tok.get());

    if (args.has("dtype") && args.has("weights")) throw ConfigError("give --weights or --dtype, not both");
    const auto device = parse_device(args.get("device").value_or("auto"));
    CausalLM model{nullptr};
    std::string held;
    if (args.has("dtype")) {
        LoadOptions load;
        load.device = device;
        load.dtype = parse_dtype(*args.get("dtype"));
        model = load_causal_lm(dir, load);
        held = dtype_label(load.dtype) + " compute";
    } else {
        InferenceOptions io;
        io.device = device;
        io.weights = parse_weight_format(args.get("weights").value_or("auto"));
        InferenceReport report;
        model = load_for_inference(dir, io, &report);
        char loaded[64];
        std::snprintf(loaded, sizeof loaded, ", loaded in %.2f s", report.load_seconds);
        held = report.describe() + loaded;
    }

    const bool print_ids = args.has("ids");
    StreamCallback on_text;
    if (!print_ids)
        on_text = [](const std::string& text, int32_t) {
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        };
    auto result = generate(*model, print_ids ? nullptr : tok.get(), prompt, opts, on_text);
    if (print_ids) {
        std::string line;
        for (size_t i = 0; i < result.ids.size(); ++i) line += (i ? "," : "") + std::to_string(result.ids[i]);
        std::printf("%s\n", line.c_str());
    } else {
        std::printf("\n");
    }
    std::fprintf(stderr, "[%lld prompt tokens, %zu generated, finish: %s, time to first token %.1f ms, %.1f tokens/s; %s]\n",
                 (long long)result.prompt_tokens, result.ids.size(), finish_reason_name(result.finish),
                 result.time_to_first_token_s * 1e3, result.decode_tokens_per_s(), held.c_str());
    return 0;
}

}  // namespace lathe::cli
