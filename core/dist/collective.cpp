#include "core/dist/collective.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

// The process group needs Gloo's headers (Debian: libgloo-dev); LibTorch itself carries the library.
#if __has_include(<gloo/config.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>)
#define LATHE_HAVE_GLOO 1
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#else
#define LATHE_HAVE_GLOO 0
#endif

namespace lathe {

namespace {

int int_variable(const char* name, int fallback, int low, int high) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    const long n = std::strtol(v, &end, 10);
    if (*end != '\0' || n < low || n > high)
        throw ConfigError(std::string(name) + "=" + v + ": expected a whole number from " + std::to_string(low) + " to " +
                          std::to_string(high));
    return static_cast<int>(n);
}

}  // namespace

WorldInfo world_from_environment() {
    WorldInfo w;
    w.world_size = int_variable("WORLD_SIZE", 1, 1, 1 << 20);
    w.rank = int_variable("RANK", 0, 0, w.world_size - 1);
    w.local_world_size = int_variable("LOCAL_WORLD_SIZE", w.world_size, 1, w.world_size);
    w.local_rank = int_variable("LOCAL_RANK", w.rank % w.local_world_size, 0, w.local_world_size - 1);
    if (const char* a = std::getenv("MASTER_ADDR"); a && *a) w.master_addr = a;
    w.master_port = int_variable("MASTER_PORT", w.master_port, 1, 65535);
    return w;
}

int free_local_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 29500;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 29500;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

bool collectives_available() { return LATHE_HAVE_GLOO != 0; }

#if LATHE_HAVE_GLOO

class LocalRendezvous {
public:
    c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::HashStore>();
};

namespace {

constexpr int64_t kBucketBytes = 25 << 20;

class GlooCollective final : public Collective {
public:
    GlooCollective(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world_size, const std::string& host,
                   std::chrono::milliseconds timeout)
        : rank_(rank), world_size_(world_size) {
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        // GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch; else the loopback address for a
        // single-machine run, and the address this host's name resolves to otherwise.
        if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
        else if (host == "127.0.0.1" || host == "localhost" || host == "::1")
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        else
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        options->threads = 2;
        group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("lathe", store), rank,
                                                             world_size, options);
    }

    int rank() const override { return rank_; }
    int world_size() const override { return world_size_; }

    void sum(std::vector<double>& values) override {
        if (values.empty()) return;
        std::vector<at::Tensor> t{torch::tensor(values, torch::kDouble)};
        run([&] { group_->allreduce(t)->wait(); });
        auto a = t[0].accessor<double, 1>();
        for (size_t i = 0; i < values.size(); ++i) values[i] = a[static_cast<int64_t>(i)];
    }

    void sum_tensors(const std::vector<at::Tensor>& tensors) override {
        torch::NoGradGuard no_grad;
        // Buckets of consecutive tensors, flattened into one float32 buffer each.
        size_t i = 0;
        while (i < tensors.size()) {
            std::vector<at::Tensor> flat;
            int64_t bytes = 0;
            size_t j = i;
            for (; j < tensors.size() && (j == i || bytes + tensors[j].numel() * 4 <= kBucketBytes); ++j) {
                flat.push_back(tensors[j].reshape({-1}).to(torch::kCPU, torch::kFloat));
                bytes += tensors[j].numel() * 4;
            }
            std::vector<at::Tensor> bucket{torch::cat(flat)};
            run([&] { group_->allreduce(bucket)->wait(); });
            int64_t offset = 0;
            for (size_t k = i; k < j; ++k) {
                const int64_t n = tensors[k].numel();
                tensors[k].copy_(bucket[0].narrow(0, offset, n).view(tensors[k].sizes()));
                offset += n;
            }
            i = j;
        }
    }

