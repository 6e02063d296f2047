// KTO's inputs and learning: the KL rows pair each prompt with the previous example's response (TRL's
// +1 offset), examples get their tags and only the last response trained, a tiny LoRA model learns
// to raise desirable responses over undesirable ones on held-out data, and in a data-parallel run the KL
// reference point is the mean over every rank's rows (TRL's gather).
#include "core/data/record.h"
#include "core/dist/collective.h"
#include "core/peft/lora.h"
#include "core/train/preference/kto_objective.h"
#include "tests/core/train/test_pref_fixtures.h"

#include <QtTest>

#include <thread>

using namespace lathe;
using namespace lathe::test;

namespace {

Example single(std::vector<int32_t> prompt, std::vector<int32_t> response, int tag) {
    Example e;
    e.input_ids = prompt;
    e.labels.assign(prompt.size(), kIgnoreIndex);
    for (int32_t t : response) e.input_ids.push_back(t), e.labels.push_back(t);
    e.kto_tag = tag;
    return e;
}

// Synthetic feedback: each pair of synthetic_pairs becomes a desirable (ends kGood) and an undesirable
// (ends kBad) example.
std::vector<Example> feedback(size_t pairs, uint64_t seed) {
    std::vector<Example> out;
    for (const auto& p : synthetic_pairs(pairs, seed)) {
        Example good, bad;
        good.input_ids = p.input_ids, good.labels = p.labels, good.kto_tag = 1;
        bad.input_ids = p.rejected_ids, bad.labels = p.rejected_labels, bad.kto_tag = 0;
        out.push_back(good), out.push_back(bad);
    }
    return out;
}

}  // namespace

class TestPrefKto : public QObject {
    Q_OBJECT
private slots:
    void klRowsPairPromptWithPreviousResponse() {
        std::vector<Example> ex = {single({5, 6}, {7}, 1), single({8}, {9, 10, 11}, 0), single({12, 13, 14}, {15, 16}, 1)};
        std::vector<const Example*> group{&ex[0], &ex[1], &ex[2]};
        Batch b = collate(group, 0, torch::kCPU);
        Batch kl = kto_kl_batch(b, 64, 0);
        auto ids = kl.input_ids, labels = kl.labels, mask = kl.attention_mask;
        auto row = [&](int r) {
            std::vector<int64_t> v;
            for (int64_t t = 0; t < mask[r].sum().item<int64_t>(); ++t) v.push_back(ids[r][t].item<int64_t>());
            return v;
        };
        QCOMPARE(row(0), (std::vector<int64_t>{5, 6, 15, 16}));  // prompt 0 + response 2
        QCOMPARE(row(1), (std::vector<int64_t>{8, 7}));          // prompt 1 + response 0
        QCOMPARE(row(2), (std::vector<int64_t>{12, 13, 14, 9, 10, 11}));
        QCOMPARE(labels[1][0].item<int64_t>(), int64_t(kIgnoreIndex));
        QCOMPARE(labels[1][1].item<int64_t>(), int64_t(7));
        // cutoff_len: LLaMA-Factory's infer_seqlen shares it between prompt and response.
        Batch cut = kto_kl_batch(b, 4, 0);
        QCOMPARE(cut.attention_mask[2].sum().item<int64_t>(), int64_t(4));
    }

    void examplesGetTagsAndOnlyTheLastResponse() {
        Example e;
        e.source = "kto.json#0";
        e.input_ids = {1, 2, 3, 4, 5, 6};
        e.labels = {-100, 2, 3, -100, 5, 6};  // a history turn (2, 3) and the last response (5, 6)
        std::vector<Example> ex{e};
        Sample s;
        s.source = "kto.json#0";
        s.kto_tag = false;
        prepare_kto_examples(ex, {s});
        QCOMPARE(ex[0].kto_tag, 0);
        QCOMPARE(ex[0].labels, (std::vector<int32_t>{-100, -100, -100, -100, 5, 6}));
        s.source = "kto.json#1";
        QCOMPARE(error_of([&] { prepare_kto_examples(ex, {s}); }),
                 std::string("kto.json#0: no kto_tag (stage kto needs every record labelled true or false)"));
    }

