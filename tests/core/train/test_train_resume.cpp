// Exact resume through run_training: a run stopped at step K (by the cancel flag, or taken from a
// checkpoint of a finished run) and resumed to step N logs the same losses and ends with the same
// weights as the run that never stopped; for full fine-tuning and for LoRA with dropout (so the
// checkpoint's RNG state matters). Started again, a run logs each step once.
#include "tests/registry.h"

#include "core/train/checkpoint.h"
#include "core/train/run_dir.h"
#include "core/train/session.h"
#include "tests/core/train/train_fixtures.h"

#include <QtTest>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

using namespace lathe;
using namespace lathe::test;
namespace fs = std::filesystem;

namespace {

const char* weights_file(const std::string& method) {
    return method == "lora" ? "adapter_model.safetensors" : "model.safetensors";
}

TrainSummary run(const TrainConfig& c, int64_t cancel_at = -1) {
    std::atomic<bool> cancel{false};
    TrainerEvents ev;
    ev.on_progress = [&](int64_t step, int64_t, double, double) {
        if (step == cancel_at) cancel = true;
    };
    return run_training(c, ev, &cancel);
}

std::string status_text(const TrainSummary& s) {
    const char* names[] = {"Completed", "Cancelled", "Failed"};
    return std::string(names[static_cast<int>(s.status)]) + ": " + s.message;
}

}  // namespace

class TestTrainResume : public QObject {
    Q_OBJECT

    TinyWorld world_;

private slots:
    void initTestCase() { world_ = make_tiny_world("resume"); }

    void resumeReproducesTheUninterruptedRun_data() {
        QTest::addColumn<QString>("method");
        QTest::newRow("full") << "full";
        QTest::newRow("lora") << "lora";
    }
    void resumeReproducesTheUninterruptedRun() {
        QFETCH(QString, method);
        const std::string m = method.toStdString();
        const std::string root = world_.root + "/" + m;
        auto config = [&](const std::string& out) {
            TrainConfig c = tiny_run(world_, root + "/" + out, m);
            c.save_steps = 4;
            c.lora_dropout = 0.2;
            c.lr_scheduler_type = "cosine";
            return c;
        };

        // A: the uninterrupted run, checkpoint-4 on the way.
        const TrainSummary a = run(config("a"));
        QVERIFY2(a.status == TrainSummary::Status::Completed, status_text(a).c_str());
        QCOMPARE(a.steps, int64_t(6));
        const std::string a_dir = root + "/a";
        QVERIFY(dir_exists(a_dir + "/checkpoint-4"));

        // B: cancelled from on_progress at step 2 (not a save step): the loop writes checkpoint-2 itself.
        TrainConfig cb = config("b");
        const TrainSummary b = run(cb, 2);
        QVERIFY2(b.status == TrainSummary::Status::Cancelled, status_text(b).c_str());
        QCOMPARE(b.steps, int64_t(2));
        const std::string ck2 = root + "/b/checkpoint-2";
        QCOMPARE(b.last_checkpoint, ck2);
        QCOMPARE(b.message, "aborted at step 2 of 6; resume from " + ck2);
        for (const char* f : {"trainer_state.json", "optimizer.safetensors", "rng_state.safetensors", "scheduler.json",
                              weights_file(m)})
            QVERIFY2(file_exists(ck2 + "/" + f), f);
        QCOMPARE(read_json_file(ck2 + "/trainer_state.json")["global_step"].get<int64_t>(), int64_t(2));
        QVERIFY(!file_exists(root + "/b/" + weights_file(m)));  // no final output for an aborted run
        QVERIFY(!file_exists(root + "/b/train_results.json"));
        QCOMPARE(timeless_log(root + "/b").size(), size_t(2));

        // B resumed with "auto" (the latest checkpoint) runs to the end.
        cb.resume_from_checkpoint = "auto";
        const TrainSummary b2 = run(cb);
        QVERIFY2(b2.status == TrainSummary::Status::Completed, status_text(b2).c_str());
        QCOMPARE(b2.steps, int64_t(6));

        // C: a fresh output dir resuming from the uninterrupted run's checkpoint-4.
        TrainConfig cc = config("c");
        cc.resume_from_checkpoint = a_dir + "/checkpoint-4";
        const TrainSummary c = run(cc);
        QVERIFY2(c.status == TrainSummary::Status::Completed, status_text(c).c_str());

        const auto a_log = timeless_log(a_dir), b_log = timeless_log(root + "/b"), c_log = timeless_log(root + "/c");
        QCOMPARE(a_log.size(), size_t(6));
        QCOMPARE(qstr(b_log), qstr(a_log));  // losses, lr, grad_norm, epoch, tokens: every row
        QCOMPARE(c_log.size(), size_t(2));
        QCOMPARE(qstr(c_log[0]), qstr(a_log[4]));
        QCOMPARE(qstr(c_log[1]), qstr(a_log[5]));

        // The same weights at step 4 and at the end, whatever the path.
        const std::string w = weights_file(m);
        QCOMPARE(max_file_diff(root + "/b/checkpoint-4/" + w, a_dir + "/checkpoint-4/" + w), 0.0);
        QCOMPARE(max_file_diff(root + "/b/" + w, a_dir + "/" + w), 0.0);
        QCOMPARE(max_file_diff(root + "/c/" + w, a_dir + "/" + w), 0.0);
        // ...and the run did train.
        if (m == "full") QVERIFY(max_file_diff(a_dir + "/" + w, world_.model_dir + "/model.safetensors") > 1e-4);

        // The resumed runs' final state carries the whole history.
        const auto ts_a = read_json_file(a_dir + "/trainer_state.json"), ts_b = read_json_file(root + "/b/trainer_state.json");
        QCOMPARE(ts_b["global_step"], ts_a["global_step"]);
        QCOMPARE(ts_b["log_history"].size(), ts_a["log_history"].size());
        for (size_t i = 0; i + 1 < ts_a["log_history"].size(); ++i)
            QCOMPARE(qstr(ts_b["log_history"][i]), qstr(ts_a["log_history"][i]));
        QCOMPARE(read_json_file(root + "/b/train_results.json")["train_loss"],
                 read_json_file(a_dir + "/train_results.json")["train_loss"]);
        QVERIFY(paths_containing(root, ".tmp-").empty());
    }

