// lathe-cli train --nproc-per-node N: what torchrun does for a PyTorch script, for Lathe's training runs.
// The launcher starts N copies of lathe-cli with torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), passes Ctrl-C on to them, and ends every rank when one fails.
#pragma once
#include <string>
#include <vector>

namespace lathe::cli {

// A run's shape. From take_launch_options, -1 (or "" for the address) marks a flag that was not given, so
// that the config's nproc_per_node, nnodes, node_rank, master_addr and master_port hold.
struct LaunchOptions {
    int nproc_per_node = -1;
    int nnodes = -1;
    int node_rank = -1;
    std::string master_addr;  // "" = 127.0.0.1 on one node; required with several
    int master_port = -1;     // 0 = a free port on one node, 29500 (torchrun's) with several
};

// Takes --nproc-per-node, --nnodes, --node-rank, --master-addr and --master-port (as "--x V" or "--x=V") out
// of `args`. Throws ConfigError for a value out of range (the combination is the config's to check).
LaunchOptions take_launch_options(std::vector<std::string>& args);

// Runs `args` (lathe-cli's arguments after the program name) in nproc_per_node worker processes of this
// node and waits for them (`options` complete: every field set). Returns 0 when every rank finished, 130
// when they stopped on Ctrl-C, else 1 after naming each rank that failed and how.
int launch_workers(const LaunchOptions& options, const std::vector<std::string>& args);

}  // namespace lathe::cli
