// The training kernels (core/model/fused_kernels_cpu.h) against the ATen formulas they replace: the same
// call runs at each kernel width this processor has (AVX-512's 16 lanes, AVX2's 8) and with the
// instruction set capped to "portable", in float32 and bf16, on sizes that leave partial vectors and split
// over threads, with masked keys, rows that see no key and grouped-query heads. Skipped where the
// processor has neither.
#include "tests/registry.h"

#include "core/infer/gemv.h"
#include "core/model/attention_kernel.h"
#include "core/model/fused_kernels_cpu.h"
#include "core/model/fused_ops.h"

#include <QtTest>

#include <algorithm>
#include <functional>

using namespace lathe;

namespace {

struct KernelRun {
    torch::Tensor out;
    std::vector<torch::Tensor> grads;
};

// f(inputs) and d(sum(out * probe))/d(inputs) with the instruction set capped at `isa`: "portable" runs
// the ATen formulas; "avx2" the 8-lane kernels; "avx512-bf16" the 16-lane ones.
KernelRun run_at(const char* isa, const std::function<torch::Tensor(std::vector<torch::Tensor>&)>& f,
                 const std::vector<torch::Tensor>& inputs, const torch::Tensor& probe) {
    kernels::limit_kernel_isa(isa);
    struct Restore {
        ~Restore() { kernels::limit_kernel_isa(kernels::kNoKernelCap); }
    } restore;
    if (std::string(isa) == "portable" && cpu_kernels::available())
        throw std::runtime_error("the kernel cap did not take");
    std::vector<torch::Tensor> leaves;
    for (const auto& t : inputs) leaves.push_back(t.detach().clone().requires_grad_(true));
    auto out = f(leaves);
    (out.to(torch::kFloat) * probe).sum().backward();
    KernelRun r{out.detach(), {}};
    for (auto& l : leaves) r.grads.push_back(l.grad());
    return r;
}

// Largest difference relative to the reference's largest magnitude (sums over rows, such as a norm's
// weight gradient, may cancel to near zero in single elements).
double rel_diff(const torch::Tensor& a, const torch::Tensor& ref) {
    auto r = ref.to(torch::kDouble);
    return (a.to(torch::kDouble) - r).abs().max().item<double>() / std::max(1e-12, r.abs().max().item<double>());
}

void compare(const KernelRun& fused, const KernelRun& aten, double tol, const char* what) {
    QCOMPARE(fused.out.scalar_type(), aten.out.scalar_type());
    QCOMPARE(fused.out.sizes(), aten.out.sizes());
    QVERIFY2(rel_diff(fused.out, aten.out) < tol, (std::string(what) + " out: " + std::to_string(rel_diff(fused.out, aten.out))).c_str());
    for (size_t i = 0; i < aten.grads.size(); ++i) {
        QCOMPARE(fused.grads[i].scalar_type(), aten.grads[i].scalar_type());
        const double d = rel_diff(fused.grads[i], aten.grads[i]);
        QVERIFY2(d < tol, (std::string(what) + " grad " + std::to_string(i) + ": " + std::to_string(d)).c_str());
    }
}

// The caps under which the kernels run at each width on this processor: "avx512-bf16" (16 lanes) with
// AVX-512, "avx2" (8 lanes) with AVX2 + FMA.
std::vector<const char*> kernel_levels() {
    std::vector<const char*> levels;
    for (const char* isa : {"avx512-bf16", "avx2"}) {
        kernels::limit_kernel_isa(isa);
        const bool wide = kernels::avx512_enabled();
        if (cpu_kernels::available() && (std::string(isa) == "avx2" ? !wide : wide)) levels.push_back(isa);
    }
    kernels::limit_kernel_isa(kernels::kNoKernelCap);
    return levels;
}

}  // namespace

class TestFusedKernelsCpu : public QObject {
    Q_OBJECT
private slots:
    void init() {
        kernels::limit_kernel_isa(kernels::kNoKernelCap);
        if (kernel_levels().empty())
            QSKIP("this processor has neither AVX-512 nor AVX2 + FMA: the ATen formulas run everywhere");
    }

