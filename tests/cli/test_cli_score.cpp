// lathe-cli score: a reward model trained by `lathe-cli train` (stage rm, LoRA) scores a response; the
// printed reward is the one the engine computes for the same text through the chat template, and a model
// without a value head or a missing flag is refused with a message.
#include "tests/cli/cli_fixtures.h"

#include "core/data/encode.h"
#include "core/data/record.h"
#include "core/data/template.h"
#include "core/model/transformer.h"
#include "core/model/value_head.h"
#include "core/peft/adapter_io.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/model/tiny_models.h"

#include <QtTest>

#include <cmath>

using namespace lathe;

class TestCliScore : public QObject {
    Q_OBJECT

    std::string model_dir_, run_dir_;

    static double parse_reward(const test::CliResult& r) {
        if (r.code != 0 || r.out.empty() || r.out.back() != '\n') return std::nan("");
        return std::stod(r.out);
    }

private slots:
    void initTestCase() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        const std::string tok_dir = test::shared_tokenizer_dir("llama2");
        auto c = test::tiny_config("llama");
        c.vocab_size = Tokenizer::from_dir(tok_dir)->vocab_size();
        CausalLM m(c);
        m->init_weights(5);
        model_dir_ = test::write_model_folder(*m, "score-base", tok_dir);
        run_dir_ = test::scratch_dir() + "/score-rm";
        const std::string yaml = test::scratch_dir() + "/score-rm.yaml";
        write_file_atomic(yaml, "model_name_or_path: " + model_dir_ +
                                    "\nstage: rm\nfinetuning_type: lora\nlora_rank: 4\ntemplate: default\n"
                                    "dataset: dpo_en_demo\ndataset_dir: " LATHE_SOURCE_DIR "/datasets\n"
                                    "max_samples: 8\ncutoff_len: 64\nper_device_train_batch_size: 2\n"
                                    "max_steps: 2\nlogging_steps: 1\nsave_steps: 100\nthreads: 2\noutput_dir: " +
                                    run_dir_ + "\n");
        auto r = test::run_cli({"train", yaml});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY(has_value_head(run_dir_));
    }

    void printsTheEngineReward() {
        const std::string prompt = "What is the capital of France?", response = "Paris.";
        auto r = test::run_cli({"score", "--model", model_dir_, "--adapter", run_dir_, "--template", "default",
                                "--prompt", prompt, "--response", response, "--threads", "2"});
        const double printed = parse_reward(r);
        QVERIFY2(std::isfinite(printed), r.why().c_str());

        // The same reward computed here: base + adapter merged, the value head beside the adapter.
        auto tok = Tokenizer::from_dir(model_dir_);
        auto model = load_causal_lm(model_dir_);
        merge_lora_adapters(model.ptr(), {run_dir_}, model_dir_);
        ValueHead head = load_value_head(run_dir_, model->config().hidden_size, model->device());
        Sample s;
        s.prompt = {{Role::User, prompt}};
        s.response = {{Role::Assistant, response}};
        EncodeOptions eo;
        eo.cutoff_len = 2048;
        Example e = encode_supervised(s, *find_template("default"), *tok, eo);
        const double expected = score_sequences(*model, head, {e.input_ids})[0].item<double>();
        QVERIFY2(std::abs(printed - expected) < 1e-5, (std::to_string(printed) + " vs " + std::to_string(expected)).c_str());

        // Another response gets another reward.
        auto other = test::run_cli({"score", "--model", model_dir_, "--adapter", run_dir_, "--template", "default",
                                    "--prompt", prompt, "--response", "I refuse to say.", "--threads", "2"});
        QVERIFY2(std::isfinite(parse_reward(other)), other.why().c_str());
        QVERIFY(parse_reward(other) != printed);
    }

    void refusesAModelWithoutValueHead() {
        auto r = test::run_cli({"score", "--model", model_dir_, "--prompt", "hi", "--response", "hello"});
        QVERIFY(r.code != 0);
        QVERIFY2(test::contains(r.err, "value_head.safetensors") && test::contains(r.err, "stage rm"), r.why().c_str());
    }

    void refusesAMissingFlag() {
        auto r = test::run_cli({"score", "--model", model_dir_, "--prompt", "hi"});
        QVERIFY(r.code != 0);
        QVERIFY2(test::contains(r.err, "--response"), r.why().c_str());
    }
};

LATHE_TEST(TestCliScore)
#include "test_cli_score.moc"
