// The decode step (core/model/decode_step.h): one token through the layers it takes gives the general
// path's logits, for every weight format and the layer variants it covers, and the layers it does not take
// (an unmerged adapter, Gemma's norms, a window that hides keys) run through their forward() as before.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/infer/gemv.h"
#include "core/infer/inference_weights.h"
#include "core/model/decode_step.h"
#include "core/model/fused_kernels_cpu.h"
#include "core/model/kv_cache.h"
#include "core/model/transformer.h"
#include "core/peft/lora.h"
#include "core/peft/lora_layer.h"
#include "tests/core/model/gemma_models.h"
#include "tests/core/model/phi3_models.h"
#include "tests/core/model/tiny_models.h"

#include <torch/torch.h>
#include <QtTest>

#include <algorithm>
#include <vector>

using namespace lathe;

namespace {

const std::vector<int64_t> kStepTokens{5, 17, 3, 42, 8, 61, 29, 11, 70, 2, 33, 19, 54, 7};
constexpr size_t kStepPrompt = 4;

// Decodes kStepTokens (a prompt of kStepPrompt, then one token at a time) with the step on or off: the logits of
// every single-token step (T - kStepPrompt, V), and how many layers the step ran.
struct StepDecoded {
    torch::Tensor logits;
    long long layers = 0;
};

StepDecoded decode_with_step(CausalLMImpl& m, bool step) {
    c10::InferenceMode inference;
    set_decode_step_enabled(step);
    KVCache cache(m.config(), 1, 32, torch::kCPU, torch::kFloat);
    ForwardOptions o;
    o.cache = &cache;
    m.forward(torch::tensor(std::vector<int64_t>(kStepTokens.begin(), kStepTokens.begin() + kStepPrompt)).unsqueeze(0), o);
    const long long before = decode_step_layers_run();
    std::vector<torch::Tensor> rows;
    for (size_t i = kStepPrompt; i < kStepTokens.size(); ++i)
        rows.push_back(m.forward(torch::tensor({kStepTokens[i]}, torch::kLong).unsqueeze(0), o).reshape(-1));
    StepDecoded d{torch::stack(rows), decode_step_layers_run() - before};
    set_decode_step_enabled(true);
    return d;
}

// Random weights, norms (q/k norms included) and biases too, so that each is seen in the logits.
CausalLM tiny_random(const std::string& type, uint64_t seed = 3) {
    CausalLM m(test::tiny_config(type));
    m->init_weights(seed, 0.2);
    torch::NoGradGuard none;
    for (auto& p : m->named_parameters())
        if (p.key().find("norm") != std::string::npos || p.key().find("bias") != std::string::npos)
            p.value().normal_(p.key().find("norm") != std::string::npos ? 1.0 : 0.0, 0.3);
    m->eval();
    return m;
}

// The largest logit difference between the two paths, relative to the largest logit.
double step_logit_gap(const StepDecoded& a, const StepDecoded& b) {
    return (a.logits - b.logits).abs().max().item<double>() / b.logits.abs().max().item<double>();
}

const int64_t kSingleSteps = static_cast<int64_t>(kStepTokens.size() - kStepPrompt);

// The step runs where the training kernels do (AVX2 or AVX-512, under LATHE_KERNEL_ISA's cap); elsewhere
// every layer takes the general path and these tests compare it with itself.
long long expected_layers(long long layers) { return cpu_kernels::available() ? layers : 0; }

}  // namespace

class TestDecodeStep : public QObject {
    Q_OBJECT
private slots:
    void init() { set_decode_step_enabled(true); }
    void cleanup() { set_decode_step_enabled(true); }

