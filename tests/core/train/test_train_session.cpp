// run_training end to end on a tiny model folder built by the test: every fine-tuning method runs a few
// steps and leaves its output in the format the rest of the ecosystem reads (an HF model folder, or a
// PEFT adapter); bad inputs end in Status::Failed with the message a user needs, never a crash.
#include "tests/registry.h"

#include "core/model/model_folder.h"
#include "core/peft/adapter_io.h"
#include "core/train/checkpoint.h"
#include "core/train/session.h"
#include "tests/core/train/train_fixtures.h"

#include <QtTest>

#include <cmath>
#include <filesystem>

using namespace lathe;
using namespace lathe::test;
namespace fs = std::filesystem;

namespace {

std::string summary_status(const TrainSummary& s) {
    const char* names[] = {"Completed", "Cancelled", "Failed"};
    return std::string(names[static_cast<int>(s.status)]) + ": " + s.message;
}

// Runs and checks that on_finished saw the same outcome.
TrainSummary run_session(const TrainConfig& c) {
    TrainSummary seen;
    bool called = false;
    TrainerEvents ev;
    ev.on_finished = [&](const TrainSummary& s) {
        seen = s;
        called = true;
    };
    const TrainSummary s = run_training(c, ev);
    if (!called || seen.status != s.status || seen.message != s.message) return TrainSummary{};
    return s;
}

}  // namespace

class TestTrainSession : public QObject {
    Q_OBJECT

    TinyWorld world_;

private slots:
    void initTestCase() { world_ = make_tiny_world("session"); }

