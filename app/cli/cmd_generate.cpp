// lathe-cli generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) [sampling options] [--ids]
#include "app/cli/args.h"
#include "app/cli/common.h"
#include "core/io/json_file.h"
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

// transformers' defaults: greedy unless generation_config.json asks for sampling.
SamplingParams sampling_from_generation_config(const std::string& dir) {
    SamplingParams p;
    const std::string path = path_join(dir, "generation_config.json");
    if (!file_exists(path)) return p;
    auto j = read_json_file(path);
    if (!j.value("do_sample", false)) return p;
    p.temperature = j.value("temperature", 1.0);
    p.top_p = j.value("top_p", 1.0);
    p.top_k = j.value("top_k", 50);
    p.repetition_penalty = j.value("repetition_penalty", 1.0);
    return p;
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
            "  --dtype T              fp32 (default), bf16, fp16\n"
            "  --threads N            CPU threads (default: all cores)\n"
            "--prompt is encoded with the tokenizer's special tokens (BOS); --prompt-ids are used as given.\n"
            "Generation stops at the model's EOS ids (config.json, generation_config.json, tokenizer).");
        return 0;
    }
    Args args(argc, argv, 2, {"ids"},
              {"model", "prompt", "prompt-ids", "max-new-tokens", "temperature", "top-p", "top-k",
               "repetition-penalty", "seed", "device", "dtype", "threads"});
    const std::string dir = args.require("model");
    if (args.has("prompt") == args.has("prompt-ids")) throw ConfigError("give exactly one of --prompt and --prompt-ids");
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

    std::unique_ptr<Tokenizer> tok;
    std::vector<int32_t> prompt;
    if (args.has("prompt")) {
        tok = Tokenizer::from_dir(dir);
        prompt = tok->encode(*args.get("prompt"), true);
    } else {
        for (int id : parse_id_list(*args.get("prompt-ids"))) prompt.push_back(id);
        if (!args.has("ids")) tok = Tokenizer::from_dir(dir);  // text output needs it
    }
    opts.stop_ids = default_stop_ids(dir, tok.get());

    LoadOptions load;
    load.device = parse_device(args.get("device").value_or("auto"));
    load.dtype = parse_dtype(args.get("dtype").value_or("fp32"));
    auto model = load_causal_lm(dir, load);

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
    std::fprintf(stderr, "[%lld prompt tokens, %zu generated, finish: %s, time to first token %.1f ms, %.1f tokens/s]\n",
                 (long long)result.prompt_tokens, result.ids.size(), finish_reason_name(result.finish),
                 result.time_to_first_token_s * 1e3, result.decode_tokens_per_s());
    return 0;
}

}  // namespace lathe::cli
