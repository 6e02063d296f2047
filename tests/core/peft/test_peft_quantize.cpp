#include "tests/registry.h"

#include "core/peft/quantize.h"
#include "tests/core/peft/peft_fixtures.h"

#include "core/infer/gemv.h"
#include "core/model/fused_kernels_cpu.h"

#include <QtTest>

#include <cmath>

using namespace lathe;
using namespace lathe::test;

namespace {

// Largest distance from a value in [-1, 1] to its nearest code: half the widest gap of the table.
double half_max_gap(const torch::Tensor& table) {
    auto t = table.to(torch::kDouble);
    return ((t.slice(0, 1) - t.slice(0, 0, t.numel() - 1)).max() / 2).item<double>();
}

// The normal quantile: ppf(p) = sqrt(2) * erfinv(2p - 1).
torch::Tensor ppf(const torch::Tensor& p) { return std::sqrt(2.0) * torch::erfinv(2 * p - 1); }

torch::Tensor blocks_absmax(const torch::Tensor& w, int64_t block) {
    const int64_t n = w.numel(), blocks = (n + block - 1) / block;
    return torch::constant_pad_nd(w.reshape(-1).to(torch::kDouble), {0, blocks * block - n}).view({blocks, block}).abs().amax(1);
}

}  // namespace

class TestPeftQuantize : public QObject {
    Q_OBJECT
private slots:
    // bitsandbytes' constants, and their derivation (create_normal_map(offset=0.9677083)): 8 positive
    // and 7 negative normal quantiles between the offset and 0.5, plus 0, normalised by the largest.
    void nf4TableEqualsBitsandbytes() {
        auto t = nf4_table(torch::kCPU);
        QCOMPARE(t.numel(), int64_t(16));
        QCOMPARE(t[0].item<float>(), -1.0f);
        QCOMPARE(t[1].item<float>(), -0.6961928009986877f);
        QCOMPARE(t[7].item<float>(), 0.0f);
        QCOMPARE(t[8].item<float>(), 0.07958029955625534f);
        QCOMPARE(t[14].item<float>(), 0.7229568362236023f);
        QCOMPARE(t[15].item<float>(), 1.0f);
        const double offset = 0.9677083;
        auto v1 = ppf(torch::linspace(offset, 0.5, 9, torch::kDouble).slice(0, 0, 8));
        auto v3 = -ppf(torch::linspace(offset, 0.5, 8, torch::kDouble).slice(0, 0, 7));
        auto v = std::get<0>(torch::cat({v1, torch::zeros({1}, torch::kDouble), v3}).sort());
        v = v / v.max();
        QVERIFY2(max_diff(t, v) < 2e-6, std::to_string(max_diff(t, v)).c_str());
    }

    // create_dynamic_map(signed=True): per exponent e = -6..0, the midpoints of linspace(0.1, 1, 2^(e+6) + 1)
    // times 10^e, both signs, plus 0 and 1.
    void dynamicMapFollowsBitsandbytes() {
        auto d = dynamic_map(torch::kCPU);
        QCOMPARE(d.numel(), int64_t(256));
        QVERIFY((d.slice(0, 1) > d.slice(0, 0, 255)).all().item<bool>());  // sorted, no duplicates
        QCOMPARE(d[255].item<float>(), 1.0f);
        QCOMPARE(d[254].item<float>(), 0.99296875f);                         // (1 - 0.9 / 64 + 1) / 2
        QCOMPARE(d[0].item<float>(), -0.99296875f);
        QCOMPARE((d > 0).sum().item<int64_t>(), int64_t(128));
        QCOMPARE((d == 0).sum().item<int64_t>(), int64_t(1));
        QVERIFY(std::abs(d[128].item<double>() - 0.55e-6) < 1e-12);          // smallest positive: 10^-6 * 0.55
        QVERIFY(std::abs(d[127].item<double>()) == 0.0);
    }

