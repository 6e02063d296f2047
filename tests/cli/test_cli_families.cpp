// Gemma 3 (text) through lathe-cli from end to end, with its real tokenizer and the gemma template: every
// stage (pt, sft, rm, dpo, kto) and every method (full, freeze, LoRA, DoRA, QLoRA) trains a few steps and
// writes its outputs, the adapter chats, and the merged model exports to a Hugging Face folder and to GGUF.
#include "tests/cli/cli_fixtures.h"

#include "core/io/json_file.h"
#include "core/model/model_folder.h"
#include "tests/core/model/gemma_models.h"

#include <QtTest>

using namespace lathe;

class TestCliFamilies : public QObject {
    Q_OBJECT

    std::string model_dir_;

    std::string train(const std::string& name, const std::string& stage, const std::string& method,
                      const std::string& dataset, const std::string& extra = "") {
        const std::string out = test::scratch_dir() + "/gemma-" + name;
        const std::string path = test::scratch_dir() + "/gemma-" + name + ".yaml";
        write_file_atomic(path, "model_name_or_path: " + model_dir_ + "\nstage: " + stage + "\nfinetuning_type: " + method +
                                    "\ntemplate: gemma\ndataset: " + dataset + "\ndataset_dir: " LATHE_SOURCE_DIR "/datasets\n"
                                    "max_samples: 4\ncutoff_len: 48\nper_device_train_batch_size: 2\nmax_steps: 2\n"
                                    "logging_steps: 1\nsave_steps: 100\nlearning_rate: 1.0e-3\nthreads: 2\nlora_rank: 4\n"
                                    "output_dir: " + out + "\n" + extra);
        auto r = test::run_cli({"train", path});
        if (r.code != 0 || !test::contains(r.out, "finished: 2 steps")) {
            QTest::qFail((name + ": " + r.why() + "\n" + r.out.substr(0, 2000)).c_str(), __FILE__, __LINE__);
            return "";
        }
        return out;
    }

private slots:
    void initTestCase() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("gemma3");
        ModelConfig c = test::tiny_gemma3_config();
        c.hidden_size = 32;
        c.intermediate_size = 64;
        c.head_dim = 16;
        c.vocab_size = 262144;  // Gemma 3 1B's rows: the tokenizer's extra <image_soft_token> lies past them
        c.bos_token_id = 2;
        c.eos_token_ids = {1, 106};
        CausalLM m = test::make_gemma(c, 3);
        model_dir_ = test::write_model_folder(*m, "gemma3-cli", test::shared_tokenizer_dir("gemma3"));
    }

    void everyStageTrains() {
        QVERIFY(!train("pt", "pt", "full", "c4_demo").empty());
        QVERIFY(!train("rm", "rm", "lora", "dpo_en_demo").empty());
        QVERIFY(!train("dpo", "dpo", "lora", "dpo_en_demo").empty());
        QVERIFY(!train("kto", "kto", "lora", "kto_en_demo").empty());
    }

    void everyMethodTrains() {
        QVERIFY(!train("full", "sft", "full", "alpaca_en_demo").empty());
        QVERIFY(!train("freeze", "sft", "freeze", "alpaca_en_demo", "freeze_trainable_layers: 2\n").empty());
        QVERIFY(!train("dora", "sft", "lora", "alpaca_en_demo", "use_dora: true\n").empty());
        QVERIFY(!train("qlora", "sft", "lora", "alpaca_en_demo", "quantization_bit: 4\n").empty());
    }

    void loraChatsAndExports() {
        const std::string adapter = train("lora", "sft", "lora", "alpaca_en_demo");
        QVERIFY(!adapter.empty());
        const auto cfg = read_json_file(adapter + "/adapter_config.json");
        QCOMPARE(cfg.at("target_modules").size(), size_t(7));  // q k v o gate up down, PEFT's names

        auto chat = test::run_cli({"chat", "--model", model_dir_, "--adapter", adapter, "--max-new-tokens", "6",
                                   "--temperature", "0", "--threads", "2"},
                                  "Hello there\n/exit\n");
        QVERIFY2(chat.code == 0 && !chat.out.empty(), chat.why().c_str());

        for (const std::string format : {"hf", "gguf"}) {
            const std::string path = test::scratch_dir() + "/gemma-export-" + format + ".yaml";
            const std::string out = test::scratch_dir() + "/gemma-export-" + format;
            write_file_atomic(path, "model_name_or_path: " + model_dir_ + "\nadapter_name_or_path: " + adapter +
                                        "\ntemplate: gemma\nexport_dir: " + out + "\nexport_format: " + format +
                                        (format == "gguf" ? "\nexport_quantization: q8_0\n" : "\n"));
            auto r = test::run_cli({"export", path});
            QVERIFY2(r.code == 0, r.why().c_str());
        }
        // The merged folder is a Gemma 3 model again, its config as transformers writes it.
        const auto merged = read_json_file(test::scratch_dir() + "/gemma-export-hf/config.json");
        QCOMPARE(merged.at("architectures")[0].get<std::string>(), std::string("Gemma3ForCausalLM"));
        QCOMPARE(merged.at("layer_types").size(), size_t(6));
        CausalLM back = load_causal_lm(test::scratch_dir() + "/gemma-export-hf");
        QCOMPARE(back->config().model_type, std::string("gemma3_text"));
        int ggufs = 0;
        for (const auto& e : std::filesystem::directory_iterator(test::scratch_dir() + "/gemma-export-gguf"))
            if (e.path().extension() == ".gguf" && e.file_size() > 0) ++ggufs;
        QCOMPARE(ggufs, 1);
    }
};

LATHE_TEST(TestCliFamilies)
#include "test_cli_families.moc"
