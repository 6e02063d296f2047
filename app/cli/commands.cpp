#include "app/cli/commands.h"

namespace lathe::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> list = {};
    return list;
}

}  // namespace lathe::cli