    // Each element lands on its nearest code: |w - code * absmax| <= half the widest gap * absmax.
    void nf4RoundTripWithinBound() {
        torch::manual_seed(1);
        for (auto shape : {std::vector<int64_t>{96, 80}, std::vector<int64_t>{33, 37}}) {  // 37 * 33 is odd
            auto w = torch::randn(shape) * 0.05;
            auto q = quantize_nf4(w, false);
            QCOMPARE(q.data.numel(), (w.numel() + 1) / 2);
            QCOMPARE(q.absmax.numel(), (w.numel() + 63) / 64);
            auto back = q.dequantize(torch::kFloat);
            QCOMPARE(back.sizes(), w.sizes());
            auto absmax = blocks_absmax(w, 64);
            QVERIFY(max_diff(q.absmax, absmax) == 0.0);
            const auto table = nf4_table(torch::kCPU).to(torch::kDouble);
            const int64_t n = w.numel();
            auto scale = absmax.repeat_interleave(64).narrow(0, 0, n);  // each element's block absmax
            auto err = (back.to(torch::kDouble) - w.to(torch::kDouble)).abs().reshape(-1);
            auto bound = scale * half_max_gap(table);
            QVERIFY((err <= bound + 1e-7).all().item<bool>());
            // Nearest, not merely within the bound: no other code is closer to w / absmax.
            auto scaled = w.reshape(-1).to(torch::kDouble) / scale;
            auto chosen = back.reshape(-1).to(torch::kDouble) / scale;
            auto nearest = std::get<0>((scaled.unsqueeze(1) - table.unsqueeze(0)).abs().min(1));  // (n)
            QVERIFY(((scaled - chosen).abs() <= nearest + 1e-6).all().item<bool>());
            const double rel = (err.sum() / w.abs().sum()).item<double>();
            qInfo("NF4 %ldx%ld: max abs error %.3g (bound %.3g), mean relative error %.4f", long(shape[0]), long(shape[1]),
                  err.max().item<double>(), bound.max().item<double>(), rel);
            QVERIFY(rel < 0.12);
        }
    }

