// Gradient checkpointing must not change the gradients: full fine-tuning, LoRA (embeddings frozen, so
// the first layer's input needs no gradient: the case the anchor input of the checkpoint function
// exists for), and LoRA with dropout (the recomputation must replay the same dropout masks). It must
// also leave the random stream where the plain pass leaves it, and recompute under the forward's autocast
// (bf16 mixed precision), not in float32; and it replays the attention rather than recomputing it.
#include "tests/registry.h"

#include "core/model/attention_kernel.h"
#include "core/peft/lora.h"
#include "core/util/autocast.h"
#include "core/train/objective.h"
#include "core/train/precision.h"
#include "tests/core/peft/peft_fixtures.h"

#include <QtTest>

using namespace lathe;
using namespace lathe::test;

namespace {

struct Grads {
    std::vector<std::string> names;
    std::vector<torch::Tensor> values;  // undefined when a trainable parameter got no gradient
    double loss = 0;
    double next_random = 0;             // the first draw after backward
};

// The forward under `autocast` (as the trainer: backward outside the scope).
Grads grads_of(CausalLMImpl& model, bool checkpointing, uint64_t seed, torch::ScalarType autocast = torch::kFloat) {
    for (auto& p : model.parameters())
        if (p.grad().defined()) p.mutable_grad().zero_();
    torch::manual_seed(seed);
    auto ids = token_batch();                                  // (2, 6)
    auto labels = ids.clone();
    labels.index_put_({0, torch::indexing::Slice(0, 2)}, kIgnoreIndex);
    auto mask = torch::ones_like(ids);
    mask.index_put_({1, 5}, 0);                                // one padded position
    labels.index_put_({1, 5}, kIgnoreIndex);
    TrainForward how;
    how.gradient_checkpointing = checkpointing;
    torch::Tensor loss;
    int64_t n = 0;
    {
        AutocastScope scope(model.device(), autocast);
        auto hidden = train_hidden_states(model, ids, mask, how);  // (2, 6, C)
        std::tie(loss, n) = lm_loss_sum(model, hidden, labels);
    }
    (loss / static_cast<double>(n)).backward();
    Grads g;
    g.loss = loss.item<double>();
    g.next_random = torch::rand({1}).item<double>();
    for (const auto& p : model.named_parameters()) {
        if (!p.value().requires_grad()) continue;
        g.names.push_back(p.key());
        g.values.push_back(p.value().grad().defined() ? p.value().grad().clone() : torch::Tensor());
    }
    return g;
}

void expect_same_grads(const Grads& plain, const Grads& ckpt, double tol) {
    QCOMPARE(ckpt.names, plain.names);
    QVERIFY(!plain.names.empty());
    QVERIFY(std::abs(plain.loss - ckpt.loss) < 1e-6 * std::abs(plain.loss));
    for (size_t i = 0; i < plain.names.size(); ++i) {
        QVERIFY2(plain.values[i].defined(), plain.names[i].c_str());
        QVERIFY2(ckpt.values[i].defined(), ("no gradient with checkpointing: " + plain.names[i]).c_str());
        QVERIFY2(plain.values[i].abs().max().item<double>() > 0, ("zero gradient: " + plain.names[i]).c_str());
        const double d = max_diff(plain.values[i], ckpt.values[i]);
        QVERIFY2(d <= tol * (1 + plain.values[i].abs().max().item<double>()),
                 qPrintable(QString("%1 differs by %2").arg(plain.names[i].c_str()).arg(d)));
    }
    QCOMPARE(ckpt.next_random, plain.next_random);
}

std::shared_ptr<CausalLMImpl> lora_model(double dropout, bool dora = false) {
    auto m = random_model();
    LoraSettings s;
    s.rank = 4;
    s.alpha = 8;
    s.dropout = dropout;
    s.use_dora = dora;
    LoraModel::apply(m.ptr(), s);
    randomize_adapters(*m);  // B = 0 at init would leave lora_A without gradient
    m->train();
    return m.ptr();
}

}  // namespace

