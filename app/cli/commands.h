#pragma once
#include <string>
#include <vector>

namespace lathe::cli {

struct Command {
    const char* name;
    int (*run)(int argc, char** argv);  // argv[1] is the command name
};

const std::vector<Command>& commands();

}  // namespace lathe::cli
