#include "tests/registry.h"

#include "core/peft/lora.h"
#include "core/peft/lora_layer.h"
#include "core/peft/quantized_linear.h"
#include "core/infer/gemv.h"
#include "core/util/autocast.h"
#include "tests/core/peft/peft_fixtures.h"

#include <QtTest>

#include <cmath>

using namespace lathe;
using namespace lathe::test;

namespace {

struct Case {
    int64_t in = 3, out = 2, r = 2;
    std::vector<double> W = {0.5, -1.0, 0.25, 2.0, 0.0, -0.75}, b = {0.1, -0.2};
    std::vector<double> A = {1.0, 0.5, -0.5, 0.25, -1.0, 2.0}, B = {0.3, -0.6, 1.2, 0.4};
    std::vector<double> m = {1.7, 0.9};
    double alpha = 4.0;  // s = 2
    double s() const { return alpha / r; }

    // V = W + s B A (out, in), computed element by element.
    double V(int64_t o, int64_t i) const {
        double acc = W[o * in + i];
        for (int64_t k = 0; k < r; ++k) acc += s() * B[o * r + k] * A[k * in + i];
        return acc;
    }
    double norm(int64_t o) const {
        double ss = 0;
        for (int64_t i = 0; i < in; ++i) ss += V(o, i) * V(o, i);
        return std::sqrt(ss);
    }
    // DoRA: y = x W^T + b + (m/n - 1) x W^T + m/n * s x A^T B^T.
    double y(const std::vector<double>& x, int64_t o) const {
        double wx = 0, bax = 0;
        for (int64_t i = 0; i < in; ++i) wx += W[o * in + i] * x[i];
        for (int64_t k = 0; k < r; ++k) {
            double ax = 0;
            for (int64_t i = 0; i < in; ++i) ax += A[k * in + i] * x[i];
            bax += B[o * r + k] * ax;
        }
        const double scale = m[o] / norm(o);
        return wx + b[o] + (scale - 1) * wx + scale * s() * bax;
    }
};

torch::Tensor tensor_of(const std::vector<double>& v, std::vector<int64_t> shape) {
    return torch::tensor(v, torch::kDouble).view(shape).to(torch::kFloat);
}

std::pair<Linear, std::shared_ptr<LoraLinear>> make_layer(const Case& c, bool set_magnitude) {
    Linear lin(c.in, c.out, true);
    torch::NoGradGuard g;
    lin->weight.copy_(tensor_of(c.W, {c.out, c.in}));
    lin->bias.copy_(tensor_of(c.b, {c.out}));
    lin->weight.set_requires_grad(false);  // a frozen base, as LoraModel leaves it
    lin->bias.set_requires_grad(false);
    LoraLayerOptions o;
    o.rank = c.r;
    o.alpha = c.alpha;
    o.use_dora = true;
    auto lora = add_lora(*lin, o, torch::make_generator<at::CPUGeneratorImpl>(1));
    lora->lora_A->weight.copy_(tensor_of(c.A, {c.r, c.in}));
    lora->lora_B->weight.copy_(tensor_of(c.B, {c.out, c.r}));
    if (set_magnitude) lora->magnitude->weight.copy_(tensor_of(c.m, {c.out}));
    return {lin, lora};
}

// A DoRA layer of rank `r` on a random base with a bias, B and the magnitudes moved off their initial values.
std::pair<Linear, std::shared_ptr<LoraLinear>> random_dora_layer(int64_t in, int64_t out, int64_t r) {
    Linear lin(in, out, true);
    {
        torch::NoGradGuard g;
        lin->weight.normal_();
        lin->bias.normal_();
    }
    LoraLayerOptions o;
    o.rank = r;
    o.alpha = 8.0;
    o.use_dora = true;
    auto lora = add_lora(*lin, o, torch::make_generator<at::CPUGeneratorImpl>(3));
    {
        torch::NoGradGuard g;
        lora->lora_B->weight.normal_().mul_(0.3);
        lora->magnitude->weight.mul_(1.5);
    }
    return {lin, lora};
}

}  // namespace

class TestDora : public QObject {
    Q_OBJECT
private slots:
    void outputMatchesFormula() {
        Case c;
        auto [lin, lora] = make_layer(c, true);
        const std::vector<std::vector<double>> xs = {{1.5, -2.0, 0.5}, {0.0, 1.0, -3.0}};
        auto y = lin(tensor_of({1.5, -2.0, 0.5, 0.0, 1.0, -3.0}, {2, 3}));
        for (int64_t t = 0; t < 2; ++t)
            for (int64_t o = 0; o < c.out; ++o) QVERIFY(std::abs(y[t][o].item<double>() - c.y(xs[t], o)) < 1e-5);
    }

