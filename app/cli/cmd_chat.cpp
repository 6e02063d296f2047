// lathe-cli chat --model DIR [--adapter DIR] [--template NAME] [--system TEXT]: a terminal chat.
#include "app/cli/args.h"
#include "app/cli/common.h"
#include "core/data/template.h"
#include "core/infer/inference_weights.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"
#include "core/peft/adapter_io.h"
#include "core/peft/params.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/device.h"
#include "core/util/error.h"
#include "core/util/strings.h"

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace lathe::cli {

int cmd_chat(int argc, char** argv) {
    if (wants_help(argc, argv)) {
        std::puts("usage: lathe-cli chat --model DIR [--adapter DIR[,DIR...]] [--template NAME] [--system TEXT]\n"
                  "       [--temperature T] [--top-p P] [--top-k K] [--repetition-penalty R] [--max-new-tokens N]\n"
                  "       [--seed S] [--device D] [--weights auto|f32|bf16|int8] [--threads N] [--no-thinking]\n"
                  "Reads your messages from standard input, one per line, and streams the replies.\n"
                  "Commands: /clear (forget the conversation), /system TEXT, /exit.\n"
                  "--no-thinking: a reasoning template (deepseekr1, qwen3) answers without a thought.");
        return 0;
    }
    Args args(argc, argv, 2, {"no-thinking"},
              {"model", "adapter", "template", "system", "temperature", "top-p", "top-k", "repetition-penalty",
               "max-new-tokens", "seed", "device", "weights", "threads"});
    const std::string dir = args.require("model");
    read_model_config(dir);  // a folder that holds no model fails here, not on its tokenizer
    set_threads(args.get_int("threads", 0));
    auto tok = Tokenizer::from_dir(dir);
    InferenceOptions io;
    io.device = parse_device(args.get("device").value_or("auto"));
    io.weights = parse_weight_format(args.get("weights").value_or("auto"));
    CausalLM model{nullptr};
    InferenceReport held;
    if (auto adapters = args.get("adapter")) {
        // Adapters merge into float32 weights, which are then held as asked.
        LoadOptions load;
        load.device = io.device;
        model = load_causal_lm(dir, load);
        merge_lora_adapters(model.ptr(), split_list(*adapters), dir);
        const WeightFormat format = resolve_weight_format(dir, io.weights, io.device);
        if (!io.device.is_cpu() && format == WeightFormat::BF16) model->to(torch::kBFloat16);
        else held = pack_for_inference(*model, io.device.is_cpu() ? format : WeightFormat::F32);
        held.weights = format;
    } else {
        model = load_for_inference(dir, io, &held);
    }
    const std::string tmpl_name = args.get("template").value_or(pick_template(tok.get(), model->config().model_type));
    const ChatTemplate& tmpl = *find_template(tmpl_name);
    std::string system = args.get("system").value_or("");

    GenerateOptions opts;
    opts.sampling.temperature = args.get_double("temperature", 0.7);
    opts.sampling.top_p = args.get_double("top-p", 0.9);
    opts.sampling.top_k = args.get_int("top-k", 0);
    opts.sampling.repetition_penalty = args.get_double("repetition-penalty", 1.0);
    if (args.has("seed")) opts.sampling.seed = static_cast<uint64_t>(args.get_int("seed", 0));
    opts.sampling.validate();
    opts.max_new_tokens = args.get_int("max-new-tokens", 512);
    if (opts.max_new_tokens < 0)
        throw ConfigError("--max-new-tokens: expected a count >= 0, got " + std::to_string(opts.max_new_tokens));
    auto stops = tmpl.stop_criteria(*tok);
    opts.stop_ids = default_stop_ids(dir, tok.get());
    for (int32_t id : stops.token_ids)
        if (std::find(opts.stop_ids.begin(), opts.stop_ids.end(), id) == opts.stop_ids.end()) opts.stop_ids.push_back(id);
    opts.stop_strings = stops.strings;

    const bool tty = isatty(0);
    if (tty)
        std::fprintf(stderr, "chatting with %s (template %s, %s weights). /clear, /system TEXT, /exit\n", dir.c_str(),
                     tmpl_name.c_str(), weight_format_name(held.weights));
    std::vector<Message> history;
    std::string line;
    while (true) {
        if (tty) std::fprintf(stderr, "\n> ");
        if (!std::getline(std::cin, line)) break;
        if (line == "/exit" || line == "/quit") break;
        if (line == "/clear") {
            history.clear();
            continue;
        }
        if (line.rfind("/system ", 0) == 0) {
            system = line.substr(8);
            history.clear();
            continue;
        }
        if (line.empty()) continue;
        history.push_back({Role::User, line});
        auto prompt = tmpl.encode_generation(*tok, history, system, !args.has("no-thinking"));
        auto result = generate(*model, tok.get(), prompt, opts, [](const std::string& text, int32_t) {
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        });
        std::printf("\n");
        std::fflush(stdout);
        history.push_back({Role::Assistant, result.text});
    }
    return 0;
}

}  // namespace lathe::cli
