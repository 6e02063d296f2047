// Data-parallel training across processes on LibTorch's own distributed engine (c10d): a process group
// (Gloo, over TCP) met through a TCPStore, as torchrun sets them up. The training loop sees only this
// small interface: sums of a few numbers, sums of gradients, a broadcast and a barrier.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace lathe {

// Where this process sits in a run, from torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT).
struct WorldInfo {
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;
    int local_world_size = 1;
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;
    // Started by torchrun's agent (TORCHELASTIC_USE_AGENT_STORE=True): the agent on node 0 already serves the
    // store at MASTER_ADDR:MASTER_PORT, so every rank, rank 0 included, joins it as a client, under the key
    // prefix of this restart (TORCHELASTIC_RESTART_COUNT), as torch.distributed does.
    bool agent_store = false;
    int restart_count = 0;
    bool distributed() const { return world_size > 1; }
};

// The first rank of machine `node_rank` of a run of `nnodes` machines with `nproc_per_node` processes each
// (what lathe-cli's launcher and the studio start): master_addr "" is 127.0.0.1 (one machine), port 0 a
// free local port on one machine and 29500 (torchrun's) with several.
WorldInfo node_world(int nproc_per_node, int nnodes, int node_rank, const std::string& master_addr, int master_port);

// The device a rank of a data-parallel run trains on: "cuda" and "auto" (where CUDA is available) become
// "cuda:LOCAL_RANK", one GPU per process of the machine, as torchrun's scripts do; anything else is kept.
std::string device_for_local_rank(const std::string& device, int local_rank);
std::string device_for_local_rank(const std::string& device, int local_rank, bool cuda_available);

// CPU threads for each of `processes` processes of one machine when the config says 0 (every core): the
// cores this process may use, shared out, at least one each.
int threads_per_process(int processes);

// The world torchrun's variables describe; a single process when WORLD_SIZE is unset. A variable that is
// set but wrong (not a number, a rank outside the world, a port outside 1-65535) is a ConfigError naming it.
WorldInfo world_from_environment();

class Collective {
public:
    virtual ~Collective() = default;
    virtual int rank() const = 0;
    virtual int world_size() const = 0;
    bool is_root() const { return rank() == 0; }

    // Element-wise sums over every rank, in place (float64 on the wire).
    virtual void sum(std::vector<double>& values) = 0;
    // Sums of tensors over every rank, in place, in buckets of about 25 MB (float32 on the wire: Gloo has no
    // bf16 sums; other dtypes are converted there and back).
    virtual void sum_tensors(const std::vector<at::Tensor>& tensors) = 0;
    // A sum started by start_sum; wait() returns once the tensor holds it (an IoError if a rank was lost).
    class PendingSum {
    public:
        virtual ~PendingSum() = default;
        virtual void wait() = 0;
    };
    // Starts summing `flat` (float32, on the CPU, contiguous) over every rank, in place, and returns at
    // once. Every rank must start its sums in the same order.
    virtual std::unique_ptr<PendingSum> start_sum(const at::Tensor& flat) = 0;
    // Rank `root`'s values into every rank's tensors, in place.
    virtual void broadcast(const std::vector<at::Tensor>& tensors, int root = 0) = 0;
    virtual void barrier() = 0;
};

// A TCP port on the loopback interface that nothing listens on now (the kernel's pick; 29500 if it cannot
// say), for a run of several processes on one machine.
int free_local_port();

// Whether this build has a process-group backend (Gloo headers were found at configure time).
bool collectives_available();

// Joins the process group of `world` (rank 0 serves the store at master_addr:master_port, unless torchrun's
// agent does). Every wait, the meeting included, gives up after `timeout` (LLaMA-Factory's ddp_timeout). A
// port in use, a master that cannot be reached and a world that never fills are IoErrors that say which
// (the last with how many ranks came). While waiting for the others it looks at `cancel` (the studio's
// Abort) every tenth of a second and throws Cancelled when it is set.
std::unique_ptr<Collective> join_process_group(const WorldInfo& world, std::chrono::milliseconds timeout,
                                               const std::atomic<bool>* cancel = nullptr);

// Ranks as threads of one process (tests): every thread calls join_local with the same rendezvous.
class LocalRendezvous;
std::shared_ptr<LocalRendezvous> make_local_rendezvous();
std::unique_ptr<Collective> join_local(const std::shared_ptr<LocalRendezvous>& rendezvous, int rank, int world_size,
                                       std::chrono::milliseconds timeout);

}  // namespace lathe
