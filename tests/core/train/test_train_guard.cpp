// The NaN guard: a loss (or weights) gone non-finite stops the run with a message naming the step,
// and the last good checkpoint stays as it was written, loadable and finite. Driven through train_loop
// with an objective that poisons one step, an inf injected into a weight, and through run_training with
// a learning rate that blows the model up.
#include "tests/registry.h"

#include "core/model/model_folder.h"
#include "core/train/checkpoint.h"
#include "core/train/objective.h"
#include "core/train/run_dir.h"
#include "core/train/session.h"
#include "core/train/trainer.h"
#include "tests/core/train/train_fixtures.h"

#include <QtTest>

#include <filesystem>
#include <limits>

using namespace lathe;
using namespace lathe::test;

namespace {

// The causal-LM loss, multiplied by `poison` on the `at`-th micro-batch.
class PoisonedObjective : public Objective {
public:
    PoisonedObjective(int at, double poison) : at_(at), poison_(poison) {}
    int64_t units(const Batch& b) const override { return lm_->units(b); }
    LossOutput compute(CausalLMImpl& model, const Batch& b, const TrainForward& how) override {
        LossOutput out = lm_->compute(model, b, how);
        if (++calls_ == at_) out.loss_sum = out.loss_sum * poison_;
        return out;
    }

private:
    std::unique_ptr<Objective> lm_ = make_lm_objective();
    int at_, calls_ = 0;
    double poison_;
};

std::vector<Example> toy_examples(int n) {
    std::vector<Example> out;
    for (int i = 0; i < n; ++i) {
        Example e;
        for (int t = 0; t < 6 + i % 4; ++t) {
            e.input_ids.push_back(3 + (7 * i + 11 * t) % 90);
            e.labels.push_back(t < 2 ? kIgnoreIndex : e.input_ids.back());
        }
        out.push_back(e);
    }
    return out;
}

struct GuardRun {
    TrainSummary summary;
    std::map<int64_t, std::string> checkpoints;  // step -> dir, from on_checkpoint
    std::map<int64_t, std::vector<torch::Tensor>> weights_at;
    int final_saves = 0;
};

GuardRun run_loop(const std::string& out, std::unique_ptr<Objective> objective,
                  const std::function<void(CausalLMImpl&, int64_t)>& after_step = {}) {
    TrainerSetup s;
    s.config.output_dir = out;
    s.config.per_device_train_batch_size = 2;
    s.config.gradient_accumulation_steps = 1;
    s.config.max_steps = 8;
    s.config.save_steps = 2;
    s.config.logging_steps = 1;
    s.config.learning_rate = 1e-3;
    s.model = CausalLM(tiny_config());
    s.model->init_weights(3);
    for (const auto& p : s.model->named_parameters()) s.trainable.push_back({p.key(), p.value()});
    s.train = toy_examples(16);
    s.objective = std::move(objective);
    GuardRun r;
    CausalLMImpl& model = *s.model;
    s.save_weights = [&](const std::string& dir) {
        save_causal_lm(model, dir);
        if (dir == out) ++r.final_saves;
    };
    TrainerEvents ev;
    ev.on_progress = [&](int64_t step, int64_t, double, double) {
        if (after_step) after_step(model, step);
    };
    ev.on_checkpoint = [&](const std::string& dir, int64_t step) {
        r.checkpoints[step] = dir;
        for (const auto& p : model.parameters()) r.weights_at[step].push_back(p.detach().clone());
    };
    RunDir run(out, false);
    r.summary = train_loop(s, run, ev, nullptr);
    return r;
}

// checkpoint-<step> holds the weights seen when it was announced, loads, and is finite.
void expect_intact(const GuardRun& r, int64_t step) {
    QVERIFY(r.checkpoints.count(step));
    const std::string dir = r.checkpoints.at(step);
    CausalLM m(tiny_config());
    load_weights(*m, dir);
    const auto params = m->parameters();
    const auto& seen = r.weights_at.at(step);
    QCOMPARE(params.size(), seen.size());
    for (size_t i = 0; i < params.size(); ++i) {
        QVERIFY(torch::isfinite(params[i]).all().item<bool>());
        QVERIFY(torch::equal(params[i], seen[i]));
    }
    std::vector<NamedParameter> named;
    for (const auto& p : m->named_parameters()) named.push_back({p.key(), p.value()});
    AdamW opt(named, {});
    const CheckpointState cs = load_checkpoint(dir, opt);
    QCOMPARE(cs.global_step, step);
    QCOMPARE(opt.steps(), step);
    QVERIFY(paths_containing(std::filesystem::path(dir).parent_path().string(), ".tmp-").empty());
}

}  // namespace