    void broadcast(const std::vector<at::Tensor>& tensors, int root) override {
        torch::NoGradGuard no_grad;
        c10d::BroadcastOptions options;
        options.rootRank = root;
        for (const auto& t : tensors) {
            std::vector<at::Tensor> one{t.to(torch::kCPU, torch::kFloat).contiguous()};
            run([&] { group_->broadcast(one, options)->wait(); });
            if (rank_ != root) t.copy_(one[0]);
        }
    }

    void barrier() override {
        // A barrier is a sum of nothing much: Gloo's own barrier needs no tensors, but this keeps one code path.
        std::vector<double> one{1.0};
        sum(one);
    }

private:
    // A collective that fails means another rank left (its own message says why) or stopped answering.
    template <typename F>
    void run(F&& f) {
        try {
            f();
        } catch (const std::exception& e) {
            const std::string what = e.what();
            throw IoError("lost contact with the other ranks (one of them failed or was stopped, or did not answer "
                          "within ddp_timeout): " + what.substr(0, what.find('\n')));
        }
    }

    int rank_, world_size_;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::unique_ptr<Collective> join_process_group(const WorldInfo& w, std::chrono::milliseconds timeout) {
    const std::string where = w.master_addr + ":" + std::to_string(w.master_port);
    c10::intrusive_ptr<c10d::Store> store;
    try {
        c10d::TCPStoreOptions o;
        o.port = static_cast<uint16_t>(w.master_port);
        o.isServer = w.rank == 0;
        o.numWorkers = static_cast<size_t>(w.world_size);
        o.waitWorkers = true;
        o.timeout = timeout;
        store = c10::make_intrusive<c10d::TCPStore>(w.master_addr, o);
    } catch (const std::exception& e) {
        const std::string what = e.what();
        const std::string first = what.substr(0, what.find('\n'));
        if (w.rank == 0 && (first.find("ddress already in use") != std::string::npos ||
                            first.find("failed to listen") != std::string::npos))
            throw IoError("rank 0 could not serve the rendezvous at " + where +
                          ": the port is in use (pick another with --master-port or MASTER_PORT)");
        if (w.rank == 0)
            throw IoError("rank 0 could not serve the rendezvous at " + where + ", or not every rank of " +
                          std::to_string(w.world_size) + " joined within ddp_timeout (" +
                          std::to_string(timeout.count() / 1000) + " s): " + first);
        throw IoError("rank " + std::to_string(w.rank) + " could not reach the master at " + where +
                      " within ddp_timeout (" + std::to_string(timeout.count() / 1000) + " s): " + first);
    }
    try {
        return std::make_unique<GlooCollective>(store, w.rank, w.world_size, w.master_addr, timeout);
    } catch (const std::exception& e) {
        const std::string what = e.what();
        throw IoError("rank " + std::to_string(w.rank) + ": the process group over " + where + " did not form: " +
                      what.substr(0, what.find('\n')));
    }
}

std::shared_ptr<LocalRendezvous> make_local_rendezvous() { return std::make_shared<LocalRendezvous>(); }

std::unique_ptr<Collective> join_local(const std::shared_ptr<LocalRendezvous>& r, int rank, int world_size,
                                       std::chrono::milliseconds timeout) {
    return std::make_unique<GlooCollective>(r->store, rank, world_size, "127.0.0.1", timeout);
}

#else

class LocalRendezvous {};

namespace {
[[noreturn]] void no_backend() {
    throw ConfigError(
        "this build of Lathe has no process-group backend: install Gloo's headers (Debian: libgloo-dev) and "
        "build again");
}
}  // namespace

std::unique_ptr<Collective> join_process_group(const WorldInfo&, std::chrono::milliseconds) { no_backend(); }
std::shared_ptr<LocalRendezvous> make_local_rendezvous() { return std::make_shared<LocalRendezvous>(); }
std::unique_ptr<Collective> join_local(const std::shared_ptr<LocalRendezvous>&, int, int, std::chrono::milliseconds) {
    no_backend();
}

#endif

}  // namespace lathe
