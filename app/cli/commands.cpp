#include "app/cli/commands.h"

namespace lathe::cli {

int cmd_info(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_generate(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_chat(int argc, char** argv);
int cmd_score(int argc, char** argv);
int cmd_export(int argc, char** argv);
int cmd_api(int argc, char** argv);
int cmd_data(int argc, char** argv);

const std::vector<Command>& commands() {
    static const std::vector<Command> list = {
        {"info", cmd_info},
        {"tokenize", cmd_tokenize},
        {"generate", cmd_generate},
        {"chat", cmd_chat},
        {"train", cmd_train},
        {"score", cmd_score},
        {"export", cmd_export},
        {"api", cmd_api},
        {"data", cmd_data},
    };
    return list;
}

}  // namespace lathe::cli