    void methodsWriteTheirOutputs_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<bool>("dora");
        QTest::addColumn<int>("bits");
        QTest::newRow("full") << "full" << false << 0;
        QTest::newRow("freeze") << "freeze" << false << 0;
        QTest::newRow("lora") << "lora" << false << 0;
        QTest::newRow("dora") << "lora" << true << 0;
        QTest::newRow("qlora-4bit") << "lora" << false << 4;
        QTest::newRow("qlora-8bit") << "lora" << false << 8;
    }
    void methodsWriteTheirOutputs() {
        QFETCH(QString, method);
        QFETCH(bool, dora);
        QFETCH(int, bits);
        const std::string out = world_.root + "/method-" + QTest::currentDataTag();
        TrainConfig c = tiny_run(world_, out, method.toStdString());
        c.max_steps = 3;
        c.use_dora = dora;
        c.quantization_bit = bits;
        c.freeze_trainable_layers = 1;
        c.learning_rate = 1e-2;
        std::vector<std::string> messages;
        TrainerEvents ev;
        ev.on_message = [&](const std::string&, const Problem& note) { messages.push_back(note.message); };
        const TrainSummary s = run_training(c, ev);
        QVERIFY2(s.status == TrainSummary::Status::Completed, summary_status(s).c_str());
        QCOMPARE(s.steps, int64_t(3));
        QVERIFY(std::isfinite(s.train_loss) && s.train_loss > 0);
        const auto rows = read_trainer_log(out);
        QCOMPARE(rows.size(), size_t(3));
        for (const auto& r : rows) QVERIFY(std::isfinite(r["loss"].get<double>()));
        for (const char* f : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model", "training_args.yaml",
                              "train_results.json", "trainer_state.json"})
            QVERIFY2(file_exists(out + "/" + f), f);

        const auto base = read_tensors(world_.model_dir + "/model.safetensors");
        if (method == "lora") {
            QVERIFY(!file_exists(out + "/model.safetensors"));
            const auto cfg = read_json_file(out + "/adapter_config.json");
            QCOMPARE(cfg["peft_type"].get<std::string>(), std::string("LORA"));
            QCOMPARE(cfg["task_type"].get<std::string>(), std::string("CAUSAL_LM"));
            QCOMPARE(cfg["r"].get<int>(), 4);
            QCOMPARE(cfg["lora_alpha"].get<double>(), 8.0);
            QCOMPARE(cfg["use_dora"].get<bool>(), dora);
            QCOMPARE(cfg["bias"].get<std::string>(), std::string("none"));
            QCOMPARE(cfg["base_model_name_or_path"].get<std::string>(), world_.model_dir);
            QCOMPARE(cfg["target_modules"].size(), size_t(7));  // "all": every projection
            const auto adapter = read_tensors(out + "/adapter_model.safetensors");
            const std::string q = "base_model.model.model.layers.0.self_attn.q_proj.";
            QVERIFY(adapter.count(q + "lora_A.weight") && adapter.count(q + "lora_B.weight"));
            QCOMPARE(adapter.count(q + "lora_magnitude_vector") == 1, dora);
            QCOMPARE(adapter.at(q + "lora_A.weight").size(0), int64_t(4));
            QVERIFY(adapter.at(q + "lora_B.weight").abs().max().item<double>() > 0);  // B starts at 0: it trained
            for (const auto& [name, t] : adapter) QVERIFY2(name.rfind("base_model.model.model.layers.", 0) == 0, name.c_str());
            // The adapter installs on the base model it names.
            auto model = load_causal_lm(world_.model_dir);
            const LoraModel loaded = load_lora_adapter(model.ptr(), out);
            QCOMPARE(loaded.settings().use_dora, dora);
            if (bits) {
                bool said = false;
                for (const auto& m : messages) said |= m.find("quantized the base to " + std::to_string(bits) + " bits") == 0;
                QVERIFY(said);
            }
        } else {
            QVERIFY(!file_exists(out + "/adapter_config.json"));
            QVERIFY(file_exists(out + "/config.json"));
            QCOMPARE(read_model_config(out).hidden_size, world_.config.hidden_size);
            load_causal_lm(out);  // a loadable HF folder
            const auto tuned = read_tensors(out + "/model.safetensors");
            QCOMPARE(tuned.size(), base.size());
            for (const auto& [name, t] : tuned) {
                const bool changed = (t - base.at(name)).abs().max().item<double>() > 0;
                // freeze_trainable_layers 1: only the last of the two layers trains.
                const bool trainable = method == "full" || name.rfind("model.layers.1.", 0) == 0;
                QVERIFY2(changed == trainable, (name + (changed ? " changed" : " did not change")).c_str());
            }
        }
        QVERIFY(paths_containing(out, ".tmp-").empty());
    }

    void badInputsFailWithPreciseMessages() {
        const std::string data = world_.root + "/bad-data";
        fs::create_directories(data);
        write_json_file(data + "/dataset_info.json", {{"toy", {{"file_name", "toy.json"}}},
                                                      {"gone", {{"file_name", "gone.json"}}},
                                                      {"broken", {{"file_name", "broken.json"}}},
                                                      {"holey", {{"file_name", "holey.json"}}}});
        write_json_file(data + "/toy.json", toy_records(4));
        write_file_atomic(data + "/broken.json", "[{\"instruction\": \"a\", \"output\": \"b\"},\n]");
        nlohmann::json holey = toy_records(3);
        holey[1].erase("output");
        write_file_atomic(data + "/holey.json", holey.dump(2));
        const std::string info = data + "/dataset_info.json";

        auto attempt = [&](const std::string& dataset, const std::string& out_name) {
            TrainConfig c = tiny_run(world_, world_.root + "/bad-" + out_name);
            c.dataset_dir = data;
            c.dataset = dataset;
            return run_session(c);
        };
        auto expect = [](const TrainSummary& s, const std::string& want) {
            QVERIFY2(s.status == TrainSummary::Status::Failed, summary_status(s).c_str());
            QCOMPARE(s.message, want);
        };
        expect(attempt("toi", "name"), "unknown dataset 'toi': " + info + " does not register it; did you mean 'toy'?");
        expect(attempt("gone", "missing"), data + "/gone.json: file not found (dataset 'gone' in " + info +
                                               " names it as \"file_name\": 'gone.json')");
        const TrainSummary broken = attempt("broken", "json");
        QVERIFY(broken.status == TrainSummary::Status::Failed);
        QVERIFY2(broken.message.rfind(data + "/broken.json:2:1: invalid JSON: trailing comma", 0) == 0,
                 broken.message.c_str());
        QCOMPARE(broken.problem.id, std::string("json_trailing_comma"));
        QCOMPARE(broken.problem.key, std::string("dataset"));  // the key names the setting, the file the place
        QCOMPARE(broken.problem.file, data + "/broken.json");
        QCOMPARE(broken.problem.line, int64_t(2));
        QCOMPARE(broken.problem.column, int64_t(1));
        const TrainSummary holey_run = attempt("holey", "record");
        expect(holey_run, data + "/holey.json record 1 (line 7): missing field 'output'");
        // The summary carries the failure as data (the studio words it in its language).
        QCOMPARE(holey_run.problem.id, std::string("record_missing_field"));
        QCOMPARE(holey_run.problem.file, data + "/holey.json");
        QCOMPARE(holey_run.problem.record, int64_t(1));
        QCOMPARE(holey_run.problem.key, std::string("dataset"));
        // The same record read as evaluation data is about eval_dataset.
        TrainConfig eval_holey = tiny_run(world_, world_.root + "/bad-eval");
        eval_holey.dataset_dir = data;
        eval_holey.dataset = "toy";
        eval_holey.eval_dataset = "holey";
        const TrainSummary eval_run = run_session(eval_holey);
        expect(eval_run, data + "/holey.json record 1 (line 7): missing field 'output'");
        QCOMPARE(eval_run.problem.key, std::string("eval_dataset"));

        // The output dir of a failed start holds no run: the same dir works once the name is fixed.
        TrainConfig fixed = tiny_run(world_, world_.root + "/bad-name");
        fixed.dataset_dir = data;
        fixed.max_steps = 1;
        QVERIFY2(run_session(fixed).status == TrainSummary::Status::Completed, "rerun in the failed run's output_dir");

        // A finished run is protected...
        expect(run_session(fixed), "output_dir: '" + fixed.output_dir +
                               "' already holds a run; choose another directory, set overwrite_output_dir: true, or "
                               "resume_from_checkpoint: auto to continue it");
        // ...unless overwriting is asked for, which clears the old run's checkpoints and logs first.
        fixed.overwrite_output_dir = true;
        fixed.max_steps = 2;
        fixed.save_steps = 1;
        QVERIFY(run_session(fixed).status == TrainSummary::Status::Completed);
        QCOMPARE(read_trainer_log(fixed.output_dir).size(), size_t(2));
        QCOMPARE(list_checkpoints(fixed.output_dir), std::vector<std::string>{fixed.output_dir + "/checkpoint-1"});

        // A model folder without config.json.
        const std::string no_config = world_.root + "/no-config";
        fs::create_directories(no_config);
        fs::copy_file(world_.model_dir + "/tokenizer.json", no_config + "/tokenizer.json");
        TrainConfig m = tiny_run(world_, world_.root + "/bad-model");
        m.model_name_or_path = no_config;
        expect(run_session(m), no_config + ": no config.json (a Hugging Face model folder holds config.json and model.safetensors)");
        m.model_name_or_path = world_.root + "/no-such-model";
        expect(run_session(m), "model folder '" + world_.root + "/no-such-model' does not exist");

        // Settings are checked before anything is read or created.
        TrainConfig bad = tiny_run(world_, world_.root + "/bad-settings");
        bad.quantization_bit = 4;
        bad.finetuning_type = "full";
        expect(run_session(bad), "quantization_bit: quantized training (QLoRA) needs finetuning_type: lora");
        QVERIFY(!dir_exists(bad.output_dir));
        bad = tiny_run(world_, world_.root + "/bad-stage");
        bad.stage = "ppo";
        const TrainSummary ppo = run_session(bad);
        QVERIFY(ppo.status == TrainSummary::Status::Failed);
        QVERIFY2(ppo.message.rfind("stage: 'ppo' training is not available in this build yet (", 0) == 0, ppo.message.c_str());
    }

    void precheckReportsEveryProblem() {
        TrainConfig c = tiny_run(world_, world_.root + "/precheck");
        QVERIFY(precheck_training(c).empty());
        c.dataset = "toi";
        c.template_name = "chatmI";
        c.model_name_or_path = world_.root + "/nowhere";
        const auto problems = precheck_training(c);
        QCOMPARE(problems.size(), size_t(3));
        QCOMPARE(problems[0].message, "model folder '" + world_.root + "/nowhere' does not exist");
        QCOMPARE(problems[0].key, std::string("model_name_or_path"));
        QVERIFY2(problems[1].message.find("unknown dataset 'toi'") == 0, problems[1].message.c_str());
        QCOMPARE(problems[1].key, std::string("dataset"));
        QVERIFY2(problems[2].message.find("chatmI") != std::string::npos, problems[2].message.c_str());
        QCOMPARE(problems[2].key, std::string("template"));
        // Settings and files together, every one at once, each with its key.
        c.learning_rate = 0;
        c.cutoff_len = 2;
        const auto more = precheck_training(c);
        QCOMPARE(more.size(), size_t(5));
        QCOMPARE(more[0].key, std::string("cutoff_len"));
        QCOMPARE(more[0].message, std::string("cutoff_len: must be at least 4 tokens"));
        QCOMPARE(more[1].key, std::string("learning_rate"));
        QCOMPARE(more[1].id, std::string("must_be_positive"));
        // A new model's tokenizer folder is read before anything else starts.
        TrainConfig fresh = tiny_run(world_, world_.root + "/precheck-new");
        fresh.create_new_model = "tiny";
        fresh.model_name_or_path.clear();
        fresh.new_model_tokenizer = world_.root + "/no-tokenizer-here";
        const auto tok = precheck_training(fresh);
        QCOMPARE(tok.size(), size_t(1));
        QCOMPARE(tok[0].key, std::string("new_model_tokenizer"));
    }
};

LATHE_TEST(TestTrainSession)
#include "test_train_session.moc"
