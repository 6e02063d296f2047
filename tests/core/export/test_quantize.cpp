// Block quantizers checked against bytes worked out by hand from ggml's formulas, and half-float
// conversion against LibTorch's. (Bit-identity with llama.cpp's own code: test_quantize_llamacpp.)
#include "tests/registry.h"

#include "core/io/gguf_quant.h"
#include "core/util/error.h"

#include <QtTest>
#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace lathe;

namespace {

std::vector<uint8_t> encode(GgmlType t, const std::vector<float>& x) {
    std::vector<uint8_t> out(ggml_bytes(t, static_cast<int64_t>(x.size())));
    quantize(t, x.data(), static_cast<int64_t>(x.size()), out.data());
    return out;
}

std::vector<float> decode(GgmlType t, const std::vector<uint8_t>& bytes, size_t n) {
    std::vector<float> y(n);
    dequantize(t, bytes.data(), static_cast<int64_t>(n), y.data());
    return y;
}

uint16_t u16_at(const std::vector<uint8_t>& b, size_t i) { return static_cast<uint16_t>(b[i] | (b[i + 1] << 8)); }

float bits_to_float(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

std::vector<float> random_values(size_t n, unsigned seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> x(n);
    for (float& v : x) v = dist(rng);
    return x;
}

}  // namespace

class TestQuantize : public QObject {
    Q_OBJECT
private slots:
    void fp16KnownValues() {
        QCOMPARE(fp32_to_fp16(1.0f), uint16_t(0x3C00));
        QCOMPARE(fp32_to_fp16(-2.0f), uint16_t(0xC000));
        QCOMPARE(fp32_to_fp16(65504.0f), uint16_t(0x7BFF));
        QCOMPARE(fp32_to_fp16(65519.996f), uint16_t(0x7BFF));  // just below the halfway point to 65536
        QCOMPARE(fp32_to_fp16(65520.0f), uint16_t(0x7C00));    // halfway: ties to even, i.e. infinity
        QCOMPARE(fp32_to_fp16(-INFINITY), uint16_t(0xFC00));
        QCOMPARE(fp32_to_fp16(std::nanf("")), uint16_t(0x7E00));
        QCOMPARE(fp32_to_fp16(-std::nanf("")), uint16_t(0xFE00));
        QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -24)), uint16_t(0x0001));        // smallest subnormal
        QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -25)), uint16_t(0x0000));        // tie between 0 and 1: even
        QCOMPARE(fp32_to_fp16(std::ldexp(3.0f, -25)), uint16_t(0x0002));        // tie between 1 and 2: even
        QCOMPARE(fp32_to_fp16(std::ldexp(1.0f, -14)), uint16_t(0x0400));        // smallest normal
        QCOMPARE(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), uint16_t(0x3C00));  // tie: stays even
        QCOMPARE(fp32_to_fp16(1.0f + std::ldexp(3.0f, -11)), uint16_t(0x3C02));  // tie: rounds up to even
        QCOMPARE(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));
        QCOMPARE(fp16_to_fp32(0x7BFF), 65504.0f);
        QVERIFY(std::isinf(fp16_to_fp32(0xFC00)) && fp16_to_fp32(0xFC00) < 0);
        QVERIFY(std::isnan(fp16_to_fp32(0x7E00)));
    }

    // LibTorch's c10::Half uses the same round-to-nearest-even conversion as ggml; sweep the float
    // bit patterns (every 509th, all exponents and signs) and every half.
    void fp16MatchesTorchHalf() {
        for (uint64_t u = 0; u <= 0xFFFFFFFFull; u += 509) {
            const float f = bits_to_float(static_cast<uint32_t>(u));
            const uint16_t ours = fp32_to_fp16(f);
            const uint16_t torch_bits = c10::Half(f).x;
            if (ours != torch_bits)
                QFAIL(qPrintable(QString("float bits 0x%1: ours 0x%2, torch 0x%3").arg(u, 8, 16, QChar('0'))
                                     .arg(ours, 4, 16, QChar('0')).arg(torch_bits, 4, 16, QChar('0'))));
        }
        for (uint32_t h = 0; h <= 0xFFFF; ++h) {
            c10::Half th;
            th.x = static_cast<uint16_t>(h);
            const float ours = fp16_to_fp32(static_cast<uint16_t>(h));
            const float theirs = static_cast<float>(th);
            QVERIFY2(std::memcmp(&ours, &theirs, 4) == 0 || (std::isnan(ours) && std::isnan(theirs)),
                     qPrintable(QString("half 0x%1").arg(h, 4, 16, QChar('0'))));
            if (!std::isnan(ours)) QCOMPARE(fp32_to_fp16(ours), uint16_t(h));
        }
    }

    void bf16RoundsToNearestEven() {
        QCOMPARE(fp32_to_bf16(1.0f), uint16_t(0x3F80));
        QCOMPARE(fp32_to_bf16(bits_to_float(0x3F808000)), uint16_t(0x3F80));  // tie, even stays
        QCOMPARE(fp32_to_bf16(bits_to_float(0x3F818000)), uint16_t(0x3F82));  // tie, odd rounds up
        QCOMPARE(fp32_to_bf16(bits_to_float(0x3F808001)), uint16_t(0x3F81));
        QCOMPARE(fp32_to_bf16(bits_to_float(0x7F800001)), uint16_t(0x7FC0));  // signalling NaN -> quiet
        QCOMPARE(bf16_to_fp32(0xC000), -2.0f);
    }

    // d = amax/127 = 1 exactly, so q = roundf(x): halves round away from zero.
    void q8_0HandComputedBlock() {
        std::vector<float> x(32, 0.0f);
        const float in[] = {127.0f, -127.0f, 0.5f, -0.5f, 1.5f, 2.5f, 3.49f, -3.51f, 0.0f, 100.4f};
        const int want[] = {127, -127, 1, -1, 2, 3, 3, -4, 0, 100};
        std::copy(std::begin(in), std::end(in), x.begin());
        const auto b = encode(GgmlType::Q8_0, x);
        QCOMPARE(b.size(), size_t(34));
        QCOMPARE(u16_at(b, 0), uint16_t(0x3C00));
        for (size_t j = 0; j < std::size(want); ++j) QCOMPARE(int(int8_t(b[2 + j])), want[j]);
        for (size_t j = std::size(want); j < 32; ++j) QCOMPARE(int(b[2 + j]), 0);
        const auto y = decode(GgmlType::Q8_0, b, 32);
        QCOMPARE(y[0], 127.0f);
        QCOMPARE(y[7], -4.0f);
    }

    // Largest magnitude -8 gives d = -8/-8 = 1 and q = min(15, int(x + 8.5)); +8 gives d = -1.
    void q4_0HandComputedBlock() {
        std::vector<float> x(32, 0.0f);
        const float in[] = {-8.0f, 7.0f, 7.6f, -0.5f, 0.49f, 0.5f, -7.9f, 3.0f};
        const int want[] = {0, 15, 15, 8, 8, 9, 0, 11};
        std::copy(std::begin(in), std::end(in), x.begin());
        x[16] = 2.0f;  // shares byte 0 with x[0], in the high nibble
        auto b = encode(GgmlType::Q4_0, x);
        QCOMPARE(b.size(), size_t(18));
        QCOMPARE(u16_at(b, 0), uint16_t(0x3C00));
        for (size_t j = 0; j < std::size(want); ++j) QCOMPARE(int(b[2 + j] & 0x0F), want[j]);
        QCOMPARE(int(b[2] >> 4), 10);
        QCOMPARE(int(b[3] >> 4), 8);  // x[17] = 0

        std::vector<float> pos(32, 1.0f);
        pos[5] = 8.0f;
        pos[6] = -7.0f;
        b = encode(GgmlType::Q4_0, pos);
        QCOMPARE(u16_at(b, 0), uint16_t(0xBC00));  // d = -1
        QCOMPARE(int(b[2 + 5] & 0x0F), 0);          // -8 + 8.5 -> 0
        QCOMPARE(int(b[2 + 6] & 0x0F), 15);         // 7 + 8.5 -> 15
        QCOMPARE(int(b[2] & 0x0F), 7);              // -1 + 8.5 -> 7
        const auto y = decode(GgmlType::Q4_0, b, 32);
        QCOMPARE(y[5], 8.0f);
        QCOMPARE(y[0], 1.0f);
    }

    // d = -16/-16 = 1, q = min(31, int(x + 16.5)); the fifth bits sit in a u32 (value j -> bit j).
    void q5_0HandComputedBlock() {
        std::vector<float> x(32, 0.0f);
        x[0] = -16.0f;   // q 0
        x[1] = 15.0f;    // q 31
        x[2] = 0.6f;     // q 17 -> high bit
        x[17] = -3.0f;   // q 13
        x[18] = 5.0f;    // q 21 -> high bit 18
        const auto b = encode(GgmlType::Q5_0, x);
        QCOMPARE(b.size(), size_t(22));
        QCOMPARE(u16_at(b, 0), uint16_t(0x3C00));
        uint32_t qh;
        std::memcpy(&qh, b.data() + 2, 4);
        // Values with q >= 16: x[1] (31), x[2] (17), x[3..15] (16), x[16] (16), x[18] (21), x[19..31] (16).
        QCOMPARE(qh, 0xFFFDFFFEu);
        QCOMPARE(int(b[6] & 0x0F), 0);
        QCOMPARE(int(b[7] & 0x0F), 15);
        QCOMPARE(int(b[8] & 0x0F), 1);
        QCOMPARE(int(b[7] >> 4), 13);  // x[17]
        QCOMPARE(int(b[8] >> 4), 5);   // x[18] = 21 - 16
        const auto y = decode(GgmlType::Q5_0, b, 32);
        QCOMPARE(y[1], 15.0f);
        QCOMPARE(y[18], 5.0f);
        QCOMPARE(y[2], 1.0f);
    }

    // Values on an exact grid x = s_j*q - m_j (q in 0..15) with s_j = k_j/1024 and m_j = c_j/4096:
    // the fit is exact, so d = max s / 63 = 2^-10, dmin = 2^-12, the 6-bit scales are k_j and c_j,
    // and the nibbles are q. Every byte follows from the layout.
    void q4_KExactGridBlock() {
        const int k[8] = {63, 1, 17, 32, 40, 5, 63, 22};
        const int c[8] = {0, 63, 7, 16, 33, 0, 48, 1};
        std::vector<float> x(256);
        std::vector<int> q(256);
        for (int i = 0; i < 256; ++i) {
            const int j = i / 32;
            q[i] = (i * 7 + j) % 16;
            if (i % 32 == 0) q[i] = 0;   // every sub-block spans the full 0..15 range
            if (i % 32 == 1) q[i] = 15;
            x[i] = std::ldexp(float(k[j] * q[i]), -10) - std::ldexp(float(c[j]), -12);
        }
        const auto b = encode(GgmlType::Q4_K, x);
        QCOMPARE(b.size(), size_t(144));
        QCOMPARE(u16_at(b, 0), uint16_t(0x1400));  // 2^-10
        QCOMPARE(u16_at(b, 2), uint16_t(0x0C00));  // 2^-12
        uint8_t scales[12];
        for (int j = 0; j < 4; ++j) {
            scales[j] = uint8_t(k[j] | ((k[j + 4] >> 4) << 6));
            scales[j + 4] = uint8_t(c[j] | ((c[j + 4] >> 4) << 6));
            scales[j + 8] = uint8_t((k[j + 4] & 0xF) | ((c[j + 4] & 0xF) << 4));
        }
        for (int i = 0; i < 12; ++i) QCOMPARE(int(b[4 + i]), int(scales[i]));
        for (int g = 0; g < 4; ++g)
            for (int l = 0; l < 32; ++l) QCOMPARE(int(b[16 + 32 * g + l]), q[64 * g + l] | (q[64 * g + 32 + l] << 4));
        const auto y = decode(GgmlType::Q4_K, b, 256);
        for (int i = 0; i < 256; ++i) QCOMPARE(y[i], x[i]);
    }

    // x = s_ib*q with q in -32..31 and s_ib = k_ib/4096 (largest k = 128): d = -max s/128 = -2^-12,
    // the int8 scales are -k_ib, and the 6-bit codes are q + 32.
    void q6_KExactGridBlock() {
        int k[16];
        for (int ib = 0; ib < 16; ++ib) k[ib] = ib == 3 ? 128 : 1 + (ib * 37) % 127;
        std::vector<float> x(256);
        std::vector<int> L(256);
        for (int i = 0; i < 256; ++i) {
            const int q = i % 16 == 0 ? -32 : (i * 13) % 63 - 31;  // -32 in every sub-block
            L[i] = q + 32;
            x[i] = std::ldexp(float(k[i / 16] * q), -12);
        }
        const auto b = encode(GgmlType::Q6_K, x);
        QCOMPARE(b.size(), size_t(210));
        QCOMPARE(u16_at(b, 208), uint16_t(0x8C00));  // -2^-12
        for (int ib = 0; ib < 16; ++ib) QCOMPARE(int(int8_t(b[192 + ib])), -k[ib]);
        for (int h = 0; h < 2; ++h) {
            for (int l = 0; l < 32; ++l) {
                const int* v = &L[128 * h + l];
                QCOMPARE(int(b[64 * h + l]), (v[0] & 0xF) | ((v[64] & 0xF) << 4));
                QCOMPARE(int(b[64 * h + 32 + l]), (v[32] & 0xF) | ((v[96] & 0xF) << 4));
                QCOMPARE(int(b[128 + 32 * h + l]), (v[0] >> 4) | ((v[32] >> 4) << 2) | ((v[64] >> 4) << 4) | ((v[96] >> 4) << 6));
            }
        }
        const auto y = decode(GgmlType::Q6_K, b, 256);
        for (int i = 0; i < 256; ++i) QCOMPARE(y[i], x[i]);
    }

    void zeroBlocksEncodeToZeroBytes() {
        const std::vector<float> zeros(256, 0.0f);
        for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
            const auto b = encode(t, zeros);
            for (uint8_t v : b) QCOMPARE(int(v), 0);
            for (float y : decode(t, b, 256)) QCOMPARE(y, 0.0f);
        }
        // Q4_0 and Q5_0 keep the zero level at the middle code.
        const auto q4 = encode(GgmlType::Q4_0, zeros);
        for (size_t i = 2; i < 18; ++i) QCOMPARE(int(q4[i]), 0x88);
    }

    // Random data: every value decodes to within half a quantization step (plus the fp16 rounding
    // of d) of the input; the error shrinks with more bits.
    void randomDataRoundTripsWithinOneStep() {
        const auto x = random_values(256 * 64, 7, 0.02f);
        struct Case {
            GgmlType type;
            float max_rel_rmse;
        };
        const Case cases[] = {{GgmlType::F16, 1e-3f}, {GgmlType::BF16, 5e-3f}, {GgmlType::Q8_0, 0.01f},
                              {GgmlType::Q6_K, 0.04f}, {GgmlType::Q5_0, 0.06f}, {GgmlType::Q4_K, 0.12f},
                              {GgmlType::Q4_0, 0.15f}};
        double prev = 0;
        for (const Case& c : cases) {
            const auto y = decode(c.type, encode(c.type, x), x.size());
            double se = 0, sx = 0;
            for (size_t i = 0; i < x.size(); ++i) {
                se += double(y[i] - x[i]) * (y[i] - x[i]);
                sx += double(x[i]) * x[i];
            }
            const double rel = std::sqrt(se / sx);
            QVERIFY2(rel < c.max_rel_rmse, qPrintable(QString("%1: relative RMSE %2").arg(ggml_type_name(c.type)).arg(rel)));
            QVERIFY2(rel >= prev * 0.5, qPrintable(QString("%1 out of order").arg(ggml_type_name(c.type))));
            prev = rel;
        }
        // Q8_0 per value: |x - y| <= d/2 (+ the fp16 rounding of d times 127).
        const auto b = encode(GgmlType::Q8_0, x);
        const auto y = decode(GgmlType::Q8_0, b, x.size());
        for (size_t blk = 0; blk < x.size() / 32; ++blk) {
            const float d = fp16_to_fp32(u16_at(b, blk * 34));
            for (size_t j = 0; j < 32; ++j) {
                const size_t i = blk * 32 + j;
                QVERIFY(std::fabs(y[i] - x[i]) <= d * 0.5f + d * 127 * 1e-3f);
            }
        }
    }

    // quantize() splits work across threads; the bytes must equal one serial pass.
    void threadedEncodingEqualsSerial() {
        const auto x = random_values(256 * 300, 11);
        std::vector<uint8_t> serial(ggml_bytes(GgmlType::Q4_K, int64_t(x.size())));
        quantize_row_q4_K(x.data(), serial.data(), int64_t(x.size()));
        QVERIFY(encode(GgmlType::Q4_K, x) == serial);
        std::vector<uint8_t> serial6(ggml_bytes(GgmlType::Q6_K, int64_t(x.size())));
        quantize_row_q6_K(x.data(), serial6.data(), int64_t(x.size()));
        QVERIFY(encode(GgmlType::Q6_K, x) == serial6);
    }

    void rejectsPartialBlocks() {
        std::vector<float> x(100, 1.0f);
        std::vector<uint8_t> out(1024);
        try {
            quantize(GgmlType::Q4_K, x.data(), 100, out.data());
            QFAIL("expected an error");
        } catch (const IoError& e) {
            QCOMPARE(std::string(e.what()), std::string("q4_K encodes blocks of 256 values; 100 is not a multiple"));
        }
        try {
            quantize(static_cast<GgmlType>(3), x.data(), 32, out.data());
            QFAIL("expected an error");
        } catch (const IoError& e) {
            QCOMPARE(std::string(e.what()), std::string("Lathe cannot encode or decode ggml type q4_1 (3)"));
        }
        try {
            parse_ggml_type("q3_k");
            QFAIL("expected an error");
        } catch (const ConfigError& e) {
            QVERIFY2(std::string(e.what()).find("expected one of f32, f16, bf16, q8_0, q4_0, q5_0, q4_K, q6_K") != std::string::npos, e.what());
        }
        QCOMPARE(parse_ggml_type("Q4_k"), GgmlType::Q4_K);
    }

    // llama-quantize's Q4_K_M choices for a 32-layer llama: half the attn_v/ffn_down get Q6_K.
    void q4KMTypeChoices() {
        int n_q6 = 0;
        for (int i = 0; i < 32; ++i) {
            const std::string blk = "blk." + std::to_string(i);
            const GgmlType v = llama_q4_k_m_type(blk + ".attn_v.weight", 2, 4096, 32, false);
            QCOMPARE(llama_q4_k_m_type(blk + ".ffn_down.weight", 2, 14336, 32, false), v);
            QCOMPARE(llama_q4_k_m_type(blk + ".attn_q.weight", 2, 4096, 32, false), GgmlType::Q4_K);
            QCOMPARE(llama_q4_k_m_type(blk + ".attn_norm.weight", 1, 4096, 32, false), GgmlType::F32);
            n_q6 += v == GgmlType::Q6_K;
        }
        QCOMPARE(n_q6, 16);  // layers 0-3, 28-31 and 6, 9, ..., 27
        QCOMPARE(llama_q4_k_m_type("blk.4.attn_v.weight", 2, 4096, 32, false), GgmlType::Q4_K);
        QCOMPARE(llama_q4_k_m_type("blk.6.attn_v.weight", 2, 4096, 32, false), GgmlType::Q6_K);
        QCOMPARE(llama_q4_k_m_type("output.weight", 2, 4096, 32, false), GgmlType::Q6_K);
        QCOMPARE(llama_q4_k_m_type("token_embd.weight", 2, 4096, 32, false), GgmlType::Q4_K);
        QCOMPARE(llama_q4_k_m_type("token_embd.weight", 2, 4096, 32, true), GgmlType::Q6_K);
        QCOMPARE(llama_q4_k_m_type("output_norm.weight", 1, 4096, 32, false), GgmlType::F32);
        // Rows that do not split into 256-value super-blocks fall back.
        QCOMPARE(llama_q4_k_m_type("blk.5.attn_q.weight", 2, 96, 32, false), GgmlType::Q5_0);
        QCOMPARE(llama_q4_k_m_type("blk.0.attn_v.weight", 2, 96, 32, false), GgmlType::Q8_0);
        QCOMPARE(llama_q4_k_m_type("output.weight", 2, 96, 32, false), GgmlType::Q8_0);
        QCOMPARE(llama_q4_k_m_type("blk.5.attn_q.weight", 2, 100, 32, false), GgmlType::F16);
    }
};

LATHE_TEST(TestQuantize)
#include "test_quantize.moc"
