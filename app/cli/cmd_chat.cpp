// lathe-cli chat --model DIR [--adapter DIR] [--template NAME] [--system TEXT]: a terminal chat.
#include "app/cli/args.h"
#include "app/cli/common.h"
#include "core/chat/chat_session.h"
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
    ChatOptions options;
    options.temperature = args.get_double("temperature", options.temperature);
    options.top_p = args.get_double("top-p", options.top_p);
    options.top_k = args.get_int("top-k", options.top_k);
    options.repetition_penalty = args.get_double("repetition-penalty", options.repetition_penalty);
    if (args.has("seed")) options.seed = static_cast<uint64_t>(args.get_int("seed", 0));
    options.max_new_tokens = args.get_int("max-new-tokens", options.max_new_tokens);
    if (options.max_new_tokens < 1)
        throw ConfigError("--max-new-tokens: expected a count >= 1, got " + std::to_string(options.max_new_tokens));
    options.enable_thinking = !args.has("no-thinking");
    options.validate();  // before the model loads

    // The studio's chat engine: the adapters are merged into the base, as LLaMA-Factory's chat does.
    ChatSession session;
    session.load(dir, args.get("device").value_or("auto"), args.get_int("threads", 0),
                 args.get("weights").value_or("auto"), split_list(args.get("adapter").value_or("")));
    if (auto name = args.get("template")) session.set_template(*name);
    std::string system = args.get("system").value_or("");

    const bool tty = isatty(0);
    if (tty) std::fprintf(stderr, "chatting with %s: %s. /clear, /system TEXT, /exit\n", dir.c_str(), session.describe().c_str());
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
        const ChatReply reply = session.reply(history, system, options, ChatVariant::Tuned, [](const std::string& text) {
            std::fwrite(text.data(), 1, text.size(), stdout);
            std::fflush(stdout);
        });
        std::printf("\n");
        std::fflush(stdout);
        history.push_back({Role::Assistant, reply.text});
    }
    return 0;
}

}  // namespace lathe::cli
