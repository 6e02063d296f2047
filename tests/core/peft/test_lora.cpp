#include "tests/registry.h"

#include "core/peft/lora.h"
#include "core/peft/lora_layer.h"
#include "core/peft/quantized_linear.h"
#include "core/train/train_config.h"
#include "core/train/method_settings.h"
#include "tests/core/peft/peft_fixtures.h"

#include <QtTest>

#include <cmath>
#include <set>

using namespace lathe;
using namespace lathe::test;

namespace {

std::shared_ptr<CausalLMImpl> ptr(CausalLM& m) { return m.ptr(); }

// y = x W^T + b + s * (x A^T) B^T by explicit loops in double precision.
std::vector<double> lora_by_hand(const std::vector<double>& x, int64_t in, const std::vector<double>& W,
                                 const std::vector<double>& b, const std::vector<double>& A, const std::vector<double>& B,
                                 int64_t out, int64_t r, double s) {
    std::vector<double> y(out);
    for (int64_t o = 0; o < out; ++o) {
        double acc = b[o];
        for (int64_t i = 0; i < in; ++i) acc += x[i] * W[o * in + i];
        for (int64_t k = 0; k < r; ++k) {
            double ax = 0;
            for (int64_t i = 0; i < in; ++i) ax += A[k * in + i] * x[i];
            acc += s * B[o * r + k] * ax;
        }
        y[o] = acc;
    }
    return y;
}

torch::Tensor lora_tensor_of(const std::vector<double>& v, std::vector<int64_t> shape) {
    return torch::tensor(v, torch::kDouble).view(shape).to(torch::kFloat);
}

}  // namespace

class TestLora : public QObject {
    Q_OBJECT
private slots:
    void zeroInitialisedBLeavesOutputsUnchanged() {
        auto m = random_model();
        torch::NoGradGuard g;
        auto before = m->forward(token_batch());
        LoraSettings s;
        auto lora = LoraModel::apply(ptr(m), s);
        QVERIFY(torch::equal(m->forward(token_batch()), before));
        // A ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)); B = 0.
        auto q = m->model->layers->ptr<DecoderLayerImpl>(0)->self_attn->q_proj;
        auto a = lora_of(*q)->lora_A->weight, b = lora_of(*q)->lora_B->weight;
        QCOMPARE(a.sizes().vec(), (std::vector<int64_t>{8, 32}));
        QCOMPARE(b.sizes().vec(), (std::vector<int64_t>{32, 8}));
        QCOMPARE(b.abs().max().item<double>(), 0.0);
        const double bound = 1.0 / std::sqrt(32.0);
        QVERIFY(a.abs().max().item<double>() <= bound);
        QVERIFY(a.abs().max().item<double>() > 0.8 * bound);
        // Variance of U(-c, c) is c^2 / 3.
        QVERIFY(std::abs(a.var().item<double>() / (bound * bound / 3) - 1) < 0.25);
    }

    void trainableParametersForNamedTargets() {
        auto m = random_model();
        LoraSettings s;
        s.targets = {"q_proj", "v_proj"};
        const int64_t base_total = m->config().parameter_count();
        auto lora = LoraModel::apply(ptr(m), s);
        auto t = lora.trainable();
        std::vector<std::string> expected;
        for (int l = 0; l < 2; ++l)
            for (const char* proj : {"q_proj", "v_proj"})
                for (const char* part : {"lora_A", "lora_B"})
                    expected.push_back("model.layers." + std::to_string(l) + ".self_attn." + proj + "." + part + ".weight");
        auto names = t.names();
        std::sort(names.begin(), names.end());
        std::sort(expected.begin(), expected.end());
        QCOMPARE(names, expected);
        // q_proj 32 -> 32, v_proj 32 -> 16 (2 kv heads x 8): r * (in + out) each.
        const int64_t per_layer = 8 * (32 + 32) + 8 * (32 + 16);
        QCOMPARE(t.trainable, 2 * per_layer);
        QCOMPARE(t.total, base_total + 2 * per_layer);
        auto commas = [](int64_t v) {
            std::string d = std::to_string(v), out;
            for (size_t i = 0; i < d.size(); ++i) out += (i && (d.size() - i) % 3 == 0 ? "," : "") + d.substr(i, 1);
            return out;
        };
        char pct[32];
        std::snprintf(pct, sizeof pct, "%.4f", 100.0 * t.trainable / t.total);
        QCOMPARE(t.summary(), "trainable params: 1,792 || all params: " + commas(t.total) + " || trainable%: " + pct);
        QVERIFY(contains(commas(1234567), "1,234,567"));
        for (auto& p : m->named_parameters())
            QCOMPARE(p.value().requires_grad(), p.key().find("lora_") != std::string::npos);
        QCOMPARE(lora.target_modules(), (std::vector<std::string>{"q_proj", "v_proj"}));
    }