class TestTrainGuard : public QObject {
    Q_OBJECT

private slots:
    void nonFiniteLossStopsAtItsStep_data() {
        QTest::addColumn<double>("poison");
        QTest::addColumn<QString>("word");
        QTest::newRow("nan") << std::numeric_limits<double>::quiet_NaN() << "NaN";
        QTest::newRow("inf") << std::numeric_limits<double>::infinity() << "infinite";
    }
    void nonFiniteLossStopsAtItsStep() {
        QFETCH(double, poison);
        QFETCH(QString, word);
        const std::string out = scratch_dir() + "/guard-loss-" + word.toStdString();
        const GuardRun r = run_loop(out, std::make_unique<PoisonedObjective>(5, poison));
        QVERIFY(r.summary.status == TrainSummary::Status::Failed);
        QCOMPARE(r.summary.steps, int64_t(4));
        QCOMPARE(QString::fromStdString(r.summary.message),
                 "the loss became " + word + " at step 5 (try a lower learning_rate or max_grad_norm); the last good "
                 "checkpoint is kept: " + QString::fromStdString(out + "/checkpoint-4"));
        QCOMPARE(r.summary.last_checkpoint, out + "/checkpoint-4");
        QCOMPARE(list_checkpoints(out), (std::vector<std::string>{out + "/checkpoint-2", out + "/checkpoint-4"}));
        expect_intact(r, 4);
        QCOMPARE(r.final_saves, 0);  // no final weights from a failed run
        QVERIFY(!file_exists(out + "/train_results.json"));
        const std::string log = read_file(out + "/running_log.txt");
        QVERIFY(log.find("[ERROR|") != std::string::npos && log.find("at step 5") != std::string::npos);
    }

    void nonFiniteWeightsAreNeverCheckpointed() {
        // An inf lands in a weight after step 6's update, just before checkpoint-6 would be written.
        const std::string out = scratch_dir() + "/guard-weights";
        const GuardRun r = run_loop(out, make_lm_objective(), [](CausalLMImpl& m, int64_t step) {
            if (step != 6) return;
            torch::NoGradGuard g;
            m.model->norm->weight[3] = std::numeric_limits<float>::infinity();
        });
        QVERIFY(r.summary.status == TrainSummary::Status::Failed);
        QCOMPARE(r.summary.message, "the weights became non-finite at step 6 (model.norm.weight); the last good "
                                    "checkpoint is kept: " + out + "/checkpoint-4");
        QCOMPARE(list_checkpoints(out), (std::vector<std::string>{out + "/checkpoint-2", out + "/checkpoint-4"}));
        expect_intact(r, 4);
        QCOMPARE(r.final_saves, 0);
    }

    void failureBeforeAnyCheckpointSaysSo() {
        const std::string out = scratch_dir() + "/guard-early";
        const GuardRun r = run_loop(out, std::make_unique<PoisonedObjective>(1, std::numeric_limits<double>::quiet_NaN()));
        QVERIFY(r.summary.status == TrainSummary::Status::Failed);
        QCOMPARE(r.summary.message, std::string("the loss became NaN at step 1 (try a lower learning_rate or "
                                                "max_grad_norm); no checkpoint was saved"));
        QVERIFY(list_checkpoints(out).empty());
    }

    void hugeLearningRateFailsThroughRunTraining() {
        const TinyWorld w = make_tiny_world("guard-lr", 8);
        TrainConfig c = tiny_run(w, w.root + "/out", "full");
        c.learning_rate = 1e30;
        c.max_grad_norm = 0;
        c.warmup_steps = 0;
        c.lr_scheduler_type = "constant";
        c.max_steps = 6;
        c.save_steps = 1;
        const TrainSummary s = run_training(c, {});
        QVERIFY(s.status == TrainSummary::Status::Failed);
        QVERIFY2(s.message.find("non-finite at step ") != std::string::npos ||
                     s.message.find("at step ") != std::string::npos,
                 s.message.c_str());
        QVERIFY2(s.steps >= 1, s.message.c_str());
        // Every checkpoint left behind holds finite weights (the failing step wrote none).
        const auto cks = list_checkpoints(c.output_dir);
        QCOMPARE(static_cast<int64_t>(cks.size()), s.steps);
        for (const auto& dir : cks)
            for (const auto& [name, t] : read_tensors(dir + "/model.safetensors"))
                QVERIFY2(torch::isfinite(t).all().item<bool>(), (dir + ": " + name).c_str());
        QVERIFY(!file_exists(c.output_dir + "/model.safetensors"));
    }
};

LATHE_TEST(TestTrainGuard)
#include "test_train_guard.moc"
