// LinearImpl::graph_only, what gradient checkpointing's recomputation runs for a layer's last projection:
// its backward equals forward's (input, weight, bias and adapter gradients) for a dense Linear (trained,
// frozen, float32, bf16 autocast, pure bf16), LoRA, QLoRA 4-bit and 8-bit, and the methods that fall back
// to forward (DoRA, LoRA with dropout); where it skips the product the node is Lathe's, not ATen's.
#include "tests/registry.h"

#include "core/model/linear.h"
#include "core/peft/lora_layer.h"
#include "core/peft/quantized_linear.h"
#include "tests/core/peft/peft_fixtures.h"

#include <QtTest>

#include <functional>

using namespace lathe;
using namespace lathe::test;

namespace {

using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

// output_and_grads (peft_fixtures.h) less the output, which graph_only leaves unspecified: the gradient
// of x, then of each of `params`; empty when the output's shape is not the probe's.
std::vector<torch::Tensor> grads_of(const Forward& f, const torch::Tensor& x, const torch::Tensor& probe,
                                    const std::vector<torch::Tensor*>& params, torch::ScalarType autocast) {
    auto r = output_and_grads(f, x, probe, params, autocast);
    if (r[0].sizes() != probe.sizes()) return {};  // expect_equal_grads then fails on the count
    r.erase(r.begin());
    return r;
}

// The autograd node f's output hangs from.
std::string node_of(const Forward& f, const torch::Tensor& x, torch::ScalarType autocast) {
    AutocastScope scope(x.device(), autocast);
    const auto y = f(x.clone().requires_grad_(true));
    return y.grad_fn() ? y.grad_fn()->name() : "";
}

void expect_equal_grads(const std::vector<torch::Tensor>& got, const std::vector<torch::Tensor>& want, const char* what) {
    QCOMPARE(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
        const std::string name = std::string(what) + ", gradient " + std::to_string(i);
        QVERIFY2(want[i].defined() && got[i].defined(), name.c_str());
        QVERIFY2(want[i].abs().max().item<double>() > 0, name.c_str());
        QCOMPARE(got[i].scalar_type(), want[i].scalar_type());
        const double d = relative_max_diff(got[i].to(torch::kFloat), want[i].to(torch::kFloat));
        QVERIFY2(d < 1e-5, qPrintable(QString("%1 differs by %2").arg(name.c_str()).arg(d)));
    }
}

Linear random_linear(int64_t in, int64_t out, bool bias) {
    Linear lin(in, out, bias);
    torch::NoGradGuard g;
    lin->weight.normal_(0, 0.2);
    if (bias) lin->bias.normal_(0, 0.2);
    return lin;
}

void randomize(LoraLinear& lora) {
    torch::NoGradGuard g;
    lora.lora_B->weight.normal_(0, 0.3);  // B starts at zero: make the adapter's gradients count
}

}  // namespace

class TestLinearGraphOnly : public QObject {
    Q_OBJECT

private slots:
    void denseGradientsEqualForward() {
        torch::manual_seed(7);
        const auto x = torch::randn({2, 5, 24}), probe = torch::randn({2, 5, 16});
        for (auto autocast : {torch::kFloat, torch::kBFloat16})
            for (bool frozen : {false, true}) {
                Linear lin = random_linear(24, 16, true);
                lin->weight.set_requires_grad(!frozen);
                lin->bias.set_requires_grad(!frozen);
                std::vector<torch::Tensor*> params;
                if (!frozen) params = {&lin->weight, &lin->bias};
                const Forward graph_only = [&](const torch::Tensor& xl) { return lin->graph_only(xl); };
                auto want = grads_of([&](const torch::Tensor& xl) { return lin(xl); }, x, probe, params, autocast);
                auto got = grads_of(graph_only, x, probe, params, autocast);
                const std::string node = node_of(graph_only, x, autocast);
                expect_equal_grads(got, want, frozen ? "frozen dense" : "trained dense");
                QVERIFY2(node.find("DenseGraphFunction") != std::string::npos, node.c_str());
            }
        // Pure bf16: weights and input in bf16, no autocast.
        Linear lin = random_linear(24, 16, false);
        lin->to(torch::kBFloat16);
        std::vector<torch::Tensor*> params{&lin->weight};
        const auto xb = x.to(torch::kBFloat16);
        expect_equal_grads(grads_of([&](const torch::Tensor& xl) { return lin->graph_only(xl); }, xb, probe, params, torch::kFloat),
                           grads_of([&](const torch::Tensor& xl) { return lin(xl); }, xb, probe, params, torch::kFloat),
                           "pure bf16 dense");
    }

