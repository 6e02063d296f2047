// DPO's reference model: LoRA's adapter-off pass is exactly the base model (also on a quantized base),
// the frozen copy keeps the starting weights while the model trains, precomputed log-probs equal
// computed ones, and an untrained LoRA policy starts at the DPO loss log 2.
#include "core/peft/freeze.h"
#include "core/peft/lora.h"
#include "core/peft/quantized_linear.h"
#include "core/train/preference/dpo_objective.h"
#include "core/train/preference/reference.h"
#include "tests/core/train/test_pref_fixtures.h"

#include <QtTest>

#include <cmath>

using namespace lathe;
using namespace lathe::test;

namespace {

Batch pair_batch(const std::vector<Example>& examples, size_t first, size_t n) {
    std::vector<const Example*> group;
    for (size_t i = first; i < first + n; ++i) group.push_back(&examples[i]);
    return collate(group, 0, torch::kCPU);
}

// Every LoRA A and B (and the additional targets) moved away from their start, so adapters matter.
void perturb_trainables(CausalLMImpl& m, uint64_t seed) {
    torch::NoGradGuard g;
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed);
    for (auto& p : m.named_parameters())
        if (p.value().requires_grad()) p.value().add_(torch::empty(p.value().sizes()).normal_(0, 0.3, gen));
}

SequenceLogps base_logps(CausalLMImpl& m, const Batch& b) { return current_model_reference(m)->logps(b); }

}  // namespace

class TestPrefReference : public QObject {
    Q_OBJECT
private slots:
    void adapterOffEqualsBaseModel() {
        auto model = tiny_lm();
        model->eval();
        const auto pairs = synthetic_pairs(6, 1);
        const Batch b = pair_batch(pairs, 0, 6);
        const auto base = base_logps(*model, b);

        LoraSettings s;
        s.rank = 4;
        s.additional_targets = {"norm"};  // a fully trained module must be swapped back too
        auto lora = std::make_shared<LoraModel>(LoraModel::apply(model.ptr(), s));
        perturb_trainables(*model, 9);
        const auto with_adapter = base_logps(*model, b);
        QVERIFY(max_diff(with_adapter.sum, base.sum) > 1e-2);  // the adapter does change the model

        auto ref = adapter_off_reference(lora);
        const auto off = ref->logps(b);
        QCOMPARE(max_diff(off.sum, base.sum), 0.0);
        QCOMPARE(max_diff(off.count, base.count), 0.0);
        QVERIFY(lora->enabled());  // switched back on for the policy's pass
        QCOMPARE(max_diff(base_logps(*model, b).sum, with_adapter.sum), 0.0);
        QCOMPARE(ref->describe().message, std::string("the base model (adapter switched off)"));
    }

    void adapterOffOnQuantizedBaseEqualsQuantizedModel() {
        auto model = tiny_lm();
        model->eval();
        quantize_base_weights(*model, 4, true);
        const Batch b = pair_batch(synthetic_pairs(4, 2), 0, 4);
        const auto base = base_logps(*model, b);
        LoraSettings s;
        s.rank = 4;
        auto lora = std::make_shared<LoraModel>(LoraModel::apply(model.ptr(), s));
        perturb_trainables(*model, 4);
        QVERIFY(max_diff(base_logps(*model, b).sum, base.sum) > 1e-2);
        QCOMPARE(max_diff(adapter_off_reference(lora)->logps(b).sum, base.sum), 0.0);
    }

    void frozenCopyKeepsStartingWeights() {
        const Batch b = pair_batch(synthetic_pairs(4, 3), 0, 4);
        for (const bool freeze : {false, true}) {
            auto model = tiny_lm();
            model->eval();
            int64_t trained = 0;
            if (freeze) {
                FreezeSettings fs;
                fs.trainable_layers = 1;
                trained = apply_freeze(*model, fs).trainable;
            } else {
                for (auto& p : model->parameters()) p.set_requires_grad(true), trained += p.numel();
            }
            const auto before = base_logps(*model, b);
            auto ref = frozen_copy_reference(*model);
            QCOMPARE(ref->describe().message, "a frozen copy of the model (" + std::to_string(trained) +
                                          " trained parameters copied, the rest shared)");
            perturb_trainables(*model, 5);  // "training"
            QVERIFY(max_diff(base_logps(*model, b).sum, before.sum) > 1e-2);
            QCOMPARE(max_diff(ref->logps(b).sum, before.sum), 0.0);
            for (auto& p : model->parameters()) QVERIFY(freeze || p.requires_grad());  // the model stays trainable
        }
    }

    // Precomputed in batches of 3, asked in batches of 2 with other padding: the same numbers.
    void precomputedEqualsComputed() {
        auto model = tiny_lm();
        model->eval();
        const auto pairs = synthetic_pairs(6, 4);
        std::vector<const Example*> all;
        for (const auto& e : pairs) all.push_back(&e);
        auto source = current_model_reference(*model);
        auto table = precomputed_reference(*source, all, 3, 0, torch::kCPU);
        for (size_t first : {0, 2, 4}) {
            const Batch b = pair_batch(pairs, first, 2);
            QVERIFY(max_diff(table->logps(b).sum, source->logps(b).sum) < 1e-5);
        }
        const auto other = synthetic_pairs(2, 99);
        const Batch unknown = pair_batch(other, 0, 2);
        QCOMPARE(error_of([&] { table->logps(unknown); }),
                 std::string("precomputed reference log-probs: batch row 0 was not seen when they were computed "
                             "(its tokens changed?)"));
    }

    // A fresh LoRA adapter (B = 0) leaves the policy equal to the reference: every pair's sigmoid loss is
    // -log s(0) = log 2, every reward 0.
    void untrainedPolicyStartsAtLogTwo() {
        auto model = tiny_lm();
        LoraSettings s;
        s.rank = 4;
        auto lora = std::make_shared<LoraModel>(LoraModel::apply(model.ptr(), s));
        auto objective = make_dpo_objective(DpoSettings{}, adapter_off_reference(lora));
        const Batch b = pair_batch(synthetic_pairs(5, 6), 0, 5);
        QCOMPARE(objective->units(b), int64_t(5));
        auto out = objective->compute(*model, b, TrainForward{});
        QVERIFY(std::abs(out.loss_sum.item<double>() / 5 - std::log(2.0)) < 1e-6);
        QVERIFY(std::abs(out.metrics["rewards/margins"]) < 1e-6);
        QCOMPARE(out.metrics["rewards/accuracies"], 0.0);
        QVERIFY(out.loss_sum.requires_grad());
    }
};

LATHE_TEST(TestPrefReference)
#include "test_pref_reference.moc"