    // A checkpoint between two log rows carries the sums of the steps not yet logged: the resumed run's
    // next row is the mean over the same steps as the uninterrupted run's (losses, the stage's metrics).
    void resumeBetweenLogRowsKeepsTheMeans() {
        const std::string root = world_.root + "/between-rows";
        auto config = [&](const std::string& out) {
            TrainConfig c = tiny_run(world_, root + "/" + out, "lora");
            c.logging_steps = 3;  // rows at steps 3 and 6; checkpoint-4 holds step 4's loss unlogged
            c.save_steps = 4;
            return c;
        };
        const TrainSummary a = run(config("a"));
        QVERIFY2(a.status == TrainSummary::Status::Completed, status_text(a).c_str());
        TrainConfig cc = config("c");
        cc.resume_from_checkpoint = root + "/a/checkpoint-4";
        const TrainSummary c = run(cc);
        QVERIFY2(c.status == TrainSummary::Status::Completed, status_text(c).c_str());
        const auto a_log = timeless_log(root + "/a"), c_log = timeless_log(root + "/c");
        QCOMPARE(a_log.size(), size_t(2));
        QCOMPARE(c_log.size(), size_t(1));
        QCOMPARE(qstr(c_log[0]), qstr(a_log[1]));
        QCOMPARE(read_json_file(root + "/c/train_results.json")["train_loss"],
                 read_json_file(root + "/a/train_results.json")["train_loss"]);
    }

    void cancelledAtResumeStepRewritesNothing() {
        // Resume from checkpoint-2 and cancel before the first new step: still resumable, nothing lost.
        const std::string root = world_.root + "/cancel-again";
        TrainConfig c = tiny_run(world_, root);
        const TrainSummary b = run(c, 2);
        QVERIFY2(b.status == TrainSummary::Status::Cancelled, status_text(b).c_str());
        const auto state_before = read_json_file(root + "/checkpoint-2/trainer_state.json");
        std::atomic<bool> cancel{true};
        c.resume_from_checkpoint = "auto";
        const TrainSummary again = run_training(c, {}, &cancel);
        QVERIFY2(again.status == TrainSummary::Status::Cancelled, status_text(again).c_str());
        QCOMPARE(again.steps, int64_t(2));
        QCOMPARE(again.last_checkpoint, root + "/checkpoint-2");
        QCOMPARE(list_checkpoints(root), std::vector<std::string>{root + "/checkpoint-2"});
        QCOMPARE(qstr(read_json_file(root + "/checkpoint-2/trainer_state.json")), qstr(state_before));
    }

