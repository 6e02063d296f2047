// The pieces of data-parallel training below the launcher: each rank's share of an epoch (PyTorch's
// DistributedSampler), torchrun's variables read with errors that name them, and the collective
// operations over a real Gloo process group whose ranks are threads of this process.
#include "core/dist/collective.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "tests/core/dist/thread_ranks.h"
#include "tests/registry.h"

#include <QtTest>
#include <torch/torch.h>
#if __has_include(<torch/csrc/distributed/c10d/TCPStore.hpp>)
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#define LATHE_TEST_HAVE_TCPSTORE 1
#endif

#include <atomic>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <thread>

using namespace lathe;

namespace {

// Runs join_process_group for ranks `ranks` of a world of `world` on threads (real TCP on the loopback
// interface), then `body` on each; returns each rank's error message ("" when none, "cancelled").
std::vector<std::string> over_tcp(WorldInfo base, const std::vector<int>& ranks, std::chrono::milliseconds timeout,
                                  const std::function<void(Collective&)>& body, const std::atomic<bool>* cancel = nullptr) {
    std::vector<std::string> errors(ranks.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < ranks.size(); ++i)
        threads.emplace_back([&, i] {
            WorldInfo w = base;
            w.rank = ranks[i];
            try {
                auto c = join_process_group(w, timeout, cancel);
                body(*c);
            } catch (const Cancelled&) {
                errors[i] = "cancelled";
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    for (auto& t : threads) t.join();
    return errors;
}

// Sets the variables for the scope of one check, restoring "unset" after.
struct Env {
    std::vector<std::string> names;
    Env(std::initializer_list<std::pair<const char*, const char*>> vars) {
        for (const auto& [k, v] : vars) {
            setenv(k, v, 1);
            names.push_back(k);
        }
    }
    ~Env() {
        for (const auto& k : names) unsetenv(k.c_str());
    }
};

}  // namespace

class TestCollective : public QObject {
    Q_OBJECT

private slots:
    void sharesFollowDistributedSampler() {
        std::vector<size_t> order(10);
        std::iota(order.begin(), order.end(), size_t{100});
        // Padded from the start to 12, then every 4th: what torch.utils.data.DistributedSampler yields.
        QCOMPARE(rank_share(order, 0, 4), (std::vector<size_t>{100, 104, 108}));
        QCOMPARE(rank_share(order, 1, 4), (std::vector<size_t>{101, 105, 109}));
        QCOMPARE(rank_share(order, 2, 4), (std::vector<size_t>{102, 106, 100}));
        QCOMPARE(rank_share(order, 3, 4), (std::vector<size_t>{103, 107, 101}));
        QCOMPARE(rank_share(order, 0, 1), order);
        // Two ranks' micro-batches of 2 together are one process's batch of 4.
        std::vector<size_t> a = rank_share(order, 0, 2), b = rank_share(order, 1, 2);
        std::vector<size_t> first_four{a[0], a[1], b[0], b[1]};
        std::sort(first_four.begin(), first_four.end());
        QCOMPARE(first_four, (std::vector<size_t>{100, 101, 102, 103}));
    }

    void torchrunVariablesAreReadAndChecked() {
        {
            const WorldInfo w = world_from_environment();
            QCOMPARE(w.world_size, 1);
            QVERIFY(!w.distributed());
        }
        {
            Env env{{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
                    {"MASTER_ADDR", "10.0.0.5"}, {"MASTER_PORT", "29512"}};
            const WorldInfo w = world_from_environment();
            QCOMPARE(w.rank, 3);
            QCOMPARE(w.world_size, 4);
            QCOMPARE(w.local_rank, 1);
            QCOMPARE(w.local_world_size, 2);
            QCOMPARE(w.master_addr, std::string("10.0.0.5"));
            QCOMPARE(w.master_port, 29512);
        }
        const std::vector<std::pair<std::vector<std::pair<const char*, const char*>>, std::string>> bad = {
            {{{"RANK", "2"}, {"WORLD_SIZE", "2"}}, "RANK=2: expected a whole number from 0 to 1"},
            {{{"RANK", "0"}, {"WORLD_SIZE", "two"}}, "WORLD_SIZE=two"},
            {{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}}, "MASTER_PORT=70000: expected a whole number from 1 to 65535"},
        };
        for (const auto& [vars, expected] : bad) {
            std::vector<std::string> names;
            for (const auto& [k, v] : vars) {
                setenv(k, v, 1);
                names.push_back(k);
            }
            std::string message;
            try {
                world_from_environment();
            } catch (const ConfigError& e) {
                message = e.what();
            }
            for (const auto& k : names) unsetenv(k.c_str());
            QVERIFY2(message.find(expected) != std::string::npos, (expected + " | " + message).c_str());
        }
    }

    void deviceFollowsTheLocalRank() {
        // One GPU per process of a machine, as torchrun scripts pick it; the CPU and a named GPU stay.
        QCOMPARE(device_for_local_rank("cuda", 1, true), std::string("cuda:1"));
        QCOMPARE(device_for_local_rank("cuda", 3, false), std::string("cuda:3"));  // asked for: parse_device says it is absent
        QCOMPARE(device_for_local_rank("auto", 2, true), std::string("cuda:2"));
        QCOMPARE(device_for_local_rank("", 2, true), std::string("cuda:2"));
        QCOMPARE(device_for_local_rank("auto", 2, false), std::string("auto"));
        QCOMPARE(device_for_local_rank("cpu", 1, true), std::string("cpu"));
        QCOMPARE(device_for_local_rank("cuda:0", 1, true), std::string("cuda:0"));
        QVERIFY(threads_per_process(1) >= 1);
        QCOMPARE(threads_per_process(100000), 1);
    }

    void torchrunAgentStoreIsRead() {
        Env env{{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"TORCHELASTIC_USE_AGENT_STORE", "True"}, {"TORCHELASTIC_RESTART_COUNT", "3"}};
        const WorldInfo w = world_from_environment();
        QVERIFY(w.agent_store);
        QCOMPARE(w.restart_count, 3);
        setenv("TORCHELASTIC_USE_AGENT_STORE", "False", 1);
        QVERIFY(!world_from_environment().agent_store);
    }

    void ranksMeetOverTcp() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        // Rank 0 serves the store, rank 1 connects; then a sum over the group.
        WorldInfo w;
        w.world_size = w.local_world_size = 2;
        w.master_port = free_local_port();
        std::vector<double> got(2);
        const auto errors = over_tcp(w, {0, 1}, std::chrono::seconds(60), [&](Collective& c) {
            std::vector<double> v{double(c.rank() + 1)};
            c.sum(v);
            got[static_cast<size_t>(c.rank())] = v[0];
        });
        QVERIFY2(errors[0].empty() && errors[1].empty(), (errors[0] + " | " + errors[1]).c_str());
        QCOMPARE(got, (std::vector<double>{3.0, 3.0}));
    }

    void torchrunAgentServesTheStore() {
#ifndef LATHE_TEST_HAVE_TCPSTORE
        QSKIP("this LibTorch has no c10d TCPStore header");
#else
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        // torchrun's agent holds the store at MASTER_PORT: every rank, rank 0 too, joins it as a client (a
        // rank 0 that tried to serve would find the port in use), under /worker/attempt_<restart count>.
        const int port = free_local_port();
        c10d::TCPStoreOptions o;
        o.port = static_cast<uint16_t>(port);
        o.isServer = true;
        o.waitWorkers = false;
        o.timeout = std::chrono::seconds(60);
        auto agent = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", o);
        WorldInfo w;
        w.world_size = w.local_world_size = 2;
        w.master_port = port;
        w.agent_store = true;
        w.restart_count = 1;
        std::vector<double> got(2);
        const auto errors = over_tcp(w, {0, 1}, std::chrono::seconds(60), [&](Collective& c) {
            std::vector<double> v{double(c.rank() + 5)};
            c.sum(v);
            got[static_cast<size_t>(c.rank())] = v[0];
        });
        QVERIFY2(errors[0].empty() && errors[1].empty(), (errors[0] + " | " + errors[1]).c_str());
        QCOMPARE(got, (std::vector<double>{11.0, 11.0}));
        QCOMPARE(agent->add("/worker/attempt_1/lathe/joined", 0), int64_t(2));  // met under this restart's prefix
#endif
    }

    void aWorldThatNeverFillsSaysHowManyCame() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        WorldInfo w;
        w.world_size = w.local_world_size = 3;
        w.master_port = free_local_port();
        const auto errors = over_tcp(w, {0, 1}, std::chrono::milliseconds(1500), [](Collective&) {});
        QVERIFY2(errors[0].rfind("rank 0: only 2 of 3 ranks met at 127.0.0.1:", 0) == 0, errors[0].c_str());
        // Rank 1 gives up at the same moment, or first sees the master go.
        QVERIFY2(errors[1].rfind("rank 1: only 2 of 3 ranks met", 0) == 0 || errors[1].rfind("rank 1 lost the master", 0) == 0,
                 errors[1].c_str());
    }

    void abortWhileWaitingForTheOthers() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        // The studio's Abort while rank 0 waits for a machine that never comes, and while a rank waits for a
        // master that is not up: both stop at once (a minute's ddp_timeout would end them with an error).
        std::atomic<bool> cancel{false};
        std::thread aborter([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            cancel = true;
        });
        WorldInfo w;
        w.world_size = w.local_world_size = 2;
        w.master_port = free_local_port();
        const auto serving = over_tcp(w, {0}, std::chrono::seconds(60), [](Collective&) {}, &cancel);
        aborter.join();
        QVERIFY2(serving[0] == "cancelled", serving[0].c_str());

        cancel = false;
        std::thread aborter2([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            cancel = true;
        });
        w.master_port = free_local_port();  // nobody serves it
        const auto connecting = over_tcp(w, {1}, std::chrono::seconds(60), [](Collective&) {}, &cancel);
        aborter2.join();
        QVERIFY2(connecting[0] == "cancelled", connecting[0].c_str());
    }