    void sameLogitsAsTheGeneralPath_data() {
        QTest::addColumn<QString>("family");
        QTest::addColumn<QString>("weights");
        for (const char* family : {"llama", "qwen2", "qwen3", "phi3"})
            for (const char* weights : {"f32", "bf16", "int8"})
                QTest::newRow((std::string(family) + " " + weights).c_str()) << QString(family) << QString(weights);
    }
    void sameLogitsAsTheGeneralPath() {
        QFETCH(QString, family);
        QFETCH(QString, weights);
        // llama: separate q/k/v without bias; qwen2: their biases; qwen3: q/k norms; phi3 (Phi-4-mini's
        // shape): fused q/k/v and gate/up, partial rotary, longrope.
        CausalLM m = family == "phi3" ? test::make_phi3(test::tiny_phi4_mini_config(), 3) : tiny_random(family.toStdString());
        const auto format = parse_weight_format(weights.toStdString());
        if (format != WeightFormat::F32) pack_for_inference(*m, format);
        const auto fast = decode_with_step(*m, true), general = decode_with_step(*m, false);
        QCOMPARE(fast.layers, expected_layers(kSingleSteps * m->config().num_hidden_layers));  // every layer of every step
        QCOMPARE(general.layers, 0LL);
        // The same kernels in the same order: the same bits.
        QVERIFY2(fast.logits.equal(general.logits),
                 qPrintable(QString("relative logit gap %1").arg(step_logit_gap(fast, general))));
    }

    // LoRA or DoRA attached unmerged (as Chat attaches one) on every projection of every layer, over f32,
    // bf16 and int8 weights: the step runs every layer with the adapter's row delta and gives the general
    // path's bits; switched off (set_enabled), the plain model's.
    void unmergedLoraKeepsTheStep_data() {
        QTest::addColumn<QString>("weights");
        QTest::addColumn<bool>("dora");
        for (const char* weights : {"f32", "bf16", "int8"}) {
            QTest::newRow(weights) << QString(weights) << false;
            QTest::newRow((std::string(weights) + " DoRA").c_str()) << QString(weights) << true;
        }
    }
    void unmergedLoraKeepsTheStep() {
        QFETCH(QString, weights);
        QFETCH(bool, dora);
        auto m = std::make_shared<CausalLMImpl>(test::tiny_config("llama"));
        m->init_weights(3, 0.2);
        m->eval();
        const auto format = parse_weight_format(weights.toStdString());
        if (format != WeightFormat::F32) pack_for_inference(*m, format);
        const auto plain = decode_with_step(*m, true);
        LoraSettings s;
        s.targets = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
        s.use_dora = dora;
        LoraModel lora = LoraModel::apply(m, s);
        {
            torch::NoGradGuard none;  // lora_B starts at zero: give the adapter an effect
            for (auto& p : m->named_parameters()) {
                if (p.key().find("lora_B") != std::string::npos) p.value().normal_(0, 0.2);
                if (p.key().find("lora_magnitude") != std::string::npos) p.value().mul_(torch::rand_like(p.value()) + 0.5);
            }
        }
        const auto fast = decode_with_step(*m, true), general = decode_with_step(*m, false);
        QCOMPARE(fast.layers, expected_layers(kSingleSteps * m->config().num_hidden_layers));
        QVERIFY2(fast.logits.equal(general.logits),
                 qPrintable(QString("relative logit gap %1").arg(step_logit_gap(fast, general))));
        QVERIFY(step_logit_gap(fast, plain) > 1e-3);  // the adapter is in the logits
        lora.set_enabled(false);
        const auto off = decode_with_step(*m, true);
        QCOMPARE(off.layers, expected_layers(kSingleSteps * m->config().num_hidden_layers));
        QVERIFY(off.logits.equal(plain.logits));
    }