    // NF4's nearest codes against torch::bucketize (right = false) at each width: random values, the
    // midpoints themselves (ties to the lower code), values just beside them, 0, -1 and 1, on a length that
    // leaves partial vectors and splits over threads.
    void nearestCodesEqualBucketize() {
        torch::manual_seed(4);
        const auto nf4 = torch::tensor({-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                                        -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                                        0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
                                        0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                                        0.7229568362236023, 1.0}, torch::kFloat);
        const auto mid = ((nf4.slice(0, 0, 15) + nf4.slice(0, 1)) / 2).contiguous();
        const auto x = torch::cat({torch::rand({40001}) * 2 - 1, mid, torch::nextafter(mid, torch::ones_like(mid)),
                                   torch::nextafter(mid, -torch::ones_like(mid)), torch::tensor({0.0f, -1.0f, 1.0f})})
                           .contiguous();
        const auto want = torch::bucketize(x, mid, /*out_int32=*/true, /*right=*/false).to(torch::kByte);
        for (const char* isa : kernel_levels()) {
            kernels::limit_kernel_isa(isa);
            auto got = torch::empty({x.numel()}, torch::kByte);
            cpu_kernels::nearest_codes(x.data_ptr<float>(), x.numel(), mid.data_ptr<float>(), 15, got.data_ptr<uint8_t>());
            kernels::limit_kernel_isa(kernels::kNoKernelCap);
            QVERIFY2(torch::equal(got, want),
                     (std::string(isa) + ": " + std::to_string((got != want).sum().item<int64_t>()) + " codes differ").c_str());
        }
    }

    // Dropout's mask at each width: the same bits for the same seed (16 lanes and the scalar loop alike),
    // 1 / (1 - p) or 0, about 1 - p kept, and another seed another mask.
    void dropoutMaskIsTheSameAtEachWidth() {
        const int64_t n = 1000003;  // a partial last vector, split over threads
        for (auto t : {torch::kFloat, torch::kBFloat16}) {
            for (float p : {0.05f, 0.5f}) {
                std::vector<torch::Tensor> masks;
                for (const char* isa : kernel_levels()) {
                    kernels::limit_kernel_isa(isa);
                    auto m = torch::empty({n}, t);
                    cpu_kernels::dropout_mask(t == torch::kFloat ? cpu_kernels::Elem::F32 : cpu_kernels::Elem::BF16,
                                              0x123456789abcdefull, p, m.data_ptr(), n);
                    kernels::limit_kernel_isa(kernels::kNoKernelCap);
                    masks.push_back(m.to(torch::kFloat));
                }
                const auto& m = masks[0];
                for (size_t i = 1; i < masks.size(); ++i) QVERIFY(torch::equal(masks[i], m));
                const float keep = torch::tensor(1.0f / (1.0f - p)).to(t).item<float>();
                const auto kept = (m == keep), dropped = (m == 0);
                QCOMPARE(kept.logical_or(dropped).all().item<bool>(), true);
                const double rate = kept.to(torch::kDouble).mean().item<double>();
                QVERIFY2(std::abs(rate - (1 - p)) < 0.003, std::to_string(rate).c_str());
                auto other = torch::empty({n}, t);
                cpu_kernels::dropout_mask(t == torch::kFloat ? cpu_kernels::Elem::F32 : cpu_kernels::Elem::BF16,
                                          0x123456789abcdeeull, p, other.data_ptr(), n);
                const double differ = (other.to(torch::kFloat) != m).to(torch::kDouble).mean().item<double>();
                QVERIFY2(std::abs(differ - 2 * p * (1 - p)) < 0.005, std::to_string(differ).c_str());  // independent
            }
        }
    }

