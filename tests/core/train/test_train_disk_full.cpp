// A disk that fills up while a checkpoint is written (here RLIMIT_FSIZE, which fails write(2) with EFBIG as
// a full disk fails it with ENOSPC): the run stops with a message naming the file, leaves no half-written
// checkpoint, and the run's earlier checkpoints and weights are as they were.
#include "tests/registry.h"

#include "core/train/checkpoint.h"
#include "core/train/session.h"
#include "tests/core/train/train_fixtures.h"

#include <QtTest>

#include <atomic>
#include <csignal>
#include <map>

#include <sys/resource.h>

using namespace lathe;
using namespace lathe::test;
namespace fs = std::filesystem;

namespace {

// Every file below `dir` and its bytes.
std::map<std::string, std::string> files_snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out[e.path().string()] = read_file(e.path().string());
    return out;
}

}  // namespace

class TestTrainDiskFull : public QObject {
    Q_OBJECT

private slots:
    void checkpointWriteFailsCleanly() {
        const TinyWorld world = make_tiny_world("disk-full");
        const std::string out = world.root + "/run";
        TrainConfig c = tiny_run(world, out);
        c.save_steps = 2;  // checkpoints 2 and 4 (none at the last step), then the weights
        std::atomic<bool> cancel{false};
        QVERIFY(run_training(c, {}, &cancel).status == TrainSummary::Status::Completed);
        std::map<std::string, std::string> before;
        for (const char* part : {"/checkpoint-2", "/checkpoint-4"})
            for (auto& kv : files_snapshot(out + part)) before.insert(kv);
        before[out + "/model.safetensors"] = read_file(out + "/model.safetensors");

        // Resumed to step 8 on a "disk" that takes no file past 64 KiB: the logs fit, checkpoint-6 does not.
        c.max_steps = 8;
        c.resume_from_checkpoint = "auto";
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit small = old;
        small.rlim_cur = 64 * 1024;
        setrlimit(RLIMIT_FSIZE, &small);
        const TrainSummary s = run_training(c, {}, &cancel);
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, SIG_DFL);

        QVERIFY(s.status == TrainSummary::Status::Failed);
        QVERIFY2(s.message.find("/checkpoint-6") != std::string::npos, s.message.c_str());
        QVERIFY2(s.message.find("write failed: no space left for the file (File too large)") != std::string::npos,
                 s.message.c_str());
        // As data, for the studio to word: no room, the file, the system's reason.
        QCOMPARE(s.problem.id, std::string("no_space"));
        QVERIFY2(s.problem.file.find("/checkpoint-6") != std::string::npos, s.problem.file.c_str());
        QCOMPARE(s.problem.args, std::vector<std::string>{"File too large"});
        QCOMPARE(paths_containing(out, ".tmp-"), std::vector<std::string>{});
        QVERIFY(!fs::exists(out + "/checkpoint-6"));
        QCOMPARE(list_checkpoints(out), (std::vector<std::string>{out + "/checkpoint-2", out + "/checkpoint-4"}));
        for (const auto& [path, bytes] : before) QVERIFY2(read_file(path) == bytes, path.c_str());
        QCOMPARE(checkpoint_step(out + "/checkpoint-4"), int64_t(4));

        // With room again, the same command resumes from checkpoint-4 and finishes.
        const TrainSummary again = run_training(c, {}, &cancel);
        QVERIFY2(again.status == TrainSummary::Status::Completed, again.message.c_str());
        QCOMPARE(again.steps, int64_t(8));
    }
};

LATHE_TEST(TestTrainDiskFull)
#include "test_train_disk_full.moc"
