// kill -9 while checkpoints are written: a full fine-tuning run that saves a checkpoint at every step is
// killed (SIGKILL) at many points, most of them while a checkpoint is half-written. Every checkpoint left
// under its final name loads, and `lathe-cli train ... resume_from_checkpoint=auto` ends with the same log
// rows and byte-identical weights as the run that was never killed, leaving no half-written folder behind.
#include "tests/cli/cli_fixtures.h"

#include "core/io/safetensors.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/checkpoint.h"
#include "tests/core/model/tiny_models.h"
#include "tests/core/train/train_fixtures.h"

#include <QProcess>
#include <QtTest>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

// checkpoint-N.tmp-PID folders: checkpoints being written (or abandoned half-written).
std::set<std::string> staged_checkpoints(const std::string& run_dir) {
    std::set<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(run_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("checkpoint-", 0) == 0 && name.find(".tmp-") != std::string::npos) out.insert(name);
    }
    return out;
}

}  // namespace

class TestCliCrashSafety : public QObject {
    Q_OBJECT

    std::string model_dir_;
    static constexpr int kSteps = 6;

    std::string write_config(const std::string& name, const std::string& output_dir) {
        const std::string path = test::scratch_dir() + "/" + name + ".yaml";
        write_file_atomic(path, "model_name_or_path: " + model_dir_ +
                                    "\n"
                                    "stage: sft\n"
                                    "finetuning_type: full\n"
                                    "dataset: alpaca_en_demo\n"
                                    "dataset_dir: " LATHE_SOURCE_DIR "/datasets\n"
                                    "max_samples: 16\n"
                                    "cutoff_len: 48\n"
                                    "per_device_train_batch_size: 2\n"
                                    "max_steps: " +
                                    std::to_string(kSteps) +
                                    "\n"
                                    "logging_steps: 1\n"
                                    "save_steps: 1\n"
                                    "learning_rate: 1.0e-3\n"
                                    "threads: 1\n"
                                    "output_dir: " +
                                    output_dir + "\n");
        return path;
    }

    // Starts `lathe-cli train config`, waits until the `nth` checkpoint begins to be staged, lets
    // `delay_us` pass and kills it with SIGKILL. Returns whether a half-written checkpoint was left
    // (the kill landed inside save_checkpoint); false also when the run ended first.
    bool kill_while_saving(const std::string& config, const std::string& out, int nth, int delay_us) {
        QProcess p;
        p.setStandardOutputFile(QProcess::nullDevice());
        p.setStandardErrorFile(QProcess::nullDevice());
        p.start(QStringLiteral(LATHE_CLI_EXE), {QStringLiteral("train"), QString::fromStdString(config)});
        if (!p.waitForStarted(30000)) return false;
        std::set<std::string> seen;
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(3);
        while (p.state() != QProcess::NotRunning && std::chrono::steady_clock::now() < give_up) {
            for (const auto& s : staged_checkpoints(out)) seen.insert(s);
            if (static_cast<int>(seen.size()) >= nth) break;
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
        p.kill();  // SIGKILL: no handler, no unwinding, nothing flushed
        p.waitForFinished(30000);
        return !staged_checkpoints(out).empty();
    }

private slots:
    void initTestCase() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        const std::string tok_dir = test::shared_tokenizer_dir("llama2");
        auto c = test::tiny_config("llama");
        c.vocab_size = Tokenizer::from_dir(tok_dir)->vocab_size();  // 32000: checkpoints of ~25 MB
        CausalLM m(c);
        m->init_weights(5);
        model_dir_ = test::write_model_folder(*m, "crash-base", tok_dir);
    }

    void killedWhileSavingResumesExactly() {
        const std::string ref = test::scratch_dir() + "/crash-ref";
        const auto done = test::run_cli({"train", write_config("crash-ref", ref)});
        QVERIFY2(done.code == 0, done.why().c_str());
        const auto ref_log = test::timeless_log(ref);
        QCOMPARE(ref_log.size(), size_t(kSteps));
        const std::string ref_weights = read_file(ref + "/model.safetensors");

        // (checkpoint being written, microseconds after its staging folder appeared)
        const std::vector<std::pair<int, int>> points = {{1, 0},    {2, 0},    {3, 200},  {2, 1000},
                                                         {4, 3000}, {1, 8000}, {5, 20000}, {3, 60000}};
        int mid_write = 0;
        for (size_t i = 0; i < points.size(); ++i) {
            const std::string out = test::scratch_dir() + "/crash-" + std::to_string(i);
            const std::string config = write_config("crash-" + std::to_string(i), out);
            const bool half_written = kill_while_saving(config, out, points[i].first, points[i].second);
            mid_write += half_written;
            const std::string where = "kill " + std::to_string(i) + " (checkpoint " + std::to_string(points[i].first) +
                                      ", +" + std::to_string(points[i].second) + " us)";

            // Every checkpoint under its final name is complete: its state, weights and optimizer read.
            for (const auto& dir : list_checkpoints(out)) {
                try {
                    const int64_t step = checkpoint_step(dir);
                    QVERIFY2(dir == out + "/checkpoint-" + std::to_string(step), (where + ": " + dir).c_str());
                    SafetensorsFile weights(dir + "/model.safetensors");
                    SafetensorsFile optimizer(dir + "/optimizer.safetensors");
                    QVERIFY(!weights.entries().empty() && !optimizer.entries().empty());
                } catch (const Error& e) {
                    QFAIL((where + ": " + dir + " does not load: " + e.what()).c_str());
                }
            }

            const auto resumed = test::run_cli({"train", config, "resume_from_checkpoint=auto"});
            QVERIFY2(resumed.code == 0, (where + ": " + resumed.why()).c_str());
            QVERIFY2(staged_checkpoints(out).empty(), (where + ": a half-written checkpoint is left").c_str());
            const auto log = test::timeless_log(out);
            QVERIFY2(test::qstr(log) == test::qstr(ref_log), (where + ": " + test::qstr(log)).c_str());
            QVERIFY2(read_file(out + "/model.safetensors") == ref_weights, (where + ": other final weights").c_str());
        }
        // The schedule must really reach inside save_checkpoint, or this test proves little.
        qInfo("%d of %zu kills landed while a checkpoint was written", mid_write, points.size());
        QVERIFY2(mid_write >= 3, (std::to_string(mid_write) + " of 8 kills landed while a checkpoint was written").c_str());
    }
};

LATHE_TEST(TestCliCrashSafety)
#include "test_cli_crash_safety.moc"
