// Phi-3 through lathe-cli from end to end: a tiny phi3 model with Phi-3's tokenizer layout (Llama 2's
// SentencePiece vocabulary from ../shared plus Phi-3's added tokens 32000-32010 and its chat template, as
// microsoft/Phi-3-mini-4k-instruct ships it). The template is picked from the Jinja, the chat tokens encode
// as single ids, every stage (pt, sft, rm, dpo, kto) and method (full, freeze, LoRA, DoRA, QLoRA) trains,
// LoRA on PEFT's fused names, the adapter chats, and the merged model exports to a Hugging Face folder and
// to GGUF.
#include "tests/cli/family_runs.h"

#include "core/io/json_file.h"
#include "core/model/model_folder.h"
#include "tests/core/model/phi3_models.h"

#include <nlohmann/json.hpp>
#include <QtTest>

using namespace lathe;
using json = nlohmann::json;

namespace {

// Phi-3-mini-4k-instruct's chat_template.
const char* kPhi3Jinja =
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + "
    "'<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif "
    "message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";

// Llama 2's tokenizer files with Phi-3's added tokens and config.
void write_phi3_tokenizer(const std::string& llama2, const std::string& dir) {
    json tok = json::parse(read_file(llama2 + "/tokenizer.json"));
    const char* added[] = {"<|endoftext|>", "<|assistant|>", "<|placeholder1|>", "<|placeholder2|>", "<|placeholder3|>",
                           "<|placeholder4|>", "<|system|>", "<|end|>", "<|placeholder5|>", "<|placeholder6|>", "<|user|>"};
    for (int i = 0; i < 11; ++i)
        tok["added_tokens"].push_back({{"id", 32000 + i}, {"content", added[i]}, {"single_word", false}, {"lstrip", false},
                                       {"rstrip", i != 0}, {"normalized", false}, {"special", true}});
    write_file_atomic(dir + "/tokenizer.json", tok.dump());
    const json cfg = {{"add_bos_token", false}, {"add_eos_token", false}, {"bos_token", "<s>"}, {"eos_token", "<|endoftext|>"},
                      {"pad_token", "<|endoftext|>"}, {"unk_token", "<unk>"}, {"legacy", false},
                      {"tokenizer_class", "LlamaTokenizer"}, {"chat_template", kPhi3Jinja}};
    write_file_atomic(dir + "/tokenizer_config.json", cfg.dump());
}

}  // namespace

class TestCliPhi3 : public QObject {
    Q_OBJECT

    std::string model_dir_;

private slots:
    void initTestCase() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        ModelConfig c = test::tiny_phi3_config();
        c.vocab_size = 32064;  // Phi-3-mini's rows: the added tokens and padding past Llama 2's 32000
        c.hidden_size = 32;
        c.head_dim = 8;
        c.intermediate_size = 48;
        c.num_hidden_layers = 2;
        c.sliding_layers.assign(2, true);
        c.bos_token_id = 1;
        c.eos_token_ids = {32000, 32001, 32007};
        c.pad_token_id = 32000;
        CausalLM m = test::make_phi3(c, 3);
        model_dir_ = test::write_model_folder(*m, "phi3-cli", "");
        write_phi3_tokenizer(test::shared_tokenizer_dir("llama2"), model_dir_);
    }

    void templateAndChatTokens() {
        auto info = test::run_cli({"info", "--model", model_dir_});
        QVERIFY2(info.code == 0, info.why().c_str());
        QVERIFY2(test::contains(info.out, "Phi3ForCausalLM") && test::contains(info.out, "template:      phi ") &&
                     test::contains(info.out, "window 5"),
                 info.out.c_str());
        // <|user|> and <|end|> are one id each (32010, 32007), with no BOS (add_bos_token false).
        auto ids = test::run_cli({"tokenize", "--model", model_dir_, "--add-special", "--text", "<|user|>\nHi<|end|>"});
        QVERIFY2(ids.code == 0, ids.why().c_str());
        QVERIFY2(ids.out.rfind("32010 ", 0) == 0 && test::contains(ids.out, " 32007\n"), ids.out.c_str());
    }

    void everyStageTrains() { QVERIFY(test::every_other_stage_trains(model_dir_, "phi3")); }

    void everyMethodTrains() { QVERIFY(test::every_other_method_trains(model_dir_, "phi3")); }

    void loraTrainsChatsAndExports() {
        // No template key: the Jinja picks "phi".
        const std::string adapter =
            test::train_family_run(model_dir_, "phi3", "sft", "sft", "lora", "alpaca_en_demo", "lora_target: all\n");
        QVERIFY(!adapter.empty());
        const auto cfg = read_json_file(adapter + "/adapter_config.json");
        QCOMPARE(cfg.at("target_modules").get<std::vector<std::string>>(),
                 (std::vector<std::string>{"down_proj", "gate_up_proj", "o_proj", "qkv_proj"}));

        QVERIFY(test::adapter_chats(model_dir_, adapter));
        QCOMPARE(test::export_family_run(model_dir_, adapter, "phi3"), 1);
        const auto merged = read_json_file(test::scratch_dir() + "/phi3-export-hf/config.json");
        QCOMPARE(merged.at("architectures")[0].get<std::string>(), std::string("Phi3ForCausalLM"));
        QCOMPARE(merged.at("sliding_window").get<int64_t>(), int64_t(5));
        CausalLM back = load_causal_lm(test::scratch_dir() + "/phi3-export-hf");
        QVERIFY(back->named_parameters().contains("model.layers.1.mlp.gate_up_proj.weight"));
    }
};

LATHE_TEST(TestCliPhi3)
#include "test_cli_phi3.moc"
