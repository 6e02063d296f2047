// The checkpoint curve's bookkeeping, without a model: which folders of a run are points (checkpoints
// with weights, the final weights at a step of their own), the settings that make points comparable,
// checkpoint_curve.json read back (and named when damaged), the best point, and a run without
// checkpoints refused by name. Predicting the points is tested end to end in tests/cli/test_cli_predict.cpp.
#include "tests/registry.h"

#include "core/eval/checkpoint_curve.h"
#include "core/util/fs.h"

#include <QtTest>

#include <filesystem>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

void touch(const std::string& path) {
    fs::create_directories(fs::path(path).parent_path());
    write_file_atomic(path, "{}");
}

std::string fresh(const std::string& name) {
    const std::string dir = test::scratch_dir() + "/" + name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

class TestCheckpointCurve : public QObject {
    Q_OBJECT

private slots:
    void listsTheRunsWeightsByStep() {
        const std::string run = fresh("curve-list");
        touch(run + "/checkpoint-100/adapter_config.json");
        touch(run + "/checkpoint-20/config.json");       // a full checkpoint
        fs::create_directories(run + "/checkpoint-60");   // no weights (a half-deleted folder): not a point
        fs::create_directories(run + "/checkpoint-x");    // not a checkpoint name
        auto found = curve_checkpoints(run);
        QCOMPARE(found.size(), size_t{2});
        QCOMPARE(found[0].step, int64_t{20});  // by number, not by name
        QCOMPARE(found[1].step, int64_t{100});
        QCOMPARE(found[1].dir, run + "/checkpoint-100");

        // The final weights count once the run has finished, at a step of their own.
        touch(run + "/adapter_config.json");
        QCOMPARE(curve_checkpoints(run).size(), size_t{2});  // no trainer_state.json: not finished
        write_file_atomic(run + "/trainer_state.json", R"({"global_step": 120})");
        found = curve_checkpoints(run);
        QCOMPARE(found.size(), size_t{3});
        QCOMPARE(found[2].step, int64_t{120});
        QCOMPARE(found[2].dir, run);
        write_file_atomic(run + "/trainer_state.json", R"({"global_step": 100})");  // the same as checkpoint-100
        QCOMPARE(curve_checkpoints(run).size(), size_t{2});
        QVERIFY(curve_checkpoints(run + "/nowhere").empty());
    }

    void settingsNameWhatMakesPointsComparable() {
        PredictConfig a;
        a.model_name_or_path = "m";
        a.dataset = "d";
        PredictConfig b = a;
        b.adapter_name_or_path = "elsewhere";  // the checkpoint is what a curve varies
        b.output_dir = "out";
        b.threads = 7;
        b.batch_size = 3;  // greedy answers do not depend on the batch
        QCOMPARE(curve_settings(a), curve_settings(b));
        b.max_new_tokens = 5;
        QVERIFY(curve_settings(a) != curve_settings(b));
        b = a;
        b.judge = "rm";
        QVERIFY(curve_settings(a) != curve_settings(b));
        b = a;
        b.max_samples = 3;
        QVERIFY(curve_settings(a) != curve_settings(b));
    }

    void readsTheSavedCurveAndFindsTheBest() {
        const std::string run = fresh("curve-read");
        CheckpointCurve curve;
        QVERIFY(!read_checkpoint_curve(run, &curve));  // none yet
        write_file_atomic(checkpoint_curve_path(run), R"({
  "settings": {"eval_dataset": "d"}, "complete": true,
  "points": [
    {"step": 30, "checkpoint": ".", "samples": 4, "results": {"predict_rouge-l": 40.5, "predict_bleu-4": 9}},
    {"step": 10, "checkpoint": "checkpoint-10", "samples": 4, "results": {"predict_rouge-l": 42.0, "predict_bleu-4": 7}},
    {"step": 20, "checkpoint": "checkpoint-20", "samples": 4, "results": {"predict_bleu-4": 11}}
  ]})");
        QVERIFY(read_checkpoint_curve(run, &curve));
        QVERIFY(curve.complete);
        QCOMPARE(curve.settings, std::string(R"({"eval_dataset":"d"})"));
        QCOMPARE(curve.points.size(), size_t{3});
        QCOMPARE(curve.points[0].step, int64_t{10});  // sorted by step
        QCOMPARE(curve.points[2].checkpoint, std::string("."));
        QCOMPARE(curve.points[0].results.at("predict_rouge-l"), 42.0);
        QCOMPARE(best_point(curve.points, "predict_rouge-l"), 0);  // step 20 has no ROUGE-L: skipped
        QCOMPARE(best_point(curve.points, "predict_bleu-4"), 1);
        QCOMPARE(best_point(curve.points, "predict_reward"), -1);
    }

    void aDamagedCurveIsNamed_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << "{ nope" << "invalid JSON";
        QTest::newRow("no points") << R"({"settings": {}})" << "points";
        QTest::newRow("step not a number") << R"({"points": [{"step": "ten"}]})" << "points[0]";
        QTest::newRow("results not an object") << R"({"points": [{"step": 1, "results": [1]}]})" << "points[0].results";
    }
    void aDamagedCurveIsNamed() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const std::string run = fresh("curve-damaged");
        write_file_atomic(checkpoint_curve_path(run), text.toStdString());
        CheckpointCurve curve;
        try {
            read_checkpoint_curve(run, &curve);
            QFAIL("a damaged curve was read");
        } catch (const std::exception& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("checkpoint_curve.json") != std::string::npos, what.c_str());
            QVERIFY2(what.find(expected.toStdString()) != std::string::npos, what.c_str());
        }
    }

    // Nothing to predict: a clear failure naming the folder, never an exception.
    void aRunWithoutCheckpointsIsRefused() {
        const std::string run = fresh("curve-none");
        PredictConfig c;
        c.model_name_or_path = "m";
        c.dataset = "d";
        const CurveSummary s = run_checkpoint_curve(c, run, {});
        QVERIFY(s.status == PredictSummary::Status::Failed);
        QVERIFY2(s.message.find(run) != std::string::npos && s.message.find("save_steps") != std::string::npos,
                 s.message.c_str());
        const CurveSummary missing = run_checkpoint_curve(c, run + "/nowhere", {});
        QVERIFY(missing.status == PredictSummary::Status::Failed);
        QVERIFY2(missing.message.find("not a folder") != std::string::npos, missing.message.c_str());
        // As data too, for the studio to word: the id and the folder; no checkpoint had failed.
        QCOMPARE(s.problem.id, std::string("curve_no_checkpoints"));
        QCOMPARE(s.problem.args, std::vector<std::string>{run});
        QCOMPARE(s.problem.message, s.message);
        QCOMPARE(missing.problem.id, std::string("curve_not_a_folder"));
        QCOMPARE(missing.failed_step, int64_t{-1});
        QVERIFY(!file_exists(checkpoint_curve_path(run)));
    }
};

LATHE_TEST(TestCheckpointCurve)
#include "test_checkpoint_curve.moc"
