// The run directory as LLaMA-Factory and transformers' Trainer lay it out: trainer_log.jsonl rows and
// their fields, eval rows, trainer_state.json, train/eval/all_results.json, training_args.yaml that
// reloads to the run's settings, save_total_limit rotation, and no staging leftovers.
#include "tests/registry.h"

#include "core/train/checkpoint.h"
#include "core/train/run_dir.h"
#include "core/train/scheduler.h"
#include "core/train/session.h"
#include "tests/core/train/train_fixtures.h"

#include <QRegularExpression>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <set>

using namespace lathe;
using namespace lathe::test;

namespace {

std::set<std::string> keys_of(const nlohmann::json& j) {
    std::set<std::string> out;
    for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
    return out;
}

bool is_hms(const nlohmann::json& v) {
    static const QRegularExpression re("^\\d+:\\d\\d:\\d\\d$");
    return v.is_string() && re.match(QString::fromStdString(v.get<std::string>())).hasMatch();
}

double round_to(double v, int digits) {
    const double f = std::pow(10.0, digits);
    return std::round(v * f) / f;
}

}  // namespace

class TestTrainRunDir : public QObject {
    Q_OBJECT

private slots:
    void formatHmsAsLlamaFactory() {
        QCOMPARE(format_hms(0), std::string("0:00:00"));
        QCOMPARE(format_hms(59.4), std::string("0:00:59"));
        QCOMPARE(format_hms(59.6), std::string("0:01:00"));
        QCOMPARE(format_hms(3661), std::string("1:01:01"));
        QCOMPARE(format_hms(36000 + 1), std::string("10:00:01"));
        QCOMPARE(format_hms(-3), std::string("0:00:00"));
        QCOMPARE(format_hms(std::nan("")), std::string("0:00:00"));
    }

    void jsonlDropsNullsAndSurvivesBrokenLines() {
        const std::string dir = scratch_dir() + "/rundir-unit";
        {
            RunDir r(dir, false);
            r.log_jsonl({{"current_steps", 1}, {"loss", 1.5}, {"eval_loss", nullptr}});
            r.log_text("INFO", "hello");
        }
        {
            std::ofstream(dir + "/trainer_log.jsonl", std::ios::app) << "{\"current_steps\": 2, \"lo";  // a crash mid-write
        }
        auto rows = read_trainer_log(dir);
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(qstr(rows[0]), std::string(R"({"current_steps":1,"loss":1.5})"));
        {
            RunDir again(dir, true);  // resume: continues after what is there
            again.log_jsonl({{"current_steps", 3}});
        }
        rows = read_trainer_log(dir);  // the partial row is skipped, the next one is not glued to it
        QCOMPARE(rows.size(), size_t(2));
        QCOMPARE(qstr(rows[1]), std::string(R"({"current_steps":3})"));
        {
            RunDir fresh(dir, false);  // a new run truncates
        }
        QVERIFY(read_trainer_log(dir).empty());
        QVERIFY(read_file(dir + "/running_log.txt").empty());
    }