    void klReferencePointIsSharedByTheRanks() {
        if (!collectives_available()) QSKIP("this build has no Gloo headers (libgloo-dev)");
        // Two ranks, each with the same model and adapter (made non-zero, so policy and reference differ),
        // each with half of a batch of 4.
        const auto examples = feedback(2, 3);
        std::vector<CausalLM> models;
        std::vector<std::unique_ptr<Objective>> objectives;
        for (int r = 0; r < 2; ++r) {
            auto model = tiny_lm();
            LoraSettings ls;
            ls.rank = 4;
            auto lora = std::make_shared<LoraModel>(LoraModel::apply(model.ptr(), ls));
            torch::manual_seed(5);
            torch::NoGradGuard no_grad;
            for (auto& [name, t] : lora->trainable().named) t.copy_(torch::randn_like(t) * 0.3);
            models.push_back(model);
            objectives.push_back(make_kto_objective(KtoSettings{}, adapter_off_reference(lora)));
        }
        auto batch_of = [&](int r) {
            std::vector<const Example*> group{&examples[2 * r], &examples[2 * r + 1]};
            return collate(group, 0, torch::kCPU);
        };
        // Alone, each rank's KL is the mean over its own two rows.
        std::vector<double> alone(2), shared(2);
        for (int r = 0; r < 2; ++r) alone[r] = objectives[r]->compute(*models[r], batch_of(r), TrainForward{}).metrics["kl"] / 2;
        QVERIFY2(alone[0] > 0 && alone[1] > 0, "the check needs KL estimates above the clamp at 0");
        QVERIFY2(std::abs(alone[0] - alone[1]) > 1e-3, (std::to_string(alone[0]) + " " + std::to_string(alone[1])).c_str());
        auto rendezvous = make_local_rendezvous();
        std::vector<std::thread> ranks;
        for (int r = 0; r < 2; ++r)
            ranks.emplace_back([&, r] {
                auto c = join_local(rendezvous, r, 2, std::chrono::seconds(30));
                TrainForward how;
                how.collective = c.get();
                shared[r] = objectives[r]->compute(*models[r], batch_of(r), how).metrics["kl"] / 2;
            });
        for (auto& t : ranks) t.join();
        const double expected = (alone[0] + alone[1]) / 2;  // equal row counts: the mean of the two means
        QVERIFY2(std::abs(shared[0] - expected) < 1e-5 && std::abs(shared[1] - expected) < 1e-5,
                 (std::to_string(shared[0]) + " " + std::to_string(shared[1]) + " vs " + std::to_string(expected)).c_str());
    }

    void loraLearnsDesirableOverUndesirable() {
        auto model = tiny_lm();
        LoraSettings ls;
        ls.rank = 8;
        auto lora = std::make_shared<LoraModel>(LoraModel::apply(model.ptr(), ls));
        TrainerSetup setup;
        setup.model = model;
        setup.train = feedback(48, 1);
        setup.eval = feedback(16, 2);
        for (auto& [name, t] : lora->trainable().named) setup.trainable.push_back({name, t});
        setup.objective = make_kto_objective(KtoSettings{}, adapter_off_reference(lora));
        setup.config.per_device_train_batch_size = 8;
        setup.config.gradient_accumulation_steps = 1;
        setup.config.learning_rate = 1e-2;
        setup.config.max_steps = 30;
        setup.config.lr_scheduler_type = "constant";
        std::map<std::string, double> before, after;
        const double loss_before = evaluate_loss(*model, *setup.objective, setup.eval, 8, 0, &before);
        quiet_train(setup, "kto-learns");
        const double loss_after = evaluate_loss(*model, *setup.objective, setup.eval, 8, 0, &after);
        QVERIFY(std::abs(loss_before - 0.5) < 1e-5);  // policy == reference: 1 - s(0) for every example
        const double chosen = after["rewards/chosen_sum"] / after["count/chosen"];
        const double rejected = after["rewards/rejected_sum"] / after["count/rejected"];
        const std::string what = "loss " + std::to_string(loss_before) + " -> " + std::to_string(loss_after) +
                                 ", rewards chosen " + std::to_string(chosen) + " rejected " + std::to_string(rejected);
        QVERIFY2(chosen > 0.3 && rejected < -0.3, what.c_str());
        QVERIFY2(loss_after < 0.45, what.c_str());
    }
};

LATHE_TEST(TestPrefKto)
#include "test_pref_kto.moc"