    // row_delta is s * B (A x); its copy of B^T follows B when B changes in place, and a B made under
    // InferenceMode (no version counter) is read as it is.
    void rowDeltaIsTheAdaptersProduct() {
        torch::manual_seed(5);
        Linear base(64, 48, false);
        LoraLayerOptions o;
        o.rank = 4;
        o.alpha = 8;
        auto lora = add_lora(*base, o, torch::make_generator<at::CPUGeneratorImpl>(5));
        torch::NoGradGuard none;
        lora->lora_B->weight.normal_(0, 0.5);
        const auto x = torch::randn({64});
        const auto delta = [&] {
            std::vector<float> y(48, 1.0f);
            lora->row_delta(*base, x.data_ptr<float>(), y.data());
            return torch::tensor(y) - 1.0f;
        };
        const auto expected = [&] {
            return torch::matmul(lora->lora_B->weight, torch::matmul(lora->lora_A->weight, x)) * lora->scaling();
        };
        QVERIFY(lora->has_row_delta(*base));
        QVERIFY(torch::allclose(delta(), expected(), 1e-5, 1e-5));
        lora->lora_B->weight.mul_(-2);  // in place: the same tensor, a new version
        QVERIFY(torch::allclose(delta(), expected(), 1e-5, 1e-5));
        {
            c10::InferenceMode inference;
            lora->lora_B->weight = lora->lora_B->weight.clone().mul_(0.5);
        }
        QVERIFY(lora->lora_B->weight.is_inference());
        QVERIFY(torch::allclose(delta(), expected(), 1e-5, 1e-5));
        lora->enabled = false;
        QVERIFY(torch::equal(delta(), torch::zeros({48})));
    }

    void layersItDoesNotTakeRunAsBefore() {
        // An adapter held in bf16 (no row delta): its layer goes through forward(), the others still take
        // the step.
        {
            auto m = std::make_shared<CausalLMImpl>(test::tiny_config("llama"));
            m->init_weights(3, 0.2);
            const auto plain = decode_with_step(*m, false);
            LoraSettings s;
            s.targets = {"model.layers.1.mlp.down_proj"};
            LoraModel lora = LoraModel::apply(m, s);
            {
                torch::NoGradGuard none;  // lora_B starts at zero: give the adapter an effect
                for (auto& p : m->named_parameters())
                    if (p.key().find("lora_B") != std::string::npos) p.value().set_data(p.value().normal_(0, 0.5).to(torch::kBFloat16));
            }
            const auto fast = decode_with_step(*m, true), general = decode_with_step(*m, false);
            QCOMPARE(fast.layers, expected_layers(kSingleSteps));  // layer 0 only
            QVERIFY(fast.logits.equal(general.logits));
            QVERIFY(step_logit_gap(fast, plain) > 1e-3);  // the adapter is in the logits
        }
        // Gemma's norms around the MLP: no layer.
        {
            CausalLM m = test::make_gemma(test::tiny_gemma2_config(), 3);
            const auto fast = decode_with_step(*m, true), general = decode_with_step(*m, false);
            QCOMPARE(fast.layers, 0LL);
            QVERIFY(fast.logits.equal(general.logits));
        }
        // A sliding window of 6 keys: the step runs while every key is inside it, forward() once the
        // window hides some (here from the third single-token step on: 4 + 2 = 6 keys).
        {
            auto c = test::tiny_config("mistral");
            c.sliding_window = 6;
            c.sliding_layers = std::vector<bool>(static_cast<size_t>(c.num_hidden_layers), true);
            CausalLM m(c);
            m->init_weights(3, 0.2);
            const auto fast = decode_with_step(*m, true), general = decode_with_step(*m, false);
            QCOMPARE(fast.layers, expected_layers(2LL * c.num_hidden_layers));
            QVERIFY(fast.logits.equal(general.logits));
        }
    }

