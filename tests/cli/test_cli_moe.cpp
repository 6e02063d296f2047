// A Qwen3-MoE model through lathe-cli from end to end, with the real Qwen3 tokenizer (Qwen3-MoE's own): SFT
// with LoRA on every expert and the router's load-balancing loss (logged as aux_loss), chat with the adapter,
// and the merged model exported to a Hugging Face folder and to GGUF (experts stacked).
#include "tests/cli/cli_fixtures.h"

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

    void trainsChatsAndExports() {
        const std::string out = test::scratch_dir() + "/qwen3-moe-sft";
        write_file_atomic(out + ".yaml", "model_name_or_path: " + model_dir_ + "\nstage: sft\nfinetuning_type: lora\n"
                                         "dataset: alpaca_en_demo\ndataset_dir: " LATHE_SOURCE_DIR "/datasets\n"
                                         "max_samples: 4\ncutoff_len: 48\nper_device_train_batch_size: 2\nmax_steps: 2\n"
                                         "logging_steps: 1\nsave_steps: 100\nlearning_rate: 1.0e-3\nthreads: 2\nlora_rank: 4\n"
                                         "moe_aux_loss_coef: 0.01\noutput_dir: " + out + "\n");
        auto r = test::run_cli({"train", out + ".yaml"});
        QVERIFY2(r.code == 0 && test::contains(r.out, "finished: 2 steps"), (r.why() + "\n" + r.out.substr(0, 2000)).c_str());
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

        auto chat = test::run_cli({"chat", "--model", model_dir_, "--adapter", out, "--max-new-tokens", "6", "--temperature", "0",
                                   "--threads", "2"},
                                  "Hello there\n/exit\n");
        QVERIFY2(chat.code == 0 && !chat.out.empty(), chat.why().c_str());

        for (const std::string format : {"hf", "gguf"}) {
            const std::string dir = test::scratch_dir() + "/qwen3-moe-export-" + format;
            write_file_atomic(dir + ".yaml", "model_name_or_path: " + model_dir_ + "\nadapter_name_or_path: " + out +
                                                 "\nexport_dir: " + dir + "\nexport_format: " + format +
                                                 (format == "gguf" ? "\nexport_quantization: q8_0\n" : "\n"));
            auto e = test::run_cli({"export", dir + ".yaml"});
            QVERIFY2(e.code == 0, (e.why() + "\n" + e.out).c_str());
        }
        CausalLM back = load_causal_lm(test::scratch_dir() + "/qwen3-moe-export-hf");
        QCOMPARE(back->config().num_experts, int64_t(4));
        QVERIFY(back->named_parameters().contains("model.layers.1.mlp.experts.3.up_proj.weight"));
        int ggufs = 0;
        for (const auto& e : std::filesystem::directory_iterator(test::scratch_dir() + "/qwen3-moe-export-gguf"))
            if (e.path().extension() == ".gguf" && e.file_size() > 0) ++ggufs;
        QCOMPARE(ggufs, 1);
    }
};

LATHE_TEST(TestCliMoe)
#include "test_cli_moe.moc"