    void loraAndQloraGradientsEqualForward() {
        torch::manual_seed(8);
        const auto x = torch::randn({3, 4, 64}), probe = torch::randn({3, 4, 32});
        for (int bits : {0, 4, 8})
            for (auto autocast : {torch::kFloat, torch::kBFloat16}) {
                Linear lin = random_linear(64, 32, true);
                lin->weight.set_requires_grad(false);
                if (bits) quantize_linear(*lin, bits, true);
                LoraLayerOptions o;
                o.rank = 4;
                o.alpha = 8;
                auto lora = add_lora(*lin, o, torch::make_generator<at::CPUGeneratorImpl>(2));
                randomize(*lora);
                lin->bias.set_requires_grad(true);
                std::vector<torch::Tensor*> params{&lora->lora_A->weight, &lora->lora_B->weight, &lin->bias};
                const Forward graph_only = [&](const torch::Tensor& xl) { return lin->graph_only(xl); };
                auto want = grads_of([&](const torch::Tensor& xl) { return lin(xl); }, x, probe, params, autocast);
                auto got = grads_of(graph_only, x, probe, params, autocast);
                const std::string node = node_of(graph_only, x, autocast);
                const std::string what = bits ? "QLoRA " + std::to_string(bits) + "-bit" : std::string("LoRA");
                expect_equal_grads(got, want, what.c_str());
                QVERIFY2(node.find("LoraLinearFunction") != std::string::npos, node.c_str());
            }
    }

    // DoRA (its magnitude's gradient needs the product) and LoRA with dropout run forward itself.
    void methodsThatNeedTheProductFallBackToForward() {
        torch::manual_seed(9);
        const auto x = torch::randn({2, 3, 32}), probe = torch::randn({2, 3, 16});
        for (bool dora : {true, false}) {
            Linear lin = random_linear(32, 16, false);
            lin->weight.set_requires_grad(false);
            LoraLayerOptions o;
            o.rank = 4;
            o.alpha = 8;
            o.use_dora = dora;
            o.dropout = dora ? 0.0 : 0.5;
            auto lora = add_lora(*lin, o, torch::make_generator<at::CPUGeneratorImpl>(2));
            randomize(*lora);
            lin->train();
            std::vector<torch::Tensor*> params{&lora->lora_A->weight, &lora->lora_B->weight};
            if (dora) params.push_back(&lora->magnitude->weight);
            torch::manual_seed(1);  // the same dropout mask both ways
            auto want = grads_of([&](const torch::Tensor& xl) { return lin(xl); }, x, probe, params, torch::kFloat);
            torch::manual_seed(1);
            auto got = grads_of([&](const torch::Tensor& xl) { return lin->graph_only(xl); }, x, probe, params, torch::kFloat);
            expect_equal_grads(got, want, dora ? "DoRA" : "LoRA with dropout");
        }
    }

    // Without anything to differentiate there is no graph to build: the values come back as forward's.
    void withoutGradientsItIsForward() {
        Linear lin = random_linear(8, 4, true);
        auto x = torch::randn({2, 8});
        torch::NoGradGuard no_grad;
        QVERIFY(torch::equal(lin->graph_only(x), lin(x)));
    }
};

LATHE_TEST(TestLinearGraphOnly)
#include "test_linear_graph_only.moc"