    void allTargetsEveryLinearButLmHead() {
        auto m = random_model();
        auto lora = LoraModel::apply(ptr(m), LoraSettings{});
        QCOMPARE(lora.modules().size(), size_t(2 * 7));
        for (const auto& name : lora.modules()) QVERIFY(name != "lm_head");
        QVERIFY(!m->lm_head->adapter);
        QCOMPARE(lora.target_modules(),
                 (std::vector<std::string>{"down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"}));
        const auto t = lora.trainable();
        QCOMPARE(t.named.size(), size_t(2 * 7 * 2));
    }

    void additionalTargetsAreTrainedFully() {
        auto m = random_model();
        LoraSettings s;
        s.targets = {"q_proj"};
        s.additional_targets = {"embed_tokens", "lm_head"};
        auto lora = LoraModel::apply(ptr(m), s);
        QVERIFY(m->model->embed_tokens->weight.requires_grad());
        QVERIFY(m->lm_head->weight.requires_grad());
        QVERIFY(!m->model->norm->weight.requires_grad());
        QCOMPARE(lora.additional_modules(), (std::vector<std::string>{"lm_head", "model.embed_tokens"}));
        const int64_t lora_params = 2 * 8 * (32 + 32), full = 2 * 97 * 32;
        QCOMPARE(lora.trainable().trainable, lora_params + full);
    }

    // One Linear, expected outputs from explicit matrix maths: LoRA scales by alpha / r, rsLoRA by alpha / sqrt(r).
    void scalingMatchesFormulas() {
        const int64_t in = 3, out = 2, r = 2;
        const std::vector<double> W = {0.5, -1.0, 0.25, 2.0, 0.0, -0.75}, b = {0.1, -0.2};
        const std::vector<double> A = {1.0, 0.5, -0.5, 0.25, -1.0, 2.0}, B = {0.3, -0.6, 1.2, 0.4};
        const std::vector<double> x = {1.5, -2.0, 0.5};
        for (bool rslora : {false, true}) {
            Linear lin(in, out, true);
            torch::NoGradGuard g;
            lin->weight.copy_(lora_tensor_of(W, {out, in}));
            lin->bias.copy_(lora_tensor_of(b, {out}));
            LoraLayerOptions o;
            o.rank = r;
            o.alpha = 6.0;
            o.use_rslora = rslora;
            auto lora = add_lora(*lin, o, torch::make_generator<at::CPUGeneratorImpl>(1));
            lora->lora_A->weight.copy_(lora_tensor_of(A, {r, in}));
            lora->lora_B->weight.copy_(lora_tensor_of(B, {out, r}));
            const double s = rslora ? 6.0 / std::sqrt(2.0) : 6.0 / 2.0;
            QCOMPARE(lora->scaling(), s);
            auto y = lin(lora_tensor_of(x, {1, in}));
            auto expect = lora_by_hand(x, in, W, b, A, B, out, r, s);
            for (int64_t o2 = 0; o2 < out; ++o2) QVERIFY(std::abs(y[0][o2].item<double>() - expect[o2]) < 1e-5);
        }
        LoraSettings s;
        s.rank = 16;
        s.alpha = 32;
        QCOMPARE(s.scaling(), 2.0);
        s.use_rslora = true;
        QCOMPARE(s.scaling(), 8.0);
    }

