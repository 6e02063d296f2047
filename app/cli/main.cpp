// lathe-cli: the engine without the studio. Each subcommand lives in its own cmd_*.cpp.
#include "app/cli/commands.h"
#include "core/util/error.h"
#include "core/util/file_size_limit.h"
#include "core/util/threads.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

void usage(FILE* out) {
    std::fputs(
        "usage: lathe-cli <command> [options]\n"
        "\n"
        "commands:\n"
        "  info      --model DIR                      architecture, size, tokenizer, template\n"
        "  tokenize  --model DIR (--text T | --text-file F) [--add-special]\n"
        "  generate  --model DIR (--prompt T | --prompt-ids 1,2,3) [--max-new-tokens N]\n"
        "            [--temperature T] [--top-p P] [--top-k K] [--seed S] [--ids]\n"
        "  chat      --model DIR [--adapter DIR] [--template NAME] [--system TEXT]\n"
        "  train     CONFIG.yaml [key=value ...]\n"
        "  score     --model DIR [--adapter DIR] --prompt P --response R   a reward model's score\n"
        "  export    CONFIG.yaml [key=value ...] [--dry-run]   merge adapters, write HF or GGUF\n"
        "  api       --model DIR [--adapter DIR] [--port 8000]  an OpenAI-compatible API server\n"
        "  data      CONFIG.yaml [key=value ...]   clean, scrub, filter and deduplicate a corpus\n"
        "\n"
        "Run 'lathe-cli <command> --help' for the options of one command.\n",
        out);
}

}  // namespace

int main(int argc, char** argv) {
    lathe::prefer_passive_openmp(argv);  // before anything starts OpenMP (core/util/threads.h)
    lathe::fail_writes_past_file_size_limit();
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    try {
        for (const auto& c : lathe::cli::commands()) {
            if (command == c.name) return c.run(argc, argv);
        }
        std::fprintf(stderr, "lathe-cli: unknown command '%s'\n", command.c_str());
        usage(stderr);
        return 2;
    } catch (const lathe::Error& e) {
        std::fprintf(stderr, "lathe-cli %s: error: %s\n", command.c_str(), e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lathe-cli %s: internal error: %s\n", command.c_str(), e.what());
        return 3;
    }
}