    // DoRA's row norms ||W + s B A|| at each width against the definition in float64: W in float32 and
    // bf16, ranks 1 to 64, widths leaving partial vectors, row counts leaving rows after the groups of four,
    // and a row where V = 0 (W = -s B A exactly: the expanded formula cancels there).
    void doraRowNormsMatchTheDefinition() {
        torch::manual_seed(5);
        struct Shape { int64_t out, in, r; };
        for (const Shape& sh : {Shape{13, 37, 1}, Shape{9, 50, 8}, Shape{6, 19, 13}, Shape{21, 70, 64}, Shape{4, 16, 2}}) {
            for (auto wt : {torch::kFloat, torch::kBFloat16}) {
                const float s = 0.5f;  // a power of two: row 1 cancels exactly
                auto A = torch::randn({sh.r, sh.in}), B = torch::randn({sh.out, sh.r});
                auto W = torch::randn({sh.out, sh.in}).to(wt);
                {
                    // Row 1: A's first row is W's row, cancelled by B.
                    A[0].copy_(W[1].to(torch::kFloat));
                    B[1].zero_();
                    B[1][0] = -1.0f / s;
                }
                const auto Wd = W.to(torch::kDouble);
                const auto want = (Wd + s * torch::mm(B.to(torch::kDouble), A.to(torch::kDouble))).norm(2, {1});
                QVERIFY(want[1].item<double>() == 0.0);
                for (const char* isa : kernel_levels()) {
                    kernels::limit_kernel_isa(isa);
                    auto got = torch::full({sh.out}, -1.0f);
                    cpu_kernels::dora_row_norms(wt == torch::kFloat ? cpu_kernels::Elem::F32 : cpu_kernels::Elem::BF16,
                                                W.data_ptr(), A.data_ptr<float>(), B.data_ptr<float>(), s,
                                                got.data_ptr<float>(), sh.out, sh.in, sh.r);
                    kernels::limit_kernel_isa(kernels::kNoKernelCap);
                    const double err = ((got.to(torch::kDouble) - want).abs() / (want + 1e-3)).max().item<double>();
                    QVERIFY2(err < 1e-5, (std::string(isa) + " out " + std::to_string(sh.out) + " in " +
                                          std::to_string(sh.in) + " r " + std::to_string(sh.r) + ": " + std::to_string(err))
                                             .c_str());
                    QVERIFY(got[1].item<float>() < 1e-5f);
                }
            }
        }
    }

    // Every kernel level this processor has (AVX-512, AVX2) against the ATen formulas.
    void rmsNormMatchesATen() {
        torch::manual_seed(3);
        const int64_t C = 37;  // two full vectors and a partial one (8 and 16 lanes alike)
        for (const char* isa : kernel_levels()) {
            for (auto xt : {torch::kFloat, torch::kBFloat16}) {
                for (auto wt : {torch::kFloat, torch::kBFloat16}) {
                    auto x = (torch::randn({3, 13, C}) * 3).to(xt);
                    auto w = (torch::randn({C}) + 1).to(wt);
                    auto probe = torch::randn({3, 13, C});
                    auto f = [](std::vector<torch::Tensor>& in) { return rms_norm(in[0], in[1], 1e-5); };
                    const double tol = xt == torch::kFloat && wt == torch::kFloat ? 1e-5 : 1.0 / 64;
                    const std::string what = std::string("rms_norm ") + isa;
                    compare(run_at(isa, f, {x, w}, probe), run_at("portable", f, {x, w}, probe), tol, what.c_str());
                }
            }
        }
    }

    void rmsNormFrozenWeightAndFrozenInput() {
        auto x = torch::randn({5, 20});
        auto w = torch::randn({20});
        auto probe = torch::randn({5, 20});
        auto xg = x.clone().requires_grad_(true);
        (rms_norm(xg, w, 1e-6) * probe).sum().backward();  // weight frozen
        QVERIFY(xg.grad().defined());
        auto wg = w.clone().requires_grad_(true);
        (rms_norm(x, wg, 1e-6) * probe).sum().backward();  // input frozen
        auto wg2 = w.clone().requires_grad_(true);
        {
            kernels::limit_kernel_isa("portable");
            (rms_norm(x, wg2, 1e-6) * probe).sum().backward();
            kernels::limit_kernel_isa(kernels::kNoKernelCap);
        }
        QVERIFY(rel_diff(wg.grad(), wg2.grad()) < 1e-5);
    }

    void swigluMatchesATenInFloat32() {
        torch::manual_seed(4);
        // More elements than one thread's share, and not a multiple of 16.
        auto g = (torch::randn({40007}) * 4), u = torch::randn({40007});
        auto probe = torch::randn({40007});
        auto f = [](std::vector<torch::Tensor>& in) { return swiglu(in[0], in[1]); };
        for (const char* isa : kernel_levels())
            compare(run_at(isa, f, {g, u}, probe), run_at("portable", f, {g, u}, probe), 1e-5,
                    (std::string("swiglu f32 ") + isa).c_str());
    }

