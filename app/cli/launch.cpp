#include "app/cli/launch.h"

#include "app/cli/args.h"
#include "core/dist/collective.h"
#include "core/util/error.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;  // unistd.h declares it only with _GNU_SOURCE

namespace lathe::cli {

namespace {

volatile sig_atomic_t g_forward_signal = 0;

void remember_signal(int sig) { g_forward_signal = sig; }

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* name = sigabbrev_np(sig);
        return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : std::string());
    }
    return "ended with status " + std::to_string(status);
}

}  // namespace

LaunchOptions take_launch_options(std::vector<std::string>& args) {
    LaunchOptions o;
    std::vector<std::string> rest;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        std::string name = a, value;
        bool has_value = false;
        if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            has_value = true;
        }
        const bool ours = name == "--nproc-per-node" || name == "--nnodes" || name == "--node-rank" ||
                          name == "--master-addr" || name == "--master-port";
        if (!ours) {
            rest.push_back(a);
            continue;
        }
        if (!has_value) {
            if (i + 1 >= args.size()) throw ConfigError(name + " needs a value");
            value = args[++i];
        }
        if (name == "--master-addr") {
            if (value.empty()) throw ConfigError("--master-addr: expected a host name or address, found nothing");
            o.master_addr = value;
            continue;
        }
        const int n = parse_int(name, value);
        if (name == "--nproc-per-node") {
            if (n < 1 || n > 1024) throw ConfigError(name + ": expected 1 to 1024 processes, found " + value);
            o.nproc_per_node = n;
        } else if (name == "--nnodes") {
            if (n < 1 || n > 1024) throw ConfigError(name + ": expected 1 to 1024 machines, found " + value);
            o.nnodes = n;
        } else if (name == "--node-rank") {
            if (n < 0) throw ConfigError(name + ": expected 0 or more, found " + value);
            o.node_rank = n;
        } else {
            if (n < 1 || n > 65535) throw ConfigError(name + ": expected 1 to 65535, found " + value);
            o.master_port = n;
        }
    }
    args = rest;
    return o;
}

int launch_workers(const LaunchOptions& o, const std::vector<std::string>& args) {
    const WorldInfo node = node_world(o.nproc_per_node, o.nnodes, o.node_rank, o.master_addr, o.master_port);
    const std::string& addr = node.master_addr;
    const int port = node.master_port, world = node.world_size;
    std::fprintf(stderr, "launching %d process(es) on this node (ranks %d-%d of %d), rendezvous at %s:%d\n",
                 o.nproc_per_node, o.node_rank * o.nproc_per_node, (o.node_rank + 1) * o.nproc_per_node - 1, world,
                 addr.c_str(), port);
    std::fflush(stderr);

    std::map<pid_t, int> ranks;  // live workers
    // Ctrl-C and SIGTERM reach the launcher only (each worker has a process group of its own); it passes
    // them on once, so a worker stops after its current step as a single-process run does.
    g_forward_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = remember_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    // Everything a worker needs is prepared before fork(): between fork and exec the child only calls
    // async-signal-safe functions.
    char path[4096];  // the program's own path (not /proc/self/exe), so that ps and top show lathe-cli
    const ssize_t path_len = readlink("/proc/self/exe", path, sizeof path - 1);
    if (path_len <= 0) throw IoError("could not find this program's path (/proc/self/exe) to start the workers");
    path[path_len] = '\0';
    std::vector<std::string> argv_text{"lathe-cli"};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (int local = 0; local < o.nproc_per_node; ++local) {
        const int rank = o.node_rank * o.nproc_per_node + local;
        const std::map<std::string, std::string> vars = {
            {"RANK", std::to_string(rank)}, {"WORLD_SIZE", std::to_string(world)}, {"LOCAL_RANK", std::to_string(local)},
            {"LOCAL_WORLD_SIZE", std::to_string(o.nproc_per_node)}, {"GROUP_RANK", std::to_string(o.node_rank)},
            {"MASTER_ADDR", addr}, {"MASTER_PORT", std::to_string(port)}};
        std::vector<std::string> env_text;
        for (char** e = environ; *e; ++e) {
            const std::string entry = *e;
            if (!vars.count(entry.substr(0, entry.find('=')))) env_text.push_back(entry);
        }
        for (const auto& [k, v] : vars) env_text.push_back(k + "=" + v);
        // c10d logs through glog: its warnings and errors (a port it tried, a peer that left) say less than
        // the worker's own error message, which names the rank, the address and what to change.
        if (!std::getenv("GLOG_minloglevel")) env_text.push_back("GLOG_minloglevel=3");
        std::vector<char*> envp;
        for (auto& e : env_text) envp.push_back(e.data());
        envp.push_back(nullptr);
        const pid_t pid = fork();
        if (pid < 0) throw IoError(std::string("could not start a worker process: ") + std::strerror(errno));
        if (pid == 0) {
            setpgid(0, 0);
            signal(SIGINT, SIG_DFL);
            signal(SIGTERM, SIG_DFL);
            execve(path, argv.data(), envp.data());
            const char msg[] = "lathe-cli train: a worker could not start (execve failed)\n";
            (void)!write(2, msg, sizeof msg - 1);
            _exit(127);
        }
        ranks[pid] = rank;
    }

    std::vector<std::string> failures;
    bool interrupted = false;
    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> ending;  // when the others were asked to stop after a failure
    bool killed = false;
    while (!ranks.empty()) {
        if (g_forward_signal) {
            const int sig = g_forward_signal;
            g_forward_signal = 0;
            interrupted = true;
            for (const auto& [pid, rank] : ranks) kill(pid, sig);
        }
        int status = 0;
        const pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0 && ranks.count(pid)) {
            const int rank = ranks[pid];
            ranks.erase(pid);
            const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            // Stopped by the signal passed on (Ctrl-C: exit 130 after a checkpoint; SIGTERM: killed by it).
            const bool stopped = interrupted && ((WIFEXITED(status) && WEXITSTATUS(status) == 130) ||
                                                 (WIFSIGNALED(status) && (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGINT)));
            if (!ok && !stopped && !ending) {
                failures.push_back("rank " + std::to_string(rank) + " " + describe_status(status));
                // As torchrun: one rank's failure ends the run on every rank.
                for (const auto& [other, r] : ranks) kill(other, SIGTERM);
                ending = Clock::now();
            } else if (!ok && !stopped && !(WIFSIGNALED(status) && (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL))) {
                failures.push_back("rank " + std::to_string(rank) + " " + describe_status(status));  // not stopped by us
            }
            continue;
        }
        if (ending && !killed && Clock::now() - *ending > std::chrono::seconds(10)) {
            for (const auto& [other, r] : ranks) kill(other, SIGKILL);
            killed = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (!failures.empty()) {
        std::string all;
        for (const auto& f : failures) all += (all.empty() ? "" : "; ") + f;
        std::fprintf(stderr, "lathe-cli train: error: the run failed: %s (the other ranks were stopped; the last good "
                             "checkpoint, if any, is intact)\n", all.c_str());
        return 1;
    }
    return interrupted ? 130 : 0;
}

}  // namespace lathe::cli