    void runDirectoryLooksLikeLlamaFactory() {
        const TinyWorld w = make_tiny_world("rundir");
        const std::string out = w.root + "/out";
        TrainConfig c = tiny_run(w, out, "lora");
        c.max_steps = 4;
        c.val_size = 4;  // four records held out
        c.eval_steps = 2;
        c.save_steps = 1;
        c.save_total_limit = 2;
        c.per_device_eval_batch_size = 3;
        std::vector<int64_t> checkpoint_steps, log_steps, eval_steps;
        TrainerEvents ev;
        ev.on_checkpoint = [&](const std::string& dir, int64_t step) {
            QCOMPARE(dir, out + "/checkpoint-" + std::to_string(step));
            checkpoint_steps.push_back(step);
        };
        ev.on_log = [&](const LogEvent& e) { log_steps.push_back(e.step); };
        ev.on_eval = [&](const EvalEvent& e) { eval_steps.push_back(e.step); };
        TrainSummary finished;
        ev.on_finished = [&](const TrainSummary& s) { finished = s; };
        const TrainSummary s = run_training(c, ev);
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        QCOMPARE(finished.status, s.status);
        QCOMPARE(checkpoint_steps, (std::vector<int64_t>{1, 2, 3}));  // none at the last step: the output is the run's
        QCOMPARE(log_steps, (std::vector<int64_t>{1, 2, 3, 4}));
        QCOMPARE(eval_steps, (std::vector<int64_t>{2, 4}));

        // trainer_log.jsonl
        const auto rows = read_trainer_log(out);
        QCOMPARE(rows.size(), size_t(6));
        const int64_t per_epoch = 3;  // 12 training records, 2 x 2 per step
        const Schedule schedule{"cosine", 4, 1, 0};
        int train_rows = 0, eval_rows = 0;
        int64_t last_tokens = 0;
        for (const auto& r : rows) {
            const int64_t step = r["current_steps"];
            QCOMPARE(r["total_steps"].get<int64_t>(), int64_t(4));
            QCOMPARE(r["percentage"].get<double>(), round_to(100.0 * step / 4, 2));
            QCOMPARE(r["epoch"].get<double>(), round_to(static_cast<double>(step) / per_epoch, 2));
            QVERIFY2(is_hms(r["elapsed_time"]) && is_hms(r["remaining_time"]), qstr(r).c_str());
            if (r.contains("eval_loss")) {
                ++eval_rows;
                QCOMPARE(keys_of(r), (std::set<std::string>{"current_steps", "total_steps", "eval_loss", "epoch",
                                                            "percentage", "elapsed_time", "remaining_time"}));
                QVERIFY(r["eval_loss"].get<double>() > 0 && std::isfinite(r["eval_loss"].get<double>()));
                continue;
            }
            ++train_rows;
            QCOMPARE(step, int64_t(train_rows));
            QCOMPARE(keys_of(r), (std::set<std::string>{"current_steps", "total_steps", "loss", "lr", "epoch",
                                                        "percentage", "elapsed_time", "remaining_time", "throughput",
                                                        "total_tokens", "grad_norm"}));
            QVERIFY(r["loss"].get<double>() > 0 && std::isfinite(r["loss"].get<double>()));
            // The learning rate of the next update, as transformers logs it.
            QVERIFY(std::abs(r["lr"].get<double>() - c.learning_rate * schedule.factor(step)) < 1e-12);
            QVERIFY(r["throughput"].get<double>() >= 0);
            QVERIFY(r["total_tokens"].get<int64_t>() > last_tokens);
            last_tokens = r["total_tokens"];
        }
        QCOMPARE(train_rows, 4);
        QCOMPARE(eval_rows, 2);
        QCOMPARE(rows.back()["current_steps"].get<int64_t>(), int64_t(4));
        QVERIFY(rows.back().contains("eval_loss"));  // the final evaluation comes after the last log row

        // trainer_state.json
        const auto state = read_json_file(out + "/trainer_state.json");
        QCOMPARE(state["global_step"].get<int64_t>(), int64_t(4));
        QCOMPARE(state["max_steps"].get<int64_t>(), int64_t(4));
        QVERIFY(state.contains("best_metric") && state["best_metric"].is_null());
        QCOMPARE(state["num_input_tokens_seen"].get<int64_t>(), last_tokens);
        const auto& hist = state["log_history"];
        QCOMPARE(hist.size(), size_t(4 + 2 + 1));
        int losses = 0, evals = 0;
        double loss_sum = 0;
        for (const auto& h : hist) {
            if (h.contains("loss")) {
                ++losses;
                loss_sum += h["loss"].get<double>();
                QCOMPARE(keys_of(h), (std::set<std::string>{"loss", "learning_rate", "grad_norm", "epoch", "step"}));
            } else if (h.contains("eval_loss")) {
                ++evals;
                QCOMPARE(keys_of(h), (std::set<std::string>{"eval_loss", "perplexity", "epoch", "step"}));
                QVERIFY(std::abs(h["perplexity"].get<double>() - std::exp(h["eval_loss"].get<double>())) <
                        1e-3 * h["perplexity"].get<double>());
            }
        }
        QCOMPARE(losses, 4);
        QCOMPARE(evals, 2);
        QVERIFY(hist.back().contains("train_loss") && hist.back().contains("train_runtime"));

        // train_results.json, eval_results.json, all_results.json
        const auto train = read_json_file(out + "/train_results.json");
        for (const char* k : {"epoch", "train_loss", "train_runtime", "train_samples_per_second", "train_steps_per_second"})
            QVERIFY2(train.contains(k), k);
        QCOMPARE(train["epoch"].get<double>(), round_to(4.0 / 3.0, 4));
        QVERIFY(std::abs(train["train_loss"].get<double>() - loss_sum / 4) < 1e-3);  // mean of the logged losses
        const auto eval = read_json_file(out + "/eval_results.json");
        QVERIFY(eval.contains("eval_loss") && eval.contains("epoch"));
        const auto all = read_json_file(out + "/all_results.json");
        for (const auto& k : keys_of(train)) QVERIFY2(all.contains(k), k.c_str());
        QCOMPARE(all["eval_loss"], eval["eval_loss"]);
        QCOMPARE(all["eval_loss"], rows.back()["eval_loss"]);

        // training_args.yaml is what ran, and reads back to it.
        const TrainConfig args = TrainConfig::from_yaml_file(out + "/training_args.yaml");
        QCOMPARE(args.to_yaml(true), c.to_yaml(true));

        // save_total_limit 2 kept the newest two, each complete; no staging leftovers anywhere.
        QCOMPARE(list_checkpoints(out), (std::vector<std::string>{out + "/checkpoint-2", out + "/checkpoint-3"}));
        for (const auto& dir : list_checkpoints(out)) {
            for (const char* f : {"adapter_model.safetensors", "adapter_config.json", "optimizer.safetensors",
                                  "rng_state.safetensors", "scheduler.json", "trainer_state.json", "tokenizer.json"})
                QVERIFY2(file_exists(dir + "/" + f), (dir + "/" + f).c_str());
        }
        QCOMPARE(read_json_file(out + "/checkpoint-3/scheduler.json")["last_epoch"].get<int64_t>(), int64_t(3));
        QVERIFY(paths_containing(w.root, ".tmp-").empty());

        const std::string log = read_file(out + "/running_log.txt");
        QVERIFY(log.find("[INFO|") == 0);
        QVERIFY(log.find("training finished") != std::string::npos);
        QVERIFY(log.find("eval_loss") != std::string::npos);
    }
};

LATHE_TEST(TestTrainRunDir)
#include "test_train_run_dir.moc"