    // Training runs LoRA as one autograd node (LoraLinearFunction). Its output and the gradients of x,
    // A, B and a trainable bias equal the chained formula's, in float32 and under bf16 autocast, for a
    // (B, T, in) input.
    void trainingNodeMatchesTheChainedFormula() {
        torch::manual_seed(11);
        const int64_t in = 24, out = 40, r = 4;
        for (bool bf16 : {false, true}) {
            Linear lin(in, out, true);
            LoraLayerOptions o;
            o.rank = r;
            o.alpha = 8.0;
            auto lora = add_lora(*lin, o, torch::make_generator<at::CPUGeneratorImpl>(3));
            {
                torch::NoGradGuard g;
                lora->lora_B->weight.normal_();  // B is zero at the start: make the adapter's path count
                lin->weight.normal_();
                lin->bias.normal_();
            }
            lin->weight.set_requires_grad(false);
            lin->bias.set_requires_grad(true);
            auto x = torch::randn({2, 5, in});
            auto probe = torch::randn({2, 5, out});
            const std::vector<torch::Tensor*> params = {&lora->lora_A->weight, &lora->lora_B->weight, &lin->bias};
            const auto dtype = bf16 ? torch::kBFloat16 : torch::kFloat;
            auto chained_formula = [&](const torch::Tensor& xl) {
                auto base = torch::nn::functional::linear(xl, lin->weight, lin->bias);
                return base + torch::matmul(torch::matmul(xl, lora->lora_A->weight.t()), lora->lora_B->weight.t()) * lora->scaling();
            };
            auto fused = output_and_grads([&](const torch::Tensor& xl) { return lin(xl); }, x, probe, params, dtype);
            auto chained = output_and_grads(chained_formula, x, probe, params, dtype);
            QCOMPARE(fused[0].scalar_type(), bf16 ? torch::kBFloat16 : torch::kFloat);
            const char* names[] = {"output", "x grad", "A grad", "B grad", "bias grad"};
            for (size_t i = 0; i < fused.size(); ++i) {
                QCOMPARE(fused[i].scalar_type(), chained[i].scalar_type());
                const double d = relative_max_diff(fused[i], chained[i]);
                QVERIFY2(d < (bf16 ? 2e-2 : 1e-5), (std::string(names[i]) + (bf16 ? " bf16: " : " f32: ") + std::to_string(d)).c_str());
            }
        }
    }

