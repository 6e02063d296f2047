#include "core/dist/collective.h"

#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/threads.h"

#include <torch/torch.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <thread>

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
        throw ConfigError(plain_problem("env_not_whole_number", {name, v, std::to_string(low), std::to_string(high)}));
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
    if (const char* a = std::getenv("TORCHELASTIC_USE_AGENT_STORE"); a && std::string(a) == "True") {
        w.agent_store = true;
        w.restart_count = int_variable("TORCHELASTIC_RESTART_COUNT", 0, 0, 1 << 30);
    }
    return w;
}

WorldInfo node_world(int nproc_per_node, int nnodes, int node_rank, const std::string& master_addr, int master_port) {
    WorldInfo w;
    w.local_world_size = std::max(1, nproc_per_node);
    w.world_size = std::max(1, nnodes) * w.local_world_size;
    w.rank = node_rank * w.local_world_size;
    w.master_addr = master_addr.empty() ? "127.0.0.1" : master_addr;
    w.master_port = master_port ? master_port : (nnodes <= 1 ? free_local_port() : 29500);
    return w;
}

std::string device_for_local_rank(const std::string& device, int local_rank, bool cuda_available) {
    if (device == "cuda" || ((device.empty() || device == "auto") && cuda_available))
        return "cuda:" + std::to_string(local_rank);
    return device;
}

std::string device_for_local_rank(const std::string& device, int local_rank) {
    return device_for_local_rank(device, local_rank, torch::cuda::is_available());
}

int threads_per_process(int processes) { return std::max(1, available_cores() / std::max(1, processes)); }

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
namespace {

// Whether a TCP server accepts connections at host:port (one connection, closed at once), waiting at
// most `wait` for the answer.
bool listening(const std::string& host, int port, std::chrono::milliseconds wait) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return false;
    bool ok = false;
    for (addrinfo* a = found; a && !ok; a = a->ai_next) {
        const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            ok = true;
        } else if (errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int error = 0;
            socklen_t len = sizeof error;
            ok = poll(&p, 1, static_cast<int>(wait.count())) == 1 &&
                 getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
        }
        close(fd);
    }
    freeaddrinfo(found);
    return ok;
}

}  // namespace

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

    std::unique_ptr<PendingSum> start_sum(const at::Tensor& flat) override {
        std::vector<at::Tensor> one{flat};
        auto work = group_->allreduce(one);
        return std::make_unique<GlooPending<decltype(work)>>(std::move(work), this);
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
    template <class Work>
    class GlooPending final : public PendingSum {
    public:
        GlooPending(Work work, GlooCollective* owner) : work_(std::move(work)), owner_(owner) {}
        void wait() override {
            owner_->run([&] { work_->wait(); });
        }

    private:
        Work work_;
        GlooCollective* owner_;
    };

    // A collective that fails means another rank left (its own message says why) or stopped answering.
    template <typename F>
    void run(F&& f) {
        try {
            f();
        } catch (const std::exception& e) {
            const std::string what = e.what();
            throw IoError(plain_problem("ranks_lost_contact", {what.substr(0, what.find('\n'))}));
        }
    }

    int rank_, world_size_;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::unique_ptr<Collective> join_process_group(const WorldInfo& w, std::chrono::milliseconds timeout,
                                               const std::atomic<bool>* cancel) {
    using Clock = std::chrono::steady_clock;
    using std::chrono::milliseconds;
    const auto deadline = Clock::now() + timeout;
    const std::string where = w.master_addr + ":" + std::to_string(w.master_port);
    const std::string seconds = std::to_string(timeout.count() / 1000);
    const std::string me = std::to_string(w.rank);
    auto first_line = [](const std::exception& e) {
        const std::string what = e.what();
        return what.substr(0, what.find('\n'));
    };
    auto check_cancel = [&] {
        if (cancel && cancel->load()) throw Cancelled();
    };
    // Rank 0 serves the store (unless torchrun's agent does). The others first wait, looking at `cancel`,
    // until something listens there (the store's own client would retry once a second, logging each
    // try), then connect.
    const bool serve = w.rank == 0 && !w.agent_store;
    if (!serve)
        while (!listening(w.master_addr, w.master_port, milliseconds(500))) {
            check_cancel();
            if (Clock::now() >= deadline)
                throw IoError(plain_problem("rank_master_not_listening", {me, where, seconds}));
            std::this_thread::sleep_for(milliseconds(100));
        }
    check_cancel();
    c10::intrusive_ptr<c10d::Store> store;
    try {
        c10d::TCPStoreOptions o;
        o.port = static_cast<uint16_t>(w.master_port);
        o.isServer = serve;
        o.numWorkers = static_cast<size_t>(w.world_size);
        o.waitWorkers = false;  // the meeting below counts the ranks, looking at `cancel`
        o.timeout = std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
        store = c10::make_intrusive<c10d::TCPStore>(w.master_addr, o);
    } catch (const std::exception& e) {
        const std::string first = first_line(e);
        if (serve && (first.find("ddress already in use") != std::string::npos ||
                      first.find("failed to listen") != std::string::npos))
            throw IoError(plain_problem("rendezvous_port_in_use", {where}));
        if (serve) throw IoError(plain_problem("rendezvous_serve_failed", {where, first}));
        throw IoError(plain_problem("rank_master_unreachable", {me, where, seconds, first}));
    }
    store->setTimeout(timeout);
    if (w.agent_store)
        store = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(w.restart_count), store);
    // The meeting: every rank adds one to a counter and waits until it reaches the world's size.
    try {
        store->add("lathe/joined", 1);
        for (;;) {
            const int64_t joined = store->add("lathe/joined", 0);
            if (joined >= w.world_size) break;
            check_cancel();
            if (Clock::now() >= deadline)
                throw IoError(plain_problem("ranks_did_not_meet",
                                            {me, std::to_string(joined), std::to_string(w.world_size), where, seconds}));
            std::this_thread::sleep_for(milliseconds(100));
        }
    } catch (const Error&) {
        throw;
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& e) {
        throw IoError(plain_problem("rank_lost_master", {me, where, first_line(e)}));
    }
    try {
        return std::make_unique<GlooCollective>(store, w.rank, w.world_size, w.master_addr, timeout);
    } catch (const std::exception& e) {
        throw IoError(plain_problem("process_group_failed", {me, where, first_line(e)}));
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
    throw ConfigError(plain_problem("no_process_group_backend"));
}
}  // namespace

std::unique_ptr<Collective> join_process_group(const WorldInfo&, std::chrono::milliseconds, const std::atomic<bool>*) {
    no_backend();
}
std::shared_ptr<LocalRendezvous> make_local_rendezvous() { return std::make_shared<LocalRendezvous>(); }
std::unique_ptr<Collective> join_local(const std::shared_ptr<LocalRendezvous>&, int, int, std::chrono::milliseconds) {
    no_backend();
}

#endif

}  // namespace lathe
