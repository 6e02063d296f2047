// Gemma 3 (text) through lathe-cli from end to end, with its real tokenizer and the gemma template: every
// stage (pt, sft, rm, dpo, kto) and every method (full, freeze, LoRA, DoRA, QLoRA) trains a few steps and
// writes its outputs, the adapter chats, and the merged model exports to a Hugging Face folder and to GGUF.
#include "tests/cli/family_runs.h"

#include "core/io/json_file.h"
#include "core/model/model_folder.h"
#include "tests/core/model/gemma_models.h"

#include <QtTest>

using namespace lathe;

class TestCliFamilies : public QObject {
    Q_OBJECT

    std::string model_dir_;

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

    void everyStageTrains() { QVERIFY(test::every_other_stage_trains(model_dir_, "gemma", "template: gemma\n")); }

    void everyMethodTrains() { QVERIFY(test::every_other_method_trains(model_dir_, "gemma", "template: gemma\n")); }

    void loraChatsAndExports() {
        const std::string adapter =
            test::train_family_run(model_dir_, "gemma", "lora", "sft", "lora", "alpaca_en_demo", "template: gemma\n");
        QVERIFY(!adapter.empty());
        const auto cfg = read_json_file(adapter + "/adapter_config.json");
        QCOMPARE(cfg.at("target_modules").size(), size_t(7));  // q k v o gate up down, PEFT's names

        QVERIFY(test::adapter_chats(model_dir_, adapter));
        const int ggufs = test::export_family_run(model_dir_, adapter, "gemma", "template: gemma\n");
        QCOMPARE(ggufs, 1);
        // The merged folder is a Gemma 3 model again, its config as transformers writes it.
        const auto merged = read_json_file(test::scratch_dir() + "/gemma-export-hf/config.json");
        QCOMPARE(merged.at("architectures")[0].get<std::string>(), std::string("Gemma3ForCausalLM"));
        QCOMPARE(merged.at("layer_types").size(), size_t(6));
        CausalLM back = load_causal_lm(test::scratch_dir() + "/gemma-export-hf");
        QCOMPARE(back->config().model_type, std::string("gemma3_text"));
    }
};

LATHE_TEST(TestCliFamilies)
#include "test_cli_families.moc"