    // Projections that read one input (q/k/v, gate/up) train as one node (LoraGroupFunction). Outputs and
    // the gradients of x, every A and B and a trainable bias equal those of each projection's own node, in
    // float32 and under bf16 autocast, on dense and on 4-bit bases, with LoRA and with DoRA (also each
    // magnitude's gradient); a projection without an adapter, or with DoRA among LoRA ones, stays outside
    // the group and keeps its own result.
    void projectionsOfOneInputTrainAsOneNode() {
        const int64_t in = 24, r = 4;
        const std::vector<int64_t> outs = {40, 16, 16, 32};
        struct Case {
            const char* name;
            bool bf16, quantized, mixed, dora, zero_magnitude = false;
        };
        for (const Case c : {Case{"dense f32", false, false, false, false}, Case{"dense bf16", true, false, false, false},
                             Case{"4-bit f32", false, true, false, false}, Case{"mixed f32", false, false, true, false},
                             Case{"dora f32", false, false, false, true}, Case{"dora bf16", true, false, false, true},
                             Case{"dora f32, a zero magnitude", false, false, false, true, true},
                             Case{"dora 4-bit f32", false, true, false, true}, Case{"dora 4-bit bf16", true, true, false, true}}) {
            torch::manual_seed(11);
            std::vector<Linear> lins;
            std::vector<torch::Tensor*> params;
            for (size_t i = 0; i < outs.size(); ++i) {
                Linear lin(in, outs[i], i < 2);  // biases on the first two, as Qwen2's q and k
                {
                    torch::NoGradGuard g;
                    lin->weight.normal_();
                    if (lin->bias.defined()) lin->bias.normal_();
                }
                lin->weight.set_requires_grad(false);
                if (lin->bias.defined()) lin->bias.set_requires_grad(i == 1);
                if (c.quantized) quantize_linear(*lin, 4, true);
                lins.push_back(lin);
            }
            for (size_t i = 0; i < outs.size(); ++i) {
                if (c.mixed && i == 1) continue;  // no adapter
                LoraLayerOptions o;
                o.rank = r + int64_t(i);  // ranks differ: the group's columns are sliced per adapter
                o.alpha = 8.0;
                o.use_dora = c.dora || (c.mixed && i == 3);
                auto lora = add_lora(*lins[i], o, torch::make_generator<at::CPUGeneratorImpl>(3 + i));
                {
                    torch::NoGradGuard g;
                    lora->lora_B->weight.normal_();
                    if (lora->magnitude) lora->magnitude->weight.mul_(torch::rand({outs[i]}) + 0.5);
                    if (c.zero_magnitude && i == 2) lora->magnitude->weight[5] = 0.0f;  // the group cannot fold
                }
                params.push_back(&lora->lora_A->weight);
                params.push_back(&lora->lora_B->weight);
                if (c.dora) params.push_back(&lora->magnitude->weight);
            }
            params.push_back(&lins[1]->bias);
            std::vector<LinearImpl*> group;
            for (auto& l : lins) group.push_back(l.get());
            auto x = torch::randn({2, 5, in});
            auto probe = torch::randn({2, 5, 40 + 16 + 16 + 32});
            const auto dtype = c.bf16 ? torch::kBFloat16 : torch::kFloat;
            std::vector<std::string> nodes;
            auto grouped = output_and_grads(
                [&](const torch::Tensor& xl) {
                    auto ys = forward_shared_input(group, xl);
                    for (const auto& y : ys) nodes.push_back(y.grad_fn() ? y.grad_fn()->name() : "");
                    return torch::cat(ys, -1);
                },
                x, probe, params, dtype);
            auto separate = output_and_grads(
                [&](const torch::Tensor& xl) {
                    std::vector<torch::Tensor> ys;
                    for (auto& l : lins) ys.push_back(l(xl));
                    return torch::cat(ys, -1);
                },
                x, probe, params, dtype);
            for (size_t i = 0; i < nodes.size(); ++i) {
                const bool in_group = !(c.mixed && (i == 1 || i == 3));
                QVERIFY2((nodes[i].find("LoraGroupFunction") != std::string::npos) == in_group,
                         (std::string(c.name) + ": output " + std::to_string(i) + " from " + nodes[i]).c_str());
            }
            // Under bf16 both round differently (the group adds the input gradient's products in bf16, autograd
            // adds the separate nodes' in float32): each is held to the float32 result, the group no further
            // from it than the separate nodes by more than bf16's rounding.
            const auto reference = c.bf16 ? output_and_grads(
                                                [&](const torch::Tensor& xl) {
                                                    std::vector<torch::Tensor> ys;
                                                    for (auto& l : lins) ys.push_back(l(xl));
                                                    return torch::cat(ys, -1);
                                                },
                                                x, probe, params, torch::kFloat)
                                          : separate;
            QCOMPARE(grouped.size(), separate.size());
            for (size_t i = 0; i < grouped.size(); ++i) {
                QCOMPARE(grouped[i].scalar_type(), separate[i].scalar_type());
                const std::string what = c.name + std::string(", ") +
                                         (i == 0 ? "output" : i == 1 ? "x grad" : "parameter " + std::to_string(i - 2) + " grad");
                const double d = relative_max_diff(grouped[i].to(torch::kFloat), reference[i]);
                const double d_separate = relative_max_diff(separate[i].to(torch::kFloat), reference[i]);
                if (c.bf16) {
                    QVERIFY2(d < std::max(1.5 * d_separate, 8e-3), (what + ": " + std::to_string(d) + " against " + std::to_string(d_separate)).c_str());
                } else {
                    QVERIFY2(d < 1e-5, (what + ": " + std::to_string(d)).c_str());
                }
            }
        }
    }