    void aSequenceGetsTheSameBitsAloneOrInABatch_data() {
        QTest::addColumn<QString>("weights");
        // bf16 and int8, whose kernels promise it (docs/inference.md); float32 weights take tiles that sum
        // in another order than one row.
        for (const char* weights : {"bf16", "int8"}) QTest::newRow(weights) << QString(weights);
    }
    void aSequenceGetsTheSameBitsAloneOrInABatch() {
        // Alone, a sequence decodes through the step; in the server's batch (left-padded, B = 2) through
        // the layers' forward(). Prompts of 4 and 3 tokens keep every product at 8 rows or fewer, where
        // the kernels give a row the same bits alone or among others on every processor.
        QFETCH(QString, weights);
        if (weights == "bf16" && kernels::avx512_enabled() && !kernels::bf16_rounds_input())
            QSKIP("bf16 weights widened to float32 (AVX-512 without AVX512-BF16) take the float32 tiles, which sum "
                  "several rows in another order than one");
        CausalLM m = tiny_random("qwen2");
        pack_for_inference(*m, parse_weight_format(weights.toStdString()));
        c10::InferenceMode inference;
        const std::vector<std::vector<int64_t>> prompts{{5, 17, 3, 42}, {8, 61, 29}};
        const std::vector<int64_t> next{11, 70};
        std::vector<torch::Tensor> alone;
        const long long before = decode_step_layers_run();
        for (size_t i = 0; i < prompts.size(); ++i) {
            KVCache cache(m->config(), 1, 8, torch::kCPU, torch::kFloat);
            ForwardOptions o;
            o.cache = &cache;
            m->forward(torch::tensor(prompts[i]).unsqueeze(0), o);
            alone.push_back(m->forward(torch::tensor({next[i]}).view({1, 1}), o).reshape(-1));
        }
        QCOMPARE(decode_step_layers_run() - before, expected_layers(2LL * m->config().num_hidden_layers));

        KVCache cache(m->config(), 2, 8, torch::kCPU, torch::kFloat);
        ForwardOptions o;
        o.cache = &cache;
        o.attention_mask = torch::tensor({1, 1, 1, 1, 0, 1, 1, 1}, torch::kLong).view({2, 4});
        o.position_ids = torch::tensor({0, 1, 2, 3, 0, 0, 1, 2}, torch::kLong).view({2, 4});
        m->forward(torch::tensor({5, 17, 3, 42, 0, 8, 61, 29}, torch::kLong).view({2, 4}), o);
        o.attention_mask = torch::ones({2, 5}, torch::kLong);
        o.attention_mask[1][0] = 0;
        o.position_ids = torch::tensor({4, 3}, torch::kLong).view({2, 1});
        const auto batch = m->forward(torch::tensor(next, torch::kLong).view({2, 1}), o).view({2, -1});
        QVERIFY(batch[0].equal(alone[0]));
        QVERIFY(batch[1].equal(alone[1]));
    }

    void leavesTheCallersEmbeddingsAlone() {
        CausalLM m = tiny_random("llama");
        c10::InferenceMode inference;
        KVCache cache(m->config(), 1, 8, torch::kCPU, torch::kFloat);
        ForwardOptions o;
        o.cache = &cache;
        o.inputs_embeds = torch::randn({1, 1, m->config().hidden_size});
        const auto copy = o.inputs_embeds.clone();
        const long long before = decode_step_layers_run();
        m->hidden_states(torch::Tensor(), o);
        QCOMPARE(decode_step_layers_run() - before, expected_layers(m->config().num_hidden_layers));
        QVERIFY(o.inputs_embeds.equal(copy));
    }

    void notWithAutogradOrABatch() {
        CausalLM m = tiny_random("llama");
        const long long before = decode_step_layers_run();
        ForwardOptions o;
        {
            torch::NoGradGuard none;
            KVCache two(m->config(), 2, 8, torch::kCPU, torch::kFloat);
            o.cache = &two;
            m->forward(torch::tensor({3, 4}, torch::kLong).view({2, 1}), o);  // a batch (the server's)
        }
        KVCache one(m->config(), 1, 8, torch::kCPU, torch::kFloat);
        o.cache = &one;
        const auto logits = m->forward(torch::tensor({3}, torch::kLong).view({1, 1}), o);  // grad mode on
        QVERIFY(logits.requires_grad());
        QCOMPARE(decode_step_layers_run() - before, 0LL);
    }
};

LATHE_TEST(TestDecodeStep)
#include "test_decode_step.moc"