class TestTrainGradCheckpoint : public QObject {
    Q_OBJECT

private slots:
    void fullFineTuningSameGradients() {
        CausalLM m = random_model();
        m->train();
        for (auto& p : m->parameters()) p.set_requires_grad(true);
        expect_same_grads(grads_of(*m, false, 1), grads_of(*m, true, 1), 1e-5);
    }

    void loraWithFrozenEmbeddingsSameGradients() {
        auto m = lora_model(0.0);
        QVERIFY(!m->model->embed_tokens->weight.requires_grad());
        const Grads plain = grads_of(*m, false, 1);
        QVERIFY(plain.names.size() > 0);
        for (const auto& n : plain.names) QVERIFY2(n.find("lora_") != std::string::npos, n.c_str());
        expect_same_grads(plain, grads_of(*m, true, 1), 1e-5);
    }

    // DoRA: the magnitudes get the plain pass's gradients too (its forward with nothing recording is
    // core/dora's trainingForwardIsTheSameWhetherOrNotItRecords).
    void doraSameGradients() {
        auto m = lora_model(0.0, true);
        const Grads plain = grads_of(*m, false, 1);
        bool magnitudes = false;
        for (const auto& n : plain.names) magnitudes |= n.find("lora_magnitude_vector") != std::string::npos;
        QVERIFY(magnitudes);
        const Grads ckpt = grads_of(*m, true, 1);
        expect_same_grads(plain, ckpt, 1e-5);
    }

    void loraDropoutMasksAreReplayed() {
        auto m = lora_model(0.3);
        const Grads plain = grads_of(*m, false, 2);
        // Dropout is live: another seed gives other gradients (else this test would prove nothing).
        QVERIFY(max_diff(grads_of(*m, false, 3).values[0], plain.values[0]) > 1e-4);
        expect_same_grads(plain, grads_of(*m, true, 2), 1e-5);
    }

    // Mixed precision: float32 weights with bf16 autocast, and LoRA over a base held in bf16. The
    // recomputation runs in backward, outside the forward's scope; it must restore bf16 autocast or its
    // gradients are those of a float32 forward (off by bf16's rounding, ~1e-2, instead of ~1e-7).
    void autocastIsRestoredForTheRecomputation() {
        CausalLM m = random_model();
        m->train();
        for (auto& p : m->parameters()) p.set_requires_grad(true);
        const Grads fp32 = grads_of(*m, false, 1);
        const Grads plain = grads_of(*m, false, 1, torch::kBFloat16);
        QVERIFY(max_diff(plain.values[0], fp32.values[0]) > 1e-4);  // bf16 really changed the numbers
        expect_same_grads(plain, grads_of(*m, true, 1, torch::kBFloat16), 1e-5);

        auto lora = lora_model(0.0);
        Precision bf16;
        bf16.mode = PrecisionMode::Bf16;
        hold_weights(*lora, bf16);
        QVERIFY(lora->model->embed_tokens->weight.scalar_type() == torch::kBFloat16);
        expect_same_grads(grads_of(*lora, false, 1, torch::kBFloat16), grads_of(*lora, true, 1, torch::kBFloat16), 1e-5);
    }

    // The recomputation replays each layer's attention (its output and log-sum-exp, kept by the
    // forward) instead of computing the products again: one attention forward per layer either way.
    void recomputationReplaysTheAttention() {
        CausalLM m = random_model();
        m->train();
        for (auto& p : m->parameters()) p.set_requires_grad(true);
        const auto layers = static_cast<uint64_t>(m->config().num_hidden_layers);
        for (bool checkpointing : {false, true}) {
            const uint64_t before = attention_forwards_computed();
            grads_of(*m, checkpointing, 1);
            QCOMPARE(attention_forwards_computed() - before, layers);
        }
    }

    void evalModeRunsLayersDirectly() {
        CausalLM m = random_model();
        torch::NoGradGuard g;
        TrainForward how;
        how.gradient_checkpointing = true;
        auto ids = token_batch();
        auto with = train_hidden_states(*m, ids, torch::ones_like(ids), how);
        how.gradient_checkpointing = false;
        QVERIFY(max_diff(with, train_hidden_states(*m, ids, torch::ones_like(ids), how)) < 1e-6);
    }
};

LATHE_TEST(TestTrainGradCheckpoint)
#include "test_train_grad_checkpoint.moc"