    // Dropout acts on the LoRA input only, and only in training: with A = B = I and s = 1 the LoRA path
    // returns dropout(x), so every element is 0 or x / (1 - p) while the base path is untouched.
    void dropoutOnLoraPathOnlyInTraining() {
        const int64_t n = 64;
        Linear lin(n, n, false);
        torch::NoGradGuard g;
        lin->weight.copy_(torch::eye(n) * 2);
        LoraLayerOptions o;
        o.rank = n;
        o.alpha = n;
        o.dropout = 0.5;
        auto lora = add_lora(*lin, o, torch::make_generator<at::CPUGeneratorImpl>(1));
        lora->lora_A->weight.copy_(torch::eye(n));
        lora->lora_B->weight.copy_(torch::eye(n));
        auto x = torch::rand({4, n}) + 0.5;  // no zeros
        lin->eval();
        QVERIFY(max_diff(lin(x), 3 * x) < 1e-6);
        lin->train();
        auto path = lin(x) - 2 * x;  // the LoRA path alone
        auto zero = path.abs() < 1e-6, kept = (path - 2 * x).abs() < 1e-5;
        QVERIFY(zero.logical_or(kept).all().item<bool>());
        QVERIFY(zero.any().item<bool>());
        QVERIFY(kept.any().item<bool>());
    }

    void settingsFromTrainConfig() {
        TrainConfig c;
        c.lora_rank = 4;
        c.lora_alpha = 0;  // LLaMA-Factory: 2 * rank
        c.lora_dropout = 0.05;
        c.lora_target = "q_proj, v_proj";
        c.use_rslora = true;
        c.additional_target = "embed_tokens,lm_head";
        c.seed = 7;
        auto s = lora_settings(c);
        QCOMPARE(s.rank, int64_t(4));
        QCOMPARE(s.alpha, 8.0);
        QCOMPARE(s.dropout, 0.05);
        QCOMPARE(s.targets, (std::vector<std::string>{"q_proj", "v_proj"}));
        QCOMPARE(s.additional_targets, (std::vector<std::string>{"embed_tokens", "lm_head"}));
        QCOMPARE(s.scaling(), 4.0);
        QCOMPARE(s.seed, uint64_t(7));
        QCOMPARE(lora_settings(TrainConfig{}).targets, (std::vector<std::string>{"all"}));
    }

    // A quantized Linear cannot be an additional (fully trained) target.
    void quantizedAdditionalTargetIsRejected() {
        auto m = random_model();
        quantize_linear(*m->model->layers->ptr<DecoderLayerImpl>(0)->mlp->down_proj, 4, true);
        LoraSettings s;
        s.targets = {"q_proj"};
        s.additional_targets = {"down_proj"};
        auto e = error_of([&] { LoraModel::apply(ptr(m), s); });
        QVERIFY2(contains(e, "additional_target: 'model.layers.0.mlp.down_proj' is quantized and cannot be trained fully"),
                 e.c_str());
    }

    void mergedLoraEqualsBasePlusAdapter() {
        auto m = random_model();
        auto lora = LoraModel::apply(ptr(m), LoraSettings{});
        randomize_adapters(*m);
        torch::NoGradGuard g;
        auto q = m->model->layers->ptr<DecoderLayerImpl>(1)->self_attn->q_proj;
        auto expected_w = q->weight + lora_of(*q)->scaling() *
                                          torch::matmul(lora_of(*q)->lora_B->weight, lora_of(*q)->lora_A->weight);
        auto with_adapter = m->forward(token_batch());
        lora.merge();
        const double d = max_diff(m->forward(token_batch()), with_adapter);
        QVERIFY2(d < 5e-5, std::to_string(d).c_str());  // float32: W x + s (x A^T) B^T vs (W + s B A) x
        QVERIFY(max_diff(q->weight, expected_w) < 1e-6);
        for (auto& p : m->named_parameters()) {
            QVERIFY2(p.key().find("lora_") == std::string::npos, p.key().c_str());
            QVERIFY(!p.value().requires_grad());
        }
        QCOMPARE(m->named_parameters().size(), size_t(CausalLM(m->config())->named_parameters().size()));
    }