    void ranksSumAndBroadcast() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        std::vector<torch::Tensor> results(3), broadcasts(3);
        std::vector<std::vector<double>> sums(3);
        test::on_thread_ranks(3, [&](Collective& c) {
            const int r = c.rank();
            std::vector<double> v{double(r), 0.5, r == 2 ? 1.0 : 0.0};
            c.sum(v);
            sums[r] = v;
            // A float32 tensor and a bf16 one (Gloo sums float32; bf16 goes there and back), in one bucket.
            auto f = torch::full({3, 2}, float(r + 1));
            auto h = torch::full({4}, float(10 * (r + 1)), torch::kBFloat16);
            c.sum_tensors({f, h});
            results[r] = torch::cat({f.reshape({-1}), h.to(torch::kFloat)});
            auto w = torch::full({2}, float(r + 7));
            c.broadcast({w});
            broadcasts[r] = w;
            c.barrier();
        });
        for (int r = 0; r < 3; ++r) {
            QCOMPARE(sums[r], (std::vector<double>{3.0, 1.5, 1.0}));
            auto expected = torch::cat({torch::full({6}, 6.0f), torch::full({4}, 60.0f)});
            QVERIFY(torch::equal(results[r], expected));
            QVERIFY(torch::equal(broadcasts[r], torch::full({2}, 7.0f)));
        }
    }
};

LATHE_TEST(TestCollective)
#include "test_collective.moc"
