// generate_batch(): prompts of different lengths answered together (left padding, one KV cache) give,
// greedily, the ids generate() gives for each prompt alone, also when rows stop at different steps and
// leave the batch; stop ids, budgets, stop strings and cancellation act per row; results keep the
// prompts' order.
#include "core/infer/gemv.h"
#include "tests/registry.h"

#include "core/infer/inference_weights.h"
#include "core/model/generate.h"
#include "core/model/transformer.h"
#include "core/util/error.h"
#include "tests/core/model/tiny_models.h"

#include <torch/torch.h>
#include <QtTest>

#include <atomic>

using namespace lathe;

namespace {

CausalLM random_batch_model(const std::string& model_type, int64_t vocab = 94, uint64_t seed = 11) {
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
        auto m = random_batch_model(type.toStdString());
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

    // Packed weights on a model with small random weights (flat predictions, near-ties everywhere): bf16
    // rounds x where vdpbf16ps runs and int8 quantizes it, so a last-bit difference between a row alone and
    // in a batch would change tokens. Every row still answers as it does alone.
    void packedWeightsAnswerAsAlone_data() {
        QTest::addColumn<int>("format");
        QTest::newRow("bf16") << int(WeightFormat::BF16);
        QTest::newRow("int8") << int(WeightFormat::Int8);
    }
    void packedWeightsAnswerAsAlone() {
        QFETCH(int, format);
        // Where AMX runs bf16 prompts, rows are not independent of their batch; the vector kernels below it
        // still are, and are checked here with AMX capped.
        struct Restore {
            ~Restore() { kernels::limit_kernel_isa(kernels::kNoKernelCap); }
        } restore;
        if (kernels::amx_enabled()) kernels::limit_kernel_isa("avx512-bf16");
        if (!kernels::rows_are_independent())
            QSKIP(qPrintable(QString("kernels %1: prompts of many rows take another kernel here (sgemm, or AMX tiles for bf16) "
                                     "than a row alone")
                                 .arg(kernels::kernel_isa())));
        auto c = test::tiny_config("qwen2");
        c.vocab_size = 256;
        c.hidden_size = 64;  // Q8_0 blocks of 32
        c.intermediate_size = 128;
        c.head_dim = 16;
        CausalLM m(c);
        m->init_weights(5, 0.02);
        m->eval();
        pack_for_inference(*m, static_cast<WeightFormat>(format));
        std::vector<std::vector<int32_t>> ps;
        for (int n : {3, 70, 29, 1, 51}) {
            std::vector<int32_t> p;
            for (int i = 0; i < n; ++i) p.push_back(3 + (n * 37 + i * 101) % 250);
            ps.push_back(p);
        }
        // The prompts' last logits, left-padded together and alone: the same bits.
        torch::NoGradGuard no_grad;
        const int64_t L = 70, B = static_cast<int64_t>(ps.size());
        auto ids = torch::zeros({B, L}, torch::kLong), positions = torch::zeros({B, L}, torch::kLong),
             mask = torch::zeros({B, L}, torch::kLong);
        for (int64_t b = 0; b < B; ++b) {
            const auto& p = ps[static_cast<size_t>(b)];
            const int64_t n = static_cast<int64_t>(p.size());
            for (int64_t j = 0; j < n; ++j) ids[b][L - n + j] = p[static_cast<size_t>(j)], positions[b][L - n + j] = j;
            mask[b].narrow(0, L - n, n).fill_(1);
        }
        ForwardOptions fwd;
        fwd.attention_mask = mask;
        fwd.position_ids = positions;
        fwd.last_token_only = true;
        const auto together = m->forward(ids, fwd);
        ForwardOptions last;
        last.last_token_only = true;
        for (int64_t b = 0; b < B; ++b) {
            const auto& p = ps[static_cast<size_t>(b)];
            const auto alone = m->forward(torch::tensor(std::vector<int64_t>(p.begin(), p.end())).view({1, -1}), last);
            QVERIFY2(torch::equal(together.narrow(0, b, 1), alone), qPrintable(QString("prompt %1's logits").arg(b)));
        }
        // And greedy answers, through generate_batch's KV cache.
        const auto o = options(20);
        const auto batch = generate_batch(*m, nullptr, ps, o);
        for (size_t i = 0; i < ps.size(); ++i)
            QVERIFY2(batch[i].ids == generate(*m, nullptr, ps[i], o).ids, qPrintable(QString("prompt %1").arg(i)));
    }

    // A stop id that ends one row early (its answer's third id): that row leaves the batch and the others
    // still answer as they would alone.
    void rowsStopOnTheirOwn() {
        auto m = random_batch_model("llama");
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
        auto m = random_batch_model("llama");
        const auto one = generate_batch(*m, nullptr, {prompts()[1]}, options(6));
        QCOMPARE(one.size(), size_t(1));
        QCOMPARE(one[0].ids, generate(*m, nullptr, prompts()[1], options(6)).ids);
        QVERIFY(generate_batch(*m, nullptr, {}, options(6)).empty());
        const auto none = generate_batch(*m, nullptr, prompts(), options(0));
        for (const auto& r : none) QVERIFY(r.ids.empty());
        QVERIFY_THROWS_EXCEPTION(ConfigError, generate_batch(*m, nullptr, prompts(), options(-1)));
        QVERIFY_THROWS_EXCEPTION(ConfigError, generate_batch(*m, nullptr, {{1, 2}, {500}}, options(2)));  // id >= vocab
    }

    void cancelStopsEveryRow() {
        auto m = random_batch_model("llama");
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
