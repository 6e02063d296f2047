#include "tests/checks.h"
#include "tests/registry.h"

#include "core/model/fused_ops.h"
#include "core/model/rope.h"

#include <torch/torch.h>
#include <QtTest>

using namespace lathe;

namespace {

using lathe::test::max_diff;

// Largest difference relative to the reference's magnitude (bf16 keeps 8 significant bits).
double relative_diff(const torch::Tensor& a, const torch::Tensor& ref) {
    auto r = ref.to(torch::kDouble);
    return ((a.to(torch::kDouble) - r).abs() / (r.abs() + 1e-3)).max().item<double>();
}

// The chained formulas the fused nodes replace (transformers' LlamaRMSNorm, SwiGLU, rotate_half RoPE).
torch::Tensor rms_norm_chained(const torch::Tensor& x, const torch::Tensor& w, double eps) {
    auto xf = x.to(torch::kFloat);
    return w * (xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps)).to(x.scalar_type());
}

torch::Tensor rope_chained(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
    const int64_t half = x.size(-1) / 2;
    auto c = cos.dim() == 2 ? cos : cos.unsqueeze(1);
    auto s = sin.dim() == 2 ? sin : sin.unsqueeze(1);
    auto rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    return x * c + rotated * s;
}

struct Grads {
    torch::Tensor out;
    std::vector<torch::Tensor> grads;
};

// out and d(sum(out * probe))/d(inputs) for f(inputs).
template <typename F>
Grads run_op(F&& f, std::vector<torch::Tensor> inputs, const torch::Tensor& probe) {
    std::vector<torch::Tensor> leaves;
    for (auto& t : inputs) leaves.push_back(t.detach().clone().requires_grad_(true));
    auto out = f(leaves);
    (out.to(torch::kFloat) * probe).sum().backward();
    Grads g{out.detach(), {}};
    for (auto& l : leaves) g.grads.push_back(l.grad());
    return g;
}

}  // namespace

class TestFusedOps : public QObject {
    Q_OBJECT
private slots:
    void rmsNormEqualsTheChainedFormula() {
        torch::manual_seed(1);
        for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
            auto x = (torch::randn({3, 5, 16}) * 3).to(dtype);
            auto w = torch::randn({16});
            auto probe = torch::randn({3, 5, 16});
            auto fused = run_op([](auto& in) { return rms_norm(in[0], in[1], 1e-5); }, {x, w}, probe);
            auto chained = run_op([](auto& in) { return rms_norm_chained(in[0], in[1], 1e-5); }, {x, w}, probe);
            const double tol = dtype == torch::kFloat ? 1e-5 : 2e-2;
            QCOMPARE(fused.out.scalar_type(), chained.out.scalar_type());
            QVERIFY(max_diff(fused.out, chained.out) < tol);
            QCOMPARE(fused.grads[0].scalar_type(), dtype);
            QVERIFY2(max_diff(fused.grads[0], chained.grads[0]) < tol * 10,
                     std::to_string(max_diff(fused.grads[0], chained.grads[0])).c_str());
            QVERIFY(max_diff(fused.grads[1], chained.grads[1]) < tol * 10);
        }
    }

    void rmsNormWithAFrozenWeightGivesNoWeightGradient() {
        auto x = torch::randn({4, 8}).requires_grad_(true);
        auto w = torch::randn({8});
        rms_norm(x, w, 1e-6).sum().backward();
        QVERIFY(x.grad().defined());
        QVERIFY(!w.grad().defined());
        // A frozen input with a trainable weight (the first layer's norm in full fine-tuning).
        auto x2 = torch::randn({4, 8});
        auto w2 = torch::randn({8}).requires_grad_(true);
        auto probe = torch::randn({4, 8});
        (rms_norm(x2, w2, 1e-6) * probe).sum().backward();
        auto w3 = w2.detach().clone().requires_grad_(true);
        (rms_norm_chained(x2, w3, 1e-6) * probe).sum().backward();
        QVERIFY(max_diff(w2.grad(), w3.grad()) < 1e-5);
    }

    void swigluEqualsSiluTimesUp() {
        torch::manual_seed(2);
        for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
            auto g = (torch::randn({2, 7, 12}) * 4).to(dtype), u = torch::randn({2, 7, 12}).to(dtype);
            auto probe = torch::randn({2, 7, 12});
            auto fused = run_op([](auto& in) { return swiglu(in[0], in[1]); }, {g, u}, probe);
            // The reference runs in float32: ATen's bf16 silu rounds inside the formula (silu(4.46875) is
            // 4.4375 there, 4.418 exactly), the fused node rounds once, so both are held to one bf16 step
            // of the exact value rather than to each other.
            auto chained = run_op([](auto& in) { return torch::silu(in[0].to(torch::kFloat)) * in[1].to(torch::kFloat); },
                               {g, u}, probe);
            const double tol = dtype == torch::kFloat ? 1e-5 : 1.0 / 128;
            const std::string what = std::string(dtype == torch::kFloat ? "float32" : "bf16") + ": out " +
                                     std::to_string(relative_diff(fused.out, chained.out)) + ", dgate " +
                                     std::to_string(relative_diff(fused.grads[0], chained.grads[0])) + ", dup " +
                                     std::to_string(relative_diff(fused.grads[1], chained.grads[1]));
            QVERIFY2(relative_diff(fused.out, chained.out) < tol, what.c_str());
            QVERIFY2(relative_diff(fused.grads[0], chained.grads[0]) < tol, what.c_str());
            QVERIFY2(relative_diff(fused.grads[1], chained.grads[1]) < tol, what.c_str());
        }
    }

    void ropeEqualsRotateHalf() {
        torch::manual_seed(3);
        const int64_t B = 2, H = 3, T = 5, D = 8;
        auto angles = torch::rand({T, D / 2}) * 6;
        auto emb = torch::cat({angles, angles}, -1);
        auto cos = emb.cos(), sin = emb.sin();
        // Transposed input, as the attention passes it: (B, T, H, D) viewed as (B, H, T, D).
        auto x = torch::randn({B, T, H, D}).transpose(1, 2);
        auto probe = torch::randn({B, H, T, D});
        auto fused = run_op([&](auto& in) { return apply_rope(in[0].transpose(1, 2).transpose(1, 2), cos, sin); }, {x}, probe);
        auto chained = run_op([&](auto& in) { return rope_chained(in[0], cos, sin); }, {x}, probe);
        QVERIFY(max_diff(fused.out, chained.out) < 1e-6);
        QVERIFY(max_diff(fused.grads[0], chained.grads[0]) < 1e-6);
        // Per-row positions (B, T, D) tables, and a bf16 input with float32 tables promotes as before.
        auto pos_cos = torch::stack({cos, cos.flip(0)}), pos_sin = torch::stack({sin, sin.flip(0)});
        auto xb = torch::randn({B, H, T, D}).to(torch::kBFloat16);
        auto f2 = run_op([&](auto& in) { return apply_rope(in[0], pos_cos, pos_sin); }, {xb}, probe);
        auto c2 = run_op([&](auto& in) { return rope_chained(in[0], pos_cos, pos_sin); }, {xb}, probe);
        QCOMPARE(f2.out.scalar_type(), c2.out.scalar_type());
        QCOMPARE(f2.grads[0].scalar_type(), torch::kBFloat16);
        QVERIFY(max_diff(f2.out, c2.out) < 1e-5);
        QVERIFY(max_diff(f2.grads[0], c2.grads[0]) < 2e-2);
    }
};

LATHE_TEST(TestFusedOps)
#include "test_fused_ops.moc"
