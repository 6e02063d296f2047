// lathe-cli train: a tiny LoRA run from a YAML file writes its adapter, logs and results; key=value
// overrides apply; an unknown key stops it before any work, naming the key and the closest one.
#include "tests/cli/cli_fixtures.h"

#include "core/io/json_file.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/model/tiny_models.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <fstream>
#include <iterator>

#include <filesystem>

using namespace lathe;

class TestCliTrain : public QObject {
    Q_OBJECT

    std::string model_dir_;

    // A config for a few LoRA steps on the bundled alpaca demo; `extra` lines are appended.
    std::string write_config(const std::string& name, const std::string& output_dir, const std::string& extra = "") {
        const std::string path = test::scratch_dir() + "/" + name + ".yaml";
        write_file_atomic(path, "model_name_or_path: " + model_dir_ +
                                    "\n"
                                    "stage: sft\n"
                                    "finetuning_type: lora\n"
                                    "lora_rank: 4\n"
                                    "dataset: alpaca_en_demo\n"
                                    "dataset_dir: " LATHE_SOURCE_DIR "/datasets\n"
                                    "max_samples: 8\n"
                                    "cutoff_len: 64\n"
                                    "per_device_train_batch_size: 2\n"
                                    "gradient_accumulation_steps: 1\n"
                                    "max_steps: 3\n"
                                    "logging_steps: 1\n"
                                    "save_steps: 100\n"
                                    "learning_rate: 1.0e-3\n"
                                    "threads: 2\n"
                                    "output_dir: " +
                                    output_dir + "\n" + extra);
        return path;
    }

private slots:
    void initTestCase() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        const std::string tok_dir = test::shared_tokenizer_dir("llama2");
        auto c = test::tiny_config("llama");
        c.vocab_size = Tokenizer::from_dir(tok_dir)->vocab_size();
        CausalLM m(c);
        m->init_weights(3);
        model_dir_ = test::write_model_folder(*m, "train-base", tok_dir);
    }

    void runsAndWritesOutputs() {
        const std::string out = test::scratch_dir() + "/train-out";
        auto r = test::run_cli({"train", write_config("train", out)});
        QVERIFY2(r.code == 0, r.why().c_str());
        for (int step = 1; step <= 3; ++step)
            QVERIFY2(test::contains(r.out, "step " + std::to_string(step) + "/3  loss "), r.out.c_str());
        QVERIFY2(test::contains(r.out, "finished: 3 steps"), r.out.c_str());
        for (const char* f : {"adapter_config.json", "adapter_model.safetensors", "trainer_log.jsonl",
                              "training_args.yaml", "train_results.json", "trainer_state.json", "tokenizer.json"})
            QVERIFY2(file_exists(out + "/" + f), f);
        auto adapter = read_json_file(out + "/adapter_config.json");
        QCOMPARE(adapter.at("r").get<int>(), 4);
        QCOMPARE(adapter.at("base_model_name_or_path").get<std::string>(), model_dir_);
        auto state = read_json_file(out + "/trainer_state.json");
        QCOMPARE(state.at("global_step").get<int>(), 3);
    }

    void keyValueOverridesApply() {
        const std::string out = test::scratch_dir() + "/train-override";
        auto r = test::run_cli({"train", write_config("train-override", test::scratch_dir() + "/unused"), "max_steps=2",
                                "output_dir=" + out});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY2(test::contains(r.out, "finished: 2 steps"), r.out.c_str());
        QVERIFY(file_exists(out + "/adapter_model.safetensors"));
        QVERIFY(!std::filesystem::exists(test::scratch_dir() + "/unused"));
    }

    // --threads N is threads=N; the run log says how the threads are used and the memory estimate.
    void threadsFlagSetsTheThreads() {
        const std::string out = test::scratch_dir() + "/train-threads";
        const std::string config = write_config("train-threads", out);
        auto r = test::run_cli({"train", config, "--threads", "1", "max_steps=1"});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY2(test::contains(r.err, "device: cpu (1 thread)"), r.err.c_str());
        QVERIFY2(test::contains(r.err, "memory: ≈ "), r.err.c_str());
        std::ifstream args(out + "/training_args.yaml");
        const std::string yaml((std::istreambuf_iterator<char>(args)), std::istreambuf_iterator<char>());
        QVERIFY2(test::contains(yaml, "threads: 1"), yaml.c_str());
        r = test::run_cli({"train", config, "--threads"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "--threads needs a value"), r.err.c_str());
    }

    void unknownKeyNamesKeyAndSuggestion() {
        const std::string out = test::scratch_dir() + "/train-typo";
        auto r = test::run_cli({"train", write_config("train-typo", out, "learning_rat: 1.0e-4\n")});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "unknown key 'learning_rat' (did you mean 'learning_rate'?)"), r.err.c_str());
        QVERIFY2(test::contains(r.err, "train-typo.yaml"), r.err.c_str());  // which file
        QVERIFY(!std::filesystem::exists(out));
        // The same on the command line.
        r = test::run_cli({"train", write_config("train-typo2", out), "max_step=2"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "unknown key 'max_step' (did you mean 'max_steps'?)"), r.err.c_str());
        QVERIFY(!std::filesystem::exists(out));
    }

    void badConfigsAreErrors() {
        auto r = test::run_cli({"train", test::scratch_dir() + "/no-such.yaml"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "no-such.yaml"), r.err.c_str());
        r = test::run_cli({"train"});
        QCOMPARE(r.code, 2);
        QVERIFY2(test::contains(r.err, "usage: lathe-cli train CONFIG.yaml"), r.err.c_str());
        QVERIFY(r.out.empty());
        // A failure inside the run (a dataset that is not registered) exits non-zero with the reason.
        const std::string out = test::scratch_dir() + "/train-nodata";
        r = test::run_cli({"train", write_config("train-nodata", out), "dataset=no_such_dataset"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "no_such_dataset"), r.err.c_str());
        // Every impossible setting at once, one line each, before anything is loaded.
        r = test::run_cli({"train", write_config("train-two-bad", out), "learning_rate=0", "warmup_ratio=1.5"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "lathe-cli train: error: learning_rate: must be positive\n"), r.err.c_str());
        QVERIFY2(test::contains(r.err, "lathe-cli train: error: warmup_ratio: must be in [0, 1)\n"), r.err.c_str());
        QVERIFY(r.out.empty());
        // Files and names too: an unknown dataset and template reported together, before any loading.
        r = test::run_cli({"train", write_config("train-two-names", out), "dataset=no_such_dataset", "template=chatmI"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "lathe-cli train: error: unknown dataset 'no_such_dataset'"), r.err.c_str());
        QVERIFY2(test::contains(r.err, "chatmI"), r.err.c_str());
        QVERIFY2(!test::contains(r.err, "device:"), r.err.c_str());  // the run never started
    }
};

LATHE_TEST(TestCliTrain)
#include "test_cli_train.moc"