    // A finished run started again with "auto" resumes from its last checkpoint (step 4 of 6) and logs
    // steps 5 and 6 again: their old rows, and a partial line left by a crash, are removed first, so the
    // log holds each step once, however often it is started.
    void restartedRunLogsEachStepOnce() {
        const std::string out = world_.root + "/restarted";
        TrainConfig c = tiny_run(world_, out);
        c.save_steps = 4;
        QVERIFY(run(c).status == TrainSummary::Status::Completed);
        const auto first = timeless_log(out);
        QCOMPARE(first.size(), size_t(6));
        {
            std::ofstream log(out + "/trainer_log.jsonl", std::ios::app);
            log << "{\"current_steps\": 7, \"lo";  // killed mid-row
        }
        c.resume_from_checkpoint = "auto";
        for (int start = 0; start < 2; ++start) {
            const TrainSummary again = run(c);
            QVERIFY2(again.status == TrainSummary::Status::Completed, status_text(again).c_str());
            QCOMPARE(again.steps, int64_t(6));
            const auto log = timeless_log(out);
            QCOMPARE(log.size(), size_t(6));
            QCOMPARE(qstr(log), qstr(first));  // the resumed steps reproduce the rows they replace
        }
        std::ifstream in(out + "/trainer_log.jsonl");
        std::string line;
        int lines = 0;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            ++lines;
            QVERIFY2(!nlohmann::json::parse(line, nullptr, false).is_discarded(), line.c_str());
        }
        QCOMPARE(lines, 6);  // no partial line left
        QCOMPARE(drop_log_rows_after(out, 6), int64_t(0));
        QCOMPARE(drop_log_rows_after(out, 4), int64_t(2));
        QCOMPARE(read_trainer_log(out).size(), size_t(4));
        QCOMPARE(drop_log_rows_after(world_.root + "/no-such-run", 1), int64_t(0));
    }

    void autoWithoutCheckpointStartsFresh() {
        // Nothing to resume in a new dir: "auto" starts from step 0.
        const std::string out = world_.root + "/auto-fresh";
        TrainConfig c = tiny_run(world_, out);
        c.max_steps = 2;
        c.resume_from_checkpoint = "auto";
        QVERIFY(run(c).status == TrainSummary::Status::Completed);
        QCOMPARE(read_trainer_log(out).size(), size_t(2));
        // The finished run left no checkpoint: "auto" must not restart it on top of its logs.
        const TrainSummary again = run(c);
        QVERIFY(again.status == TrainSummary::Status::Failed);
        QVERIFY2(again.message.find("already holds a run") != std::string::npos, again.message.c_str());
        QCOMPARE(read_trainer_log(out).size(), size_t(2));
    }

    // A run killed before its first checkpoint logged steps but left nothing to resume: "auto" starts it
    // over in its place (its old rows replaced), where a plain start refuses to write over it.
    void autoAfterKillBeforeFirstCheckpointStartsOver() {
        const std::string out = world_.root + "/killed-early";
        fs::create_directories(out);
        std::ofstream(out + "/trainer_log.jsonl") << "{\"current_steps\": 1, \"total_steps\": 2, \"loss\": 9.0}\n";
        TrainConfig c = tiny_run(world_, out);
        c.max_steps = 2;
        const TrainSummary refused = run(c);
        QVERIFY(refused.status == TrainSummary::Status::Failed);
        QVERIFY2(refused.message.find("already holds a run") != std::string::npos, refused.message.c_str());
        c.resume_from_checkpoint = "auto";
        const TrainSummary s = run(c);
        QVERIFY2(s.status == TrainSummary::Status::Completed, status_text(s).c_str());
        const auto log = read_trainer_log(out);
        QCOMPARE(log.size(), size_t(2));
        QVERIFY(log[0].at("loss").get<double>() != 9.0);
    }

    void resumeFromMissingCheckpointFails() {
        TrainConfig c = tiny_run(world_, world_.root + "/missing");
        c.resume_from_checkpoint = world_.root + "/nowhere/checkpoint-3";
        const TrainSummary s = run(c);
        QVERIFY(s.status == TrainSummary::Status::Failed);
        QCOMPARE(s.message, "resume_from_checkpoint: '" + world_.root + "/nowhere/checkpoint-3' does not exist");
    }

    // What a process killed inside save_checkpoint leaves: staged copies go, a checkpoint moved aside
    // while it was being replaced comes back when it is the only copy; this process's own and anything
    // that is not a checkpoint are left alone; a step too large for int64 is no checkpoint, not a crash.
    void abandonedCheckpointsAreTidied() {
        const std::string dir = world_.root + "/abandoned";
        auto make = [&](const std::string& name) {
            fs::create_directories(dir + "/" + name);
            std::ofstream(dir + "/" + name + "/trainer_state.json") << "{\"global_step\": 1}";
        };
        const std::string own = "checkpoint-5.tmp-" + std::to_string(::getpid());
        for (const char* name : {"checkpoint-3", "checkpoint-4.tmp-999999", "checkpoint-2.old-999999",
                                 "checkpoint-3.old-999998", "notes.tmp-5", "checkpoint-x.tmp-7",
                                 "checkpoint-99999999999999999999"})
            make(name);
        make(own);
        QCOMPARE(tidy_abandoned_checkpoints(dir), 3);
        std::set<std::string> left;
        for (const auto& e : fs::directory_iterator(dir)) left.insert(e.path().filename().string());
        QCOMPARE(left, (std::set<std::string>{"checkpoint-2", "checkpoint-3", "notes.tmp-5", "checkpoint-x.tmp-7",
                                              "checkpoint-99999999999999999999", own}));
        QCOMPARE(list_checkpoints(dir), (std::vector<std::string>{dir + "/checkpoint-2", dir + "/checkpoint-3"}));
        QCOMPARE(tidy_abandoned_checkpoints(dir), 0);
        QCOMPARE(tidy_abandoned_checkpoints(world_.root + "/no-such-run"), 0);
    }
};

LATHE_TEST(TestTrainResume)
#include "test_train_resume.moc"
