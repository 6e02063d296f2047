// The whole path a first-time user takes: create_new_model "tiny" (a tokenizer trained on the run's own
// text, random weights), sft on the bundled identity set with the placeholders filled, then greedy chat
// with the chatml template must answer "who are you?" with the configured name. A model that learns
// this has correct labels, template, EOS handling, optimiser and output folder end to end.
#include "tests/registry.h"

#include "core/data/template.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/session.h"
#include "tests/core/train/train_fixtures.h"

#include <QtTest>
#include <chrono>
#include <cstdlib>

using namespace lathe;
using namespace lathe::test;

class TestTrainIdentity : public QObject {
    Q_OBJECT

private slots:
    void newModelLearnsItsName() {
        const std::string out = scratch_dir() + "/identity";
        TrainConfig c;
        c.create_new_model = "tiny";
        c.finetuning_type = "full";
        c.dataset = "identity";
        c.dataset_dir = std::string(LATHE_SOURCE_DIR) + "/datasets";
        c.identity_name = "Lathebot";
        c.identity_author = "Lathe Labs";
        // The first 12 records hold "Who are you?", "who are you" and ten greetings that all answer
        // with the name; SMALLEST_RELIABLE_SETTING below.
        c.max_samples = 12;
        c.tokenizer_vocab_size = 400;
        c.cutoff_len = 64;
        c.per_device_train_batch_size = 4;
        c.gradient_accumulation_steps = 1;
        c.max_steps = 40;
        c.learning_rate = 1e-3;
        c.lr_scheduler_type = "constant";
        c.logging_steps = 10;
        c.save_steps = 0;
        c.output_dir = out;
        c.device = "cpu";
        auto envi = [](const char* k, double d) { const char* v = std::getenv(k); return v ? std::atof(v) : d; };
        c.max_samples = (int)envi("ID_SAMPLES", c.max_samples);
        c.max_steps = (int)envi("ID_STEPS", c.max_steps);
        c.per_device_train_batch_size = (int)envi("ID_BATCH", c.per_device_train_batch_size);
        c.learning_rate = envi("ID_LR", c.learning_rate);
        c.tokenizer_vocab_size = (int)envi("ID_VOCAB", c.tokenizer_vocab_size);
        c.seed = (int)envi("ID_SEED", c.seed);
        c.threads = (int)envi("ID_THREADS", 0);
        if (std::getenv("ID_SCHED")) c.lr_scheduler_type = std::getenv("ID_SCHED");
        if (std::getenv("ID_PRESET")) c.create_new_model = std::getenv("ID_PRESET");
        auto t0 = std::chrono::steady_clock::now();
        auto since = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
        TrainerEvents evs;
        evs.on_message = [&](const std::string&, const Problem& t) { qInfo("%.2f %s", since(), t.message.c_str()); };
        evs.on_log = [&](const LogEvent& e) { qInfo("%.2f step %lld loss %.4f", since(), (long long)e.step, e.loss); };
        const TrainSummary s = run_training(c, evs);
        qInfo("%.2f trained", since());
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());

        // Chat with what the run wrote, as lathe-cli chat would.
        auto model = load_causal_lm(out);
        auto tok = Tokenizer::from_dir(out);
        QCOMPARE(pick_template(tok.get(), model->config().model_type), std::string("chatml"));
        const ChatTemplate& tmpl = *find_template("chatml");
        const auto prompt = tmpl.encode_generation(*tok, {{Role::User, "who are you?"}});
        GenerateOptions g;
        g.max_new_tokens = 32;
        const StopCriteria stop = tmpl.stop_criteria(*tok);
        g.stop_ids = stop.token_ids;
        g.stop_strings = stop.strings;
        const GenerateResult r = generate(*model, tok.get(), prompt, g);
        qInfo("%.2f answer: %s", since(), r.text.c_str());
        QVERIFY2(r.text.find("Lathebot") != std::string::npos, ("answer: " + r.text).c_str());
        QVERIFY2(r.finish == FinishReason::Stop, ("the answer did not end with <|im_end|>: " + r.text).c_str());
    }
};

LATHE_TEST(TestTrainIdentity)
#include "test_train_identity.moc"
