// lathe-cli tokenize --model DIR (--text TEXT | --text-file FILE) [--add-special]
#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/common.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <cstdio>
#include <string>

namespace lathe::cli {

int cmd_tokenize(int argc, char** argv) {
    if (wants_help(argc, argv)) {
        std::puts("usage: lathe-cli tokenize --model DIR (--text TEXT | --text-file FILE) [--add-special]\n"
                  "Prints the token ids on one line, separated by spaces. Special tokens (BOS...) are added only\n"
                  "with --add-special. DIR may hold only the tokenizer files.");
        return 0;
    }
    Args args(argc, argv, 2, {"add-special"}, {"model", "text", "text-file"});
    const std::string dir = args.require("model");
    if (args.has("text") == args.has("text-file")) throw ConfigError("give exactly one of --text and --text-file");
    const std::string text = args.has("text") ? *args.get("text") : read_file(*args.get("text-file"));
    auto tok = Tokenizer::from_dir(dir);
    auto ids = tok->encode(text, args.has("add-special"));
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) line += ' ';
        line += std::to_string(ids[i]);
    }
    std::printf("%s\n", line.c_str());
    return 0;
}

}  // namespace lathe::cli