    // The norm ||W + s B A|| is kept between forwards (gradient checkpointing's recomputation, decode steps)
    // and redone when W, A or B change in place, as an optimizer step or a weight load changes them: the
    // output follows each change, recording or not.
    void normFollowsInPlaceChangesOfWeightsAndFactors() {
        Case c;
        auto [lin, lora] = make_layer(c, true);
        const std::vector<double> x = {1.5, -2.0, 0.5};
        const auto xt = tensor_of(x, {1, 3});
        auto check = [&](const char* what) {
            for (bool record : {false, true}) {
                lin->train(record);
                torch::AutoGradMode grad(record);
                const auto y = lin(xt);
                for (int64_t o = 0; o < c.out; ++o)
                    QVERIFY2(std::abs(y[0][o].item<double>() - c.y(x, o)) < 1e-5,
                             (std::string(what) + (record ? ", recording" : "")).c_str());
            }
        };
        check("as made");
        check("again");
        torch::NoGradGuard g;
        for (auto& v : c.B) v *= -1.5;
        lora->lora_B->weight.mul_(-1.5);
        check("B changed");
        for (auto& v : c.A) v += 0.25;
        lora->lora_A->weight.add_(0.25);
        check("A changed");
        for (auto& v : c.W) v -= 0.5;
        lin->weight.sub_(0.5);
        check("W changed");
        // A base held by a storage (here int8 codes): the storage stands for W.
        quantize_linear(*lin, 8, false);
        const auto deq = lin->dense_weight().to(torch::kDouble).flatten();
        for (size_t i = 0; i < c.W.size(); ++i) c.W[i] = deq[int64_t(i)].item<double>();
        check("W quantized");
        for (auto& v : c.B) v *= 0.5;
        lora->lora_B->weight.mul_(0.5);
        check("B changed over int8 codes");
    }

    // One row at inference (the decode step's row delta, core/model/decode_step.h) gives the formula too,
    // with and without a bias.
    void singleRowAtInferenceMatchesFormula() {
        Case c;
        for (bool bias : {true, false}) {
            auto [lin, lora] = make_layer(c, true);
            if (!bias) {
                torch::NoGradGuard g;
                lin->bias.zero_();
                lin->bias = torch::Tensor();
            }
            Case want = c;
            if (!bias) want.b = {0.0, 0.0};
            lin->eval();
            QVERIFY(lora->has_row_delta(*lin));
            c10::InferenceMode guard;
            const std::vector<double> x = {1.5, -2.0, 0.5};
            const auto y = lin(tensor_of(x, {3}));
            for (int64_t o = 0; o < c.out; ++o)
                QVERIFY2(std::abs(y[o].item<double>() - want.y(x, o)) < 1e-5, bias ? "with a bias" : "without a bias");
        }
    }

    // m starts as the row norms of W + s B A: with B = 0 that is ||W||_row and the output is unchanged.
    void magnitudeInitialisation() {
        Case c;
        Linear lin(c.in, c.out, true);
        torch::NoGradGuard g;
        lin->weight.copy_(tensor_of(c.W, {c.out, c.in}));
        LoraLayerOptions o;
        o.rank = c.r;
        o.alpha = c.alpha;
        o.use_dora = true;
        auto x = torch::randn({4, c.in});
        auto before = lin(x);
        auto lora = add_lora(*lin, o, torch::make_generator<at::CPUGeneratorImpl>(1));
        for (int64_t r = 0; r < c.out; ++r) {
            double ss = 0;
            for (int64_t i = 0; i < c.in; ++i) ss += c.W[r * c.in + i] * c.W[r * c.in + i];
            QVERIFY(std::abs(lora->magnitude->weight[r].item<double>() - std::sqrt(ss)) < 1e-6);
        }
        QVERIFY(max_diff(lin(x), before) < 1e-6);
        // After A and B change, init_magnitude recomputes ||W + s B A||_row.
        lora->lora_A->weight.copy_(tensor_of(c.A, {c.r, c.in}));
        lora->lora_B->weight.copy_(tensor_of(c.B, {c.out, c.r}));
        lora->init_magnitude(*lin);
        for (int64_t r = 0; r < c.out; ++r) QVERIFY(std::abs(lora->magnitude->weight[r].item<double>() - c.norm(r)) < 1e-5);
    }

