// generate_batch(): prompts of different lengths answered together (left padding, one KV cache) give,
// greedily, the ids generate() gives for each prompt alone, also when rows stop at different steps and
// leave the batch; stop ids, budgets, stop strings and cancellation act per row; results keep the
// prompts' order.
#include "tests/registry.h"

#include "core/model/generate.h"
#include "core/model/transformer.h"
#include "core/util/error.h"
#include "tests/core/model/tiny_models.h"

#include <torch/torch.h>
#include <QtTest>

#include <atomic>

using namespace lathe;

namespace {

CausalLM random_model(const std::string& model_type, int64_t vocab = 94, uint64_t seed = 11) {
    auto c = test::tiny_config(model_type);
    c.vocab_size = vocab;
    CausalLM m(c);
    m->init_weights(seed, 0.2);  // large weights: peaked predictions, no near-ties between padding layouts
    m->eval();
    return m;
}

std::vector<std::vector<int32_t>> prompts() {
    return {{5, 17, 3}, {40, 2, 9, 9, 61, 33, 7, 12}, {70}, {8, 8, 8, 8, 1}};
}

GenerateOptions options(int64_t max_new_tokens) {
    GenerateOptions o;
    o.max_new_tokens = max_new_tokens;
    return o;
}

}  // namespace

class TestGenerateBatch : public QObject {
    Q_OBJECT

private slots:
    void greedyEqualsOneByOne_data() {
        QTest::addColumn<QString>("type");
        QTest::newRow("llama") << "llama";
        QTest::newRow("qwen2") << "qwen2";
    }
    void greedyEqualsOneByOne() {
        QFETCH(QString, type);
        auto m = random_model(type.toStdString());
        const auto o = options(12);
        const auto batch = generate_batch(*m, nullptr, prompts(), o);
        QCOMPARE(batch.size(), prompts().size());
        for (size_t i = 0; i < prompts().size(); ++i) {
            const auto alone = generate(*m, nullptr, prompts()[i], o);
            QCOMPARE(batch[i].ids, alone.ids);
            QCOMPARE(batch[i].finish, FinishReason::Length);
            QCOMPARE(batch[i].prompt_tokens, static_cast<int64_t>(prompts()[i].size()));
        }
    }

    // A stop id that ends one row early (its answer's third id): that row leaves the batch and the others
    // still answer as they would alone.
    void rowsStopOnTheirOwn() {
        auto m = random_model("llama");
        const auto free = generate(*m, nullptr, prompts()[1], options(12));
        QVERIFY(free.ids.size() == 12);
        GenerateOptions o = options(12);
        o.stop_ids = {free.ids[2]};
        const auto batch = generate_batch(*m, nullptr, prompts(), o);
        bool someone_stopped = false, someone_ran_on = false;
        for (size_t i = 0; i < prompts().size(); ++i) {
            const auto alone = generate(*m, nullptr, prompts()[i], o);
            QCOMPARE(batch[i].ids, alone.ids);
            QCOMPARE(batch[i].finish, alone.finish);
            someone_stopped |= batch[i].finish == FinishReason::Stop;
            someone_ran_on |= batch[i].finish == FinishReason::Length;
        }
        QVERIFY(someone_stopped);
        QCOMPARE(batch[1].finish, FinishReason::Stop);
        QCOMPARE(batch[1].ids.size(), size_t(3));  // the stop id is kept, as generate() keeps it
        QVERIFY2(someone_ran_on, "the stop id ends every row: the test no longer shows rows leaving the batch");
    }

    void oneRowAndEdgeCases() {
        auto m = random_model("llama");
        const auto one = generate_batch(*m, nullptr, {prompts()[1]}, options(6));
        QCOMPARE(one.size(), size_t(1));
        QCOMPARE(one[0].ids, generate(*m, nullptr, prompts()[1], options(6)).ids);
        QVERIFY(generate_batch(*m, nullptr, {}, options(6)).empty());
        const auto none = generate_batch(*m, nullptr, prompts(), options(0));
        for (const auto& r : none) QVERIFY(r.ids.empty());
        QVERIFY_EXCEPTION_THROWN(generate_batch(*m, nullptr, prompts(), options(-1)), ConfigError);
        QVERIFY_EXCEPTION_THROWN(generate_batch(*m, nullptr, {{1, 2}, {500}}, options(2)), ConfigError);  // id >= vocab
    }

    void cancelStopsEveryRow() {
        auto m = random_model("llama");
        std::atomic<bool> cancel{true};
        const auto r = generate_batch(*m, nullptr, prompts(), options(8), &cancel);
        for (const auto& row : r) {
            QCOMPARE(row.finish, FinishReason::Cancelled);
            QVERIFY(row.ids.empty());
        }
    }
};

LATHE_TEST(TestGenerateBatch)
#include "test_generate_batch.moc"
