// The live child processes of a process, read from /proc (Linux), for tests that start workers: the
// data-parallel launcher's ranks, the studio's lathe-cli workers.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lathe::test {

// Pids of the processes whose parent is `parent`, zombies left out.
inline std::vector<pid_t> child_processes(pid_t parent) {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(e.path() / "stat");
        std::string line;
        std::getline(stat, line);
        const auto close = line.rfind(')');  // the command name may hold spaces and parentheses
        if (close == std::string::npos || close + 2 > line.size()) continue;
        std::istringstream rest(line.substr(close + 2));
        char state = 0;
        long ppid = 0;
        rest >> state >> ppid;
        if (ppid == parent && state != 'Z') out.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return out;
}

// Whether process `pid`'s environment holds exactly `assignment` ("RANK=1").
inline bool environment_has(pid_t pid, const std::string& assignment) {
    std::ifstream env("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    std::string var;
    while (std::getline(env, var, '\0'))
        if (var == assignment) return true;
    return false;
}

// The file name of the program process `pid` runs ("lathe-cli"), or "".
inline std::string program_of(pid_t pid) {
    std::error_code ec;
    return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).filename().string();
}

}  // namespace lathe::test