    // The norm is detached: for L = sum(y), dL/dm = sum_t (x W^T + s x A^T B^T) / n, and
    // dL/dB = s * (m / n) (outer) sum_t (A x), with no term from the norm's dependence on B.
    // Training runs DoRA as one node (DoraLinearFunction), on a dense base and on a 4-bit one (QLoRA with
    // DoRA). Output and the gradients of x, A, B, m and a trainable bias equal PEFT's chained formula with
    // the norm detached, in float32 and under bf16 autocast, for a (B, T, in) input.
    void trainingNodeMatchesTheChainedFormula_data() {
        QTest::addColumn<QString>("isa");
        QTest::newRow("best kernels") << "amx";
        QTest::newRow("8-lane kernels (AVX2)") << "avx2";
        QTest::newRow("ATen (kernels capped)") << "portable";
    }

    void trainingNodeMatchesTheChainedFormula() {
        QFETCH(QString, isa);
        kernels::limit_kernel_isa(isa.toUtf8().constData());
        struct Restore {
            ~Restore() { kernels::limit_kernel_isa(kernels::kNoKernelCap); }
        } restore;
        torch::manual_seed(12);
        const int64_t in = 24, out = 40, r = 4;
        // With a zero magnitude the node cannot fold the scale into W and B (z = 0 holds nothing of the
        // product m's gradient needs): it scales the product instead.
        struct Variant {
            bool bf16, zero_magnitude, quantized;
        };
        for (const Variant v : {Variant{false, false, false}, {true, false, false}, {false, true, false},
                                {true, true, false}, {false, false, true}, {true, false, true}}) {
            const bool bf16 = v.bf16, zero_magnitude = v.zero_magnitude;
            auto made = random_dora_layer(in, out, r);  // not a structured binding: the lambdas below capture them
            Linear lin = made.first;
            const auto lora = made.second;
            if (zero_magnitude) {
                torch::NoGradGuard g;
                lora->magnitude->weight[3] = 0.0f;
            }
            if (v.quantized) quantize_linear(*lin, 4, true);
            else lin->weight.set_requires_grad(false);
            const auto W = lin->dense_weight().to(torch::kFloat);  // the base the formula reads
            lin->bias.set_requires_grad(true);
            auto x = torch::randn({2, 5, in});
            auto probe = torch::randn({2, 5, out});
            const std::vector<torch::Tensor*> params = {&lora->lora_A->weight, &lora->lora_B->weight,
                                                        &lora->magnitude->weight, &lin->bias};
            const auto dtype = bf16 ? torch::kBFloat16 : torch::kFloat;
            auto chained_formula = [&](const torch::Tensor& xl) {
                const double s = lora->scaling();
                torch::Tensor norm;
                {
                    torch::NoGradGuard g;
                    norm = (W + s * torch::mm(lora->lora_B->weight, lora->lora_A->weight)).norm(2, {1});
                }
                auto scale = lora->magnitude->weight / norm;
                auto product = torch::nn::functional::linear(xl, W);
                auto lora_out = torch::matmul(torch::matmul(xl, lora->lora_A->weight.t()), lora->lora_B->weight.t());
                return product + lin->bias + (scale - 1) * product + scale * lora_out * s;
            };
            std::string node;
            auto fused = output_and_grads(
                [&](const torch::Tensor& xl) {
                    auto y = lin(xl);
                    node = y.grad_fn() ? y.grad_fn()->name() : "";
                    return y;
                },
                x, probe, params, dtype);
            QVERIFY2(node.find("DoraLinearFunction") != std::string::npos, node.c_str());
            auto chained = output_and_grads(chained_formula, x, probe, params, dtype);
            // The chain promotes to float32 where the node stays in bf16: compare values.
            fused[0] = fused[0].to(torch::kFloat);
            chained[0] = chained[0].to(torch::kFloat);
            const char* names[] = {"output", "x grad", "A grad", "B grad", "magnitude grad", "bias grad"};
            for (size_t i = 0; i < fused.size(); ++i) {
                QCOMPARE(fused[i].scalar_type(), chained[i].scalar_type());
                const double d = relative_max_diff(fused[i], chained[i]);
                QVERIFY2(d < (bf16 ? 3e-2 : 1e-5),
                         (std::string(names[i]) + (bf16 ? " bf16" : " f32") + (v.quantized ? ", 4-bit base" : "") +
                          (zero_magnitude ? ", a zero magnitude: " : ": ") + std::to_string(d))
                             .c_str());
            }
        }
    }