    // Two codes per byte, the first element in the high nibble (bitsandbytes' packing).
    // The dequantization kernels (cpu_kernels::nf4_dequantize, 16 lanes with AVX-512 and 8 with AVX2)
    // give the ATen formula's values bit for bit, in float32 and bf16, with and without double
    // quantization, on a size that is not a multiple of 16, one whose 16-element blocks make more than one
    // group of 256 double-quantized scales, and two block sizes.
    void nf4KernelEqualsTheFormula() {
        struct Restore {
            ~Restore() { kernels::limit_kernel_isa(kernels::kNoKernelCap); }
        } restore;
        int levels = 0;
        for (const char* isa : {"avx512-bf16", "avx2"}) {
            kernels::limit_kernel_isa(isa);
            if (!cpu_kernels::available() || kernels::avx512_enabled() != (std::string(isa) == "avx512-bf16")) continue;
            ++levels;
            torch::manual_seed(21);
            for (const auto& w : {torch::randn({7, 37}) * 0.2, torch::randn({40, 130}) * 0.2})
            for (int64_t block : {16, 64}) {
                for (bool dq : {false, true}) {
                    auto q = quantize_nf4(w, dq, block);
                    for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
                        kernels::limit_kernel_isa(isa);
                        auto fast = q.dequantize(dtype);
                        kernels::limit_kernel_isa("portable");
                        auto formula = q.dequantize(dtype);
                        QCOMPARE(fast.scalar_type(), dtype);
                        QCOMPARE(fast.sizes(), formula.sizes());
                        QVERIFY2(torch::equal(fast, formula), isa);
                    }
                }
            }
        }
        if (levels == 0) QSKIP("neither AVX-512 nor AVX2 + FMA on this processor");
    }

    void nf4Packing() {
        auto w = torch::zeros({1, 64});
        w[0][0] = 1.0;   // code 15
        w[0][1] = -1.0;  // code 0
        w[0][3] = 0.08;  // code 8 (0.0796)
        auto q = quantize_nf4(w, false);
        QCOMPARE(int(q.data[0].item<uint8_t>()), 0xF0);
        QCOMPARE(int(q.data[1].item<uint8_t>()), 0x78);
        QCOMPARE(int(q.data[2].item<uint8_t>()), 0x77);
        // A block of zeros stays zero (no 0 / 0).
        auto z = quantize_nf4(torch::zeros({2, 64}), true).dequantize(torch::kFloat);
        QCOMPARE(z.abs().max().item<double>(), 0.0);
    }

    // Double quantization: 8-bit scales in blocks of 256 after subtracting their mean. The error adds the
    // scale's own rounding (at most half the dynamic map's widest gap times the group's absmax).
    void doubleQuantBytesAndBound() {
        torch::manual_seed(2);
        auto w = torch::randn({256, 512}) * 0.02;  // 131072 elements, 2048 blocks, 8 groups of scales
        auto plain = quantize_nf4(w, false), dq = quantize_nf4(w, true);
        QCOMPARE(plain.bytes(), int64_t(65536 + 2048 * 4));
        QCOMPARE(dq.bytes(), int64_t(65536 + 2048 + 8 * 4 + 4));
        QCOMPARE(dq.absmax.scalar_type(), torch::kByte);
        QCOMPARE(dq.absmax_scale.numel(), int64_t(8));
        QVERIFY(std::abs(dq.absmax_offset.item<double>() - plain.absmax.mean().item<double>()) < 1e-9);
        QVERIFY(torch::equal(dq.data, plain.data));  // codes use the exact absmax, as bitsandbytes
        QCOMPARE(double(dq.bytes()) / double(4 * w.numel()), 67620.0 / 524288.0);

        // The dequantized scales are within half a gap of the dynamic map of the true ones.
        auto scales = dequantize_blockwise(dq.absmax, dq.absmax_scale, dynamic_map(torch::kCPU), 256) + dq.absmax_offset;
        auto centred = (plain.absmax - plain.absmax.mean()).to(torch::kDouble);
        auto group_max = centred.abs().view({8, 256}).amax(1);
        auto scale_bound = group_max.repeat_interleave(256) * half_max_gap(dynamic_map(torch::kCPU));
        auto scale_err = (scales.to(torch::kDouble) - plain.absmax.to(torch::kDouble)).abs();
        QVERIFY((scale_err <= scale_bound + 1e-9).all().item<bool>());
        // Element error <= half NF4 gap * absmax + |absmax error| (codes are at most 1 in magnitude).
        auto err = (dq.dequantize(torch::kFloat) - w).abs().to(torch::kDouble).view({2048, 64});
        auto bound = plain.absmax.to(torch::kDouble).unsqueeze(1) * half_max_gap(nf4_table(torch::kCPU)) +
                     scale_err.unsqueeze(1) + 1e-7;
        QVERIFY((err <= bound).all().item<bool>());
        qInfo("NF4 + double quant: %.4fx fp32 bytes, max abs error %.3g (without double quant %.3g)",
              double(dq.bytes()) / double(4 * w.numel()), err.max().item<double>(),
              (plain.dequantize(torch::kFloat) - w).abs().max().item<double>());
    }

    // LLM.int8's vector-wise scheme without outliers: q = round(w * 127 / rowmax), w' = q * rowmax / 127.
    void int8RoundTrip() {
        torch::manual_seed(3);
        auto w = torch::randn({40, 70});
        w[5].zero_();
        auto q = quantize_int8(w);
        QCOMPARE(q.data.scalar_type(), torch::kChar);
        QCOMPARE(q.bytes(), int64_t(40 * 70 + 40 * 4));
        auto rowmax = w.abs().amax(1);
        auto expect_q = torch::round(w * (127.0 / rowmax.clamp_min(1e-30)).unsqueeze(1));
        QVERIFY(torch::equal(q.data.to(torch::kFloat), expect_q));
        auto back = q.dequantize(torch::kFloat);
        auto err = (back - w).abs();
        QVERIFY((err <= (rowmax / 254).unsqueeze(1) + 1e-6).all().item<bool>());
        QCOMPARE(back[5].abs().max().item<double>(), 0.0);
        QVERIFY(q.dequantize(torch::kBFloat16).scalar_type() == torch::kBFloat16);
    }

    void errors() {
        auto e = error_of([] { quantize_nf4(torch::zeros({64}), true); });
        QVERIFY2(contains(e, "NF4 quantization: expected a 2-D floating point weight, got 1-D"), e.c_str());
        e = error_of([] { quantize_int8(torch::zeros({4, 4}, torch::kLong)); });
        QVERIFY2(contains(e, "int8 quantization: expected a 2-D floating point weight, got 2-D Long"), e.c_str());
        e = error_of([] { quantize_nf4(torch::zeros({4, 64}), true, 100); });
        QVERIFY2(contains(e, "NF4 block size must be a power of two between 16 and 4096, got 100"), e.c_str());
    }
};

LATHE_TEST(TestPeftQuantize)
#include "test_peft_quantize.moc"