    // DPO's reference model: adapters off == the base model, bit for bit, additional targets included.
    void disabledAdaptersEqualBaseModel() {
        auto m = random_model();
        torch::NoGradGuard g;
        auto base = m->forward(token_batch());
        LoraSettings s;
        s.use_dora = true;
        s.additional_targets = {"embed_tokens"};
        auto lora = LoraModel::apply(ptr(m), s);
        randomize_adapters(*m);
        m->model->embed_tokens->weight.add_(0.5);
        auto adapted = m->forward(token_batch());
        QVERIFY(max_diff(adapted, base) > 1e-2);
        lora.set_enabled(false);
        QVERIFY(torch::equal(m->forward(token_batch()), base));
        lora.set_enabled(true);
        QVERIFY(torch::equal(m->forward(token_batch()), adapted));
        lora.unload();
        QVERIFY(torch::equal(m->forward(token_batch()), base));
    }

    void errorsNameTheSettingAndValidValues() {
        auto m = random_model();
        LoraSettings s;
        s.targets = {"qproj"};
        auto e = error_of([&] { LoraModel::apply(ptr(m), s); });
        QVERIFY2(contains(e, "lora_target: this model has no Linear module named 'qproj' (did you mean 'q_proj'?); "
                             "valid: all, down_proj, gate_proj, k_proj, lm_head, o_proj, q_proj, up_proj, v_proj"),
                 e.c_str());
        s.targets = {"q_proj"};
        s.additional_targets = {"embed"};
        e = error_of([&] { LoraModel::apply(ptr(m), s); });
        QVERIFY2(contains(e, "additional_target: this model has no module named 'embed'") && contains(e, "embed_tokens"),
                 e.c_str());
        s.additional_targets = {"q_proj"};
        e = error_of([&] { LoraModel::apply(ptr(m), s); });
        QVERIFY2(contains(e, "'model.layers.0.self_attn.q_proj' is both a lora_target and an additional_target"), e.c_str());
        s.additional_targets = {};
        s.rank = 0;
        QVERIFY(contains(error_of([&] { LoraModel::apply(ptr(m), s); }), "lora_rank must be a positive integer, got 0"));
        s.rank = 8;
        s.dropout = 1.0;
        QVERIFY(contains(error_of([&] { LoraModel::apply(ptr(m), s); }), "lora_dropout must be in [0, 1), got 1"));
        s.dropout = 0;
        s.alpha = -1;
        QVERIFY(contains(error_of([&] { LoraModel::apply(ptr(m), s); }), "lora_alpha must be positive"));
        // Nothing was changed by the failed attempts.
        for (auto& p : m->named_parameters()) QVERIFY(p.key().find("lora_") == std::string::npos);

        auto tied_config = tiny_config();
        tied_config.tie_word_embeddings = true;
        auto tied = random_model(tied_config);
        LoraSettings t;
        t.additional_targets = {"lm_head"};
        e = error_of([&] { LoraModel::apply(tied.ptr(), t); });
        QVERIFY2(contains(e, "ties lm_head to embed_tokens"), e.c_str());

        s.alpha = 16;
        s.targets = {};
        QVERIFY(contains(error_of([&] { LoraModel::apply(ptr(m), s); }), "lora_target is empty; valid: all, down_proj"));
        s.targets = {"all"};
        auto lora = LoraModel::apply(ptr(m), s);
        e = error_of([&] { LoraModel::apply(ptr(m), s); });
        QVERIFY2(contains(e, "already has an adapter"), e.c_str());
    }
};

LATHE_TEST(TestLora)
#include "test_lora.moc"