    // Gradient checkpointing runs a layer's forward with nothing recording, then again recording in its
    // backward: while training, both are the one DoRA node and give the same bits (the chain of
    // elementwise passes it replaces rounds differently and costs several passes over (N, out) more).
    void trainingForwardIsTheSameWhetherOrNotItRecords() {
        torch::manual_seed(5);
        const int64_t in = 64, out = 48;
        auto made = random_dora_layer(in, out, 4);
        Linear lin = made.first;
        const auto lora = made.second;
        lin->weight.set_requires_grad(false);
        lin->bias.set_requires_grad(false);
        lin->train();
        const auto x = torch::randn({3, 7, in});
        for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
            AutocastScope autocast(torch::kCPU, dtype);
            const auto recorded = lin(x);
            QVERIFY(recorded.requires_grad());
            torch::Tensor unrecorded;
            {
                torch::NoGradGuard g;
                unrecorded = lin(x);
            }
            QVERIFY(!unrecorded.requires_grad());
            QCOMPARE(unrecorded.scalar_type(), recorded.scalar_type());
            QVERIFY2(torch::equal(unrecorded, recorded.detach()),
                     ("differs by " + std::to_string(max_diff(unrecorded.to(torch::kFloat), recorded.detach().to(torch::kFloat)))).c_str());
        }
    }

    void gradientsTreatNormAsConstant() {
        Case c;
        auto [lin, lora] = make_layer(c, true);
        const std::vector<double> x = {1.5, -2.0, 0.5};
        lin(tensor_of(x, {1, 3})).sum().backward();
        for (int64_t o = 0; o < c.out; ++o) {
            double vx = 0;
            for (int64_t i = 0; i < c.in; ++i) vx += c.V(o, i) * x[i];
            QVERIFY(std::abs(lora->magnitude->weight.grad()[o].item<double>() - vx / c.norm(o)) < 1e-5);
            for (int64_t k = 0; k < c.r; ++k) {
                double ax = 0;
                for (int64_t i = 0; i < c.in; ++i) ax += c.A[k * c.in + i] * x[i];
                const double expect = c.s() * c.m[o] / c.norm(o) * ax;
                QVERIFY(std::abs(lora->lora_B->weight.grad()[o][k].item<double>() - expect) < 1e-5);
            }
        }
        QVERIFY(!lin->weight.grad().defined());
    }

    void mergedDoraEqualsAdapter() {
        Case c;
        auto [lin, lora] = make_layer(c, true);
        torch::NoGradGuard g;
        auto x = torch::randn({5, c.in});
        auto with_adapter = lin(x);
        merge_lora(*lin);
        QVERIFY(!lin->adapter);
        QVERIFY(max_diff(lin(x), with_adapter) < 1e-5);
        for (int64_t o = 0; o < c.out; ++o)
            for (int64_t i = 0; i < c.in; ++i)
                QVERIFY(std::abs(lin->weight[o][i].item<double>() - c.m[o] / c.norm(o) * c.V(o, i)) < 1e-5);
        // Whole model: merged DoRA equals the adapted model.
        auto m = random_model();
        LoraSettings s;
        s.use_dora = true;
        auto model_lora = LoraModel::apply(m.ptr(), s);
        randomize_adapters(*m);
        auto adapted = m->forward(token_batch());
        model_lora.merge();
        QVERIFY(max_diff(m->forward(token_batch()), adapted) < 1e-5);
    }

    void parameterNames() {
        auto m = random_model();
        LoraSettings s;
        s.use_dora = true;
        s.targets = {"o_proj"};
        auto lora = LoraModel::apply(m.ptr(), s);
        auto names = lora.trainable().names();
        QCOMPARE(names, (std::vector<std::string>{"model.layers.0.self_attn.o_proj.lora_A.weight",
                                                  "model.layers.0.self_attn.o_proj.lora_B.weight",
                                                  "model.layers.0.self_attn.o_proj.lora_magnitude_vector.weight",
                                                  "model.layers.1.self_attn.o_proj.lora_A.weight",
                                                  "model.layers.1.self_attn.o_proj.lora_B.weight",
                                                  "model.layers.1.self_attn.o_proj.lora_magnitude_vector.weight"}));
    }
};

LATHE_TEST(TestDora)
#include "test_dora.moc"
