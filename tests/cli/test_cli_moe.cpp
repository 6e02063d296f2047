// A Qwen3-MoE model through lathe-cli from end to end, with the real Qwen3 tokenizer (Qwen3-MoE's own): every
// stage (pt, sft, rm, dpo, kto) and method (full, freeze, LoRA, DoRA, QLoRA) trains; SFT with LoRA on every
// expert and the router's load-balancing loss (logged as aux_loss), chat with the adapter, and the merged
// model exported to a Hugging Face folder and to GGUF (experts stacked).
#include "tests/cli/family_runs.h"

#include "core/io/json_file.h"
#include "core/model/model_folder.h"
#include "tests/core/model/moe_models.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <fstream>

using namespace lathe;

class TestCliMoe : public QObject {
    Q_OBJECT

    std::string model_dir_;

private slots:
    void initTestCase() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("qwen3");
        ModelConfig c = test::tiny_qwen3_moe_config();
        c.vocab_size = 151936;  // Qwen3's rows
        c.hidden_size = 32;
        c.head_dim = 8;
        c.num_experts = 4;
        c.moe_intermediate_size = 16;
        c.num_hidden_layers = 2;
        c.eos_token_ids = {151645};
        CausalLM m = test::make_moe(c, 3);
        model_dir_ = test::write_model_folder(*m, "qwen3-moe-cli", test::shared_tokenizer_dir("qwen3"));
    }

    void everyStageTrains() { QVERIFY(test::every_other_stage_trains(model_dir_, "qwen3-moe")); }

    void everyMethodTrains() { QVERIFY(test::every_other_method_trains(model_dir_, "qwen3-moe")); }

    void trainsChatsAndExports() {
        const std::string out = test::train_family_run(model_dir_, "qwen3-moe", "sft", "sft", "lora", "alpaca_en_demo",
                                                       "moe_aux_loss_coef: 0.01\n");
        QVERIFY(!out.empty());
        const auto cfg = read_json_file(out + "/adapter_config.json");
        QCOMPARE(cfg.at("target_modules").get<std::vector<std::string>>(),
                 (std::vector<std::string>{"down_proj", "gate", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"}));
        // Every logged step carries the balance loss (about num_experts_per_tok for an untrained router).
        std::ifstream log(out + "/trainer_log.jsonl");
        std::string line;
        int with_aux = 0;
        while (std::getline(log, line))
            if (line.find("\"aux_loss\"") != std::string::npos) ++with_aux;
        QCOMPARE(with_aux, 2);

        QVERIFY(test::adapter_chats(model_dir_, out));
        QCOMPARE(test::export_family_run(model_dir_, out, "qwen3-moe"), 1);
        CausalLM back = load_causal_lm(test::scratch_dir() + "/qwen3-moe-export-hf");
        QCOMPARE(back->config().num_experts, int64_t(4));
        QVERIFY(back->named_parameters().contains("model.layers.1.mlp.experts.3.up_proj.weight"));
    }
};

LATHE_TEST(TestCliMoe)
#include "test_cli_moe.moc"