    void swigluInBf16IsWithinOneRoundingOfFloat32() {
        torch::manual_seed(5);
        auto g = (torch::randn({3, 1001}) * 4), u = torch::randn({3, 1001});
        auto probe = torch::randn({3, 1001});
        auto f = [](std::vector<torch::Tensor>& in) { return swiglu(in[0], in[1]); };
        auto exact = run_at("portable", [](std::vector<torch::Tensor>& in) { return torch::silu(in[0]) * in[1]; },
                            {g.to(torch::kBFloat16).to(torch::kFloat), u.to(torch::kBFloat16).to(torch::kFloat)}, probe);
        for (const char* isa : kernel_levels()) {
            auto fused = run_at(isa, f, {g.to(torch::kBFloat16), u.to(torch::kBFloat16)}, probe);
            QCOMPARE(fused.out.scalar_type(), torch::kBFloat16);
            QVERIFY2(rel_diff(fused.out, exact.out) < 1.0 / 128, isa);
            QVERIFY2(rel_diff(fused.grads[0], exact.grads[0]) < 1.0 / 64, isa);
            QVERIFY2(rel_diff(fused.grads[1], exact.grads[1]) < 1.0 / 64, isa);
        }
    }

    void attentionMatchesATen_data() {
        QTest::addColumn<bool>("bf16");
        QTest::addColumn<bool>("masked");
        QTest::newRow("f32") << false << false;
        QTest::newRow("f32, padded keys") << false << true;
        QTest::newRow("bf16") << true << false;
        QTest::newRow("bf16, padded keys") << true << true;
    }

    void attentionMatchesATen() {
        QFETCH(bool, bf16);
        QFETCH(bool, masked);
        torch::manual_seed(6);
        const int64_t B = 2, H = 4, KV = 2, T = 37, D = 20;  // D: partial vectors in the row dots and sums
        const auto dtype = bf16 ? torch::kBFloat16 : torch::kFloat;
        auto q = torch::randn({B, H, T, D}).to(dtype), k = torch::randn({B, KV, T, D}).to(dtype),
             v = torch::randn({B, KV, T, D}).to(dtype);
        torch::Tensor key_mask;
        if (masked) {  // row 0 left-padded by 5 (its first queries see no key), row 1 with a hole
            key_mask = torch::ones({B, T}, torch::kBool);
            key_mask[0].narrow(0, 0, 5).fill_(false);
            key_mask[1].narrow(0, 17, 3).fill_(false);
        }
        auto probe = torch::randn({B, T, H * D});
        force_attention_block_rows(8);  // five blocks, the last one short
        // Rows back to (B, T, H * hd) as the decoder takes them: the gradient then arrives in the layout
        // the backward's row-dot kernel takes.
        auto f = [&](std::vector<torch::Tensor>& in) {
            return causal_attention(in[0], in[1], in[2], key_mask, 0.25).transpose(1, 2).reshape({B, T, H * D});
        };
        struct Unforce {
            ~Unforce() { force_attention_block_rows(0); }
        } unforce;
        auto aten = run_at("portable", f, {q, k, v}, probe);
        for (const char* isa : kernel_levels()) {
            auto fused = run_at(isa, f, {q, k, v}, probe);
            compare(fused, aten, bf16 ? 1.0 / 32 : 1e-4, (std::string("attention ") + isa).c_str());
            if (masked)  // the padded queries see nothing: zeros, as the ATen path gives
                QCOMPARE(fused.out[0].narrow(0, 0, 5).abs().max().item<double>(), 0.0);
        }
    }

    void attentionWithoutGradMatchesTheForwardWithGrad() {
        torch::manual_seed(7);
        auto q = torch::randn({1, 2, 19, 16}), k = torch::randn({1, 2, 19, 16}), v = torch::randn({1, 2, 19, 16});
        torch::Tensor a;
        {
            torch::NoGradGuard no_grad;
            a = causal_attention(q, k, v, {}, 0.25);
        }
        auto b = causal_attention(q.requires_grad_(true), k, v, {}, 0.25);
        QVERIFY(torch::equal(a, b.detach()));
    }
};

LATHE_TEST(TestFusedKernelsCpu)
#include "test_fused_kernels_cpu.moc"
