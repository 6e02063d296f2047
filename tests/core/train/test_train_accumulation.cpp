// Gradient accumulation: 4 micro-batches of 2 must make the same update as one batch of 8, also when
// the micro-batches hold very different numbers of label tokens, because the loop divides by the
// window's total label tokens (not by each micro-batch's). The update is made to show the gradient
// itself: with adam_epsilon far above |g|, AdamW's first step is -lr * g / (|g| + eps), linear in g.
#include "tests/registry.h"

#include "core/data/batching.h"
#include "core/train/objective.h"
#include "core/train/run_dir.h"
#include "core/train/trainer.h"
#include "tests/core/model/tiny_models.h"

#include <QtTest>

#include <cmath>

using namespace lathe;

namespace {

// 8 examples: prompt lengths 3..17, label counts from 1 to 24.
std::vector<Example> examples() {
    std::vector<Example> out;
    const int prompt[] = {3, 17, 5, 9, 12, 4, 15, 7};
    const int answer[] = {1, 24, 2, 11, 3, 19, 1, 6};
    for (int i = 0; i < 8; ++i) {
        Example e;
        e.source = "toy.json#" + std::to_string(i);
        for (int t = 0; t < prompt[i] + answer[i]; ++t) {
            const int32_t id = 3 + (i * 31 + t * 17) % 90;
            e.input_ids.push_back(id);
            e.labels.push_back(t < prompt[i] ? kIgnoreIndex : id);
        }
        out.push_back(std::move(e));
    }
    return out;
}

CausalLM model_copy(uint64_t seed) {
    CausalLM m(test::tiny_config());
    m->init_weights(seed, 0.2);
    return m;
}

std::vector<torch::Tensor> snapshot(CausalLMImpl& m) {
    std::vector<torch::Tensor> out;
    for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
    return out;
}

struct RunResult {
    std::vector<torch::Tensor> params;
    double logged_loss = -1;
    double grad_norm = -1;
    TrainSummary summary;
};

RunResult run(int batch, int accumulation, const std::string& out) {
    TrainerSetup s;
    s.config.output_dir = out;
    s.config.per_device_train_batch_size = batch;
    s.config.gradient_accumulation_steps = accumulation;
    s.config.max_steps = 1;
    s.config.logging_steps = 1;
    s.config.save_steps = 0;
    s.config.learning_rate = 1.0;
    s.config.adam_epsilon = 1e3;
    s.config.max_grad_norm = 0;
    s.config.lr_scheduler_type = "constant";
    s.model = model_copy(5);
    for (const auto& p : s.model->named_parameters()) s.trainable.push_back({p.key(), p.value()});
    s.train = examples();
    s.pad_id = 0;
    s.objective = make_lm_objective();
    s.save_weights = [](const std::string&) {};
    RunDir dir(out, false);
    RunResult r;
    TrainerEvents ev;
    ev.on_log = [&](const LogEvent& e) {
        r.logged_loss = e.loss;
        r.grad_norm = e.grad_norm;
    };
    r.summary = train_loop(s, dir, ev, nullptr);
    r.params = snapshot(*s.model);
    return r;
}

double max_rel(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    double diff = 0, scale = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, (a[i] - b[i]).abs().max().item<double>());
        scale = std::max(scale, b[i].abs().max().item<double>());
    }
    return diff / scale;
}

}  // namespace

class TestTrainAccumulation : public QObject {
    Q_OBJECT

private slots:
    void fourByTwoEqualsOneByEight() {
        // The reference: one forward over all 8, the loss averaged over every label token of them.
        CausalLM ref = model_copy(5);
        const auto before = snapshot(*ref);
        const auto ex = examples();
        std::vector<const Example*> all;
        int64_t labels = 0;
        for (const auto& e : ex) {
            all.push_back(&e);
            labels += e.label_count() - (e.labels[0] != kIgnoreIndex);
        }
        Batch b = collate(all, 0, torch::kCPU);
        ForwardOptions fo;
        fo.attention_mask = b.attention_mask;
        auto [sum, n] = lm_loss_sum(*ref, ref->hidden_states(b.input_ids, fo), b.labels);
        QCOMPARE(n, labels);
        auto loss = sum / static_cast<double>(n);
        loss.backward();
        std::vector<torch::Tensor> expected_delta;
        double grad_sq = 0;
        for (const auto& p : ref->parameters()) {
            const auto g = p.grad();
            grad_sq += g.pow(2).sum().item<double>();
            expected_delta.push_back(-g / (g.abs() + 1e3));  // AdamW step 1: m_hat = g, v_hat = g^2
        }
        auto lm = make_lm_objective();
        QVERIFY(std::abs(evaluate_loss(*model_copy(5), *lm, ex, 3, 0) - loss.item<double>()) < 1e-5);

        const std::string root = test::scratch_dir() + "/accumulation";
        for (auto [batch, acc] : {std::pair{2, 4}, std::pair{8, 1}, std::pair{1, 8}}) {
            const RunResult r = run(batch, acc, root + "/" + std::to_string(batch) + "x" + std::to_string(acc));
            QVERIFY2(r.summary.status == TrainSummary::Status::Completed, r.summary.message.c_str());
            std::vector<torch::Tensor> delta;
            for (size_t i = 0; i < before.size(); ++i) delta.push_back(r.params[i] - before[i]);
            const double rel = max_rel(delta, expected_delta);
            QVERIFY2(rel < 1e-3, qPrintable(QString("%1 x %2: update differs from the 1 x 8 reference by %3 (relative)")
                                                .arg(acc).arg(batch).arg(rel)));
            QVERIFY2(std::abs(r.logged_loss - loss.item<double>()) < 1e-4,
                     qPrintable(QString("%1 x %2: logged loss %3, token mean %4").arg(acc).arg(batch).arg(r.logged_loss)
                                    .arg(loss.item<double>())));
            QVERIFY2(std::abs(r.grad_norm - std::sqrt(grad_sq)) < 1e-3 * std::sqrt(grad_sq),
                     qPrintable(QString("grad_norm %1, reference %2").arg(r.grad_norm).arg(std::sqrt(grad_sq))));
        }
    }
};

LATHE_TEST(TestTrainAccumulation)
#include "test_train_accumulation.moc"
