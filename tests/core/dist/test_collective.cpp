// The pieces of data-parallel training below the launcher: each rank's share of an epoch (PyTorch's
// DistributedSampler), torchrun's variables read with errors that name them, and the collective
// operations over a real Gloo process group whose ranks are threads of this process.
#include "core/dist/collective.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "tests/registry.h"

#include <QtTest>
#include <torch/torch.h>

#include <cstdlib>
#include <functional>
#include <numeric>
#include <thread>

using namespace lathe;

namespace {

// Runs `body(rank)` on `world` threads, each joined to one process group; the first exception is rethrown.
void on_ranks(int world, const std::function<void(Collective&)>& body) {
    auto rendezvous = make_local_rendezvous();
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> errors(world);
    for (int r = 0; r < world; ++r)
        threads.emplace_back([&, r] {
            try {
                auto c = join_local(rendezvous, r, world, std::chrono::seconds(30));
                body(*c);
            } catch (...) {
                errors[r] = std::current_exception();
            }
        });
    for (auto& t : threads) t.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
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

    void ranksSumAndBroadcast() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        std::vector<torch::Tensor> results(3), broadcasts(3);
        std::vector<std::vector<double>> sums(3);
        on_ranks(3, [&](Collective& c) {
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
