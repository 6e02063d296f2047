// Block quantizers, following ggml-quants.c's reference functions operation by operation: the same
// float operations in the same order (float, never double), the same integer conversions, the same
// tie-breaking (`>` vs `>=`), so the bytes match llama-quantize's. Comments name the ggml function
// each piece mirrors.
#include "core/io/gguf_quant.h"

#include "core/util/error.h"
#include "core/util/strings.h"

#include <torch/torch.h>

#include <cctype>
#include <cmath>
#include <cstring>

namespace lathe {

// ---- half and bfloat16 ----------------------------------------------------------------------------

uint16_t fp32_to_fp16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
    const uint32_t a = x & 0x7FFFFFFF;
    if (a > 0x7F800000) return sign | 0x7E00;   // NaN -> quiet NaN, payload dropped
    if (a >= 0x477FF000) return sign | 0x7C00;  // >= 65520 rounds past the largest half (65504)
    if (a >= 0x38800000) {                      // normal half (>= 2^-14)
        const uint32_t h = ((a >> 13) - (112u << 10));  // rebias exponent 127 -> 15, keep 10 mantissa bits
        const uint32_t rest = a & 0x1FFF;
        const uint32_t up = rest > 0x1000 || (rest == 0x1000 && (h & 1));
        return static_cast<uint16_t>(sign | (h + up));  // a carry may step into the next exponent: correct
    }
    // Subnormal half: value / 2^-24, rounded to nearest even; below 2^-25 everything rounds to 0.
    const uint32_t e = a >> 23;
    if (e < 102) return sign;
    const uint32_t m = (a & 0x7FFFFF) | 0x800000;
    const uint32_t shift = 126 - e;  // 14..24
    uint32_t q = m >> shift;
    const uint32_t rest = m & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rest > half || (rest == half && (q & 1))) ++q;
    return static_cast<uint16_t>(sign | q);
}

float fp16_to_fp32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t man = h & 0x3FF;
    uint32_t bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000 | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {  // subnormal: normalise
        exp = 113;
        while ((man & 0x400) == 0) {
            man <<= 1;
            --exp;
        }
        bits = sign | (exp << 23) | ((man & 0x3FF) << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

namespace {

constexpr int64_t kQK = 32;    // QK8_0, QK4_0, QK5_0
constexpr int64_t kQKK = 256;  // QK_K
constexpr float kGroupMaxEps = 1e-15f;

void check_blocks(int64_t n, int64_t block, const char* type) {
    if (n < 0 || n % block != 0)
        throw IoError(std::string(type) + " encodes blocks of " + std::to_string(block) + " values; " +
                      std::to_string(n) + " is not a multiple");
}

void put_f16(uint8_t* p, float v) {
    const uint16_t h = fp32_to_fp16(v);
    std::memcpy(p, &h, 2);
}

float get_f16(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return fp16_to_fp32(h);
}

// ggml's nearest_int: adding 1.5 * 2^23 leaves round-half-to-even(x) in the low mantissa bits
// (valid for |x| < 2^22, which every caller guarantees).
int nearest_int(float x) {
    const float v = x + 12582912.f;
    int32_t i;
    std::memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

}  // namespace

// ---- 32-value blocks ------------------------------------------------------------------------------

void quantize_row_q8_0(const float* x, uint8_t* out, int64_t n) {
    check_blocks(n, kQK, "q8_0");
    for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += 34) {
        float amax = 0.0f;
        for (int j = 0; j < kQK; ++j) {
            const float a = std::fabs(x[j]);
            amax = amax > a ? amax : a;  // ggml's MAX(amax, a)
        }
        const float d = amax / 127;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        put_f16(out, d);
        for (int j = 0; j < kQK; ++j) out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::round(x[j] * id)));
    }
}

// Q4_0 and Q5_0 scale by the value of largest magnitude, sign included, so that it maps to the
// most negative level exactly (-8 or -16) and the positive side keeps one level less.
void quantize_row_q4_0(const float* x, uint8_t* out, int64_t n) {
    check_blocks(n, kQK, "q4_0");
    for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += 18) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < kQK; ++j) {
            if (amax < std::fabs(x[j])) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        put_f16(out, d);
        for (int j = 0; j < kQK / 2; ++j) {
            const int lo = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
            const int hi = std::min(15, static_cast<int>(static_cast<int8_t>(x[kQK / 2 + j] * id + 8.5f)));
            out[2 + j] = static_cast<uint8_t>(lo | (hi << 4));
        }
    }
}

void quantize_row_q5_0(const float* x, uint8_t* out, int64_t n) {
    check_blocks(n, kQK, "q5_0");
    for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += 22) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < kQK; ++j) {
            if (amax < std::fabs(x[j])) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        }
        const float d = max / -16;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        put_f16(out, d);
        uint32_t qh = 0;
        for (int j = 0; j < kQK / 2; ++j) {
            const int lo = std::min(31, static_cast<int>(static_cast<int8_t>(x[j] * id + 16.5f)));
            const int hi = std::min(31, static_cast<int>(static_cast<int8_t>(x[kQK / 2 + j] * id + 16.5f)));
            out[6 + j] = static_cast<uint8_t>((lo & 0x0F) | ((hi & 0x0F) << 4));
            qh |= static_cast<uint32_t>((lo & 0x10) >> 4) << j;
            qh |= static_cast<uint32_t>((hi & 0x10) >> 4) << (j + kQK / 2);
        }
        std::memcpy(out + 2, &qh, 4);
    }
}

void dequantize_row_q8_0(const uint8_t* in, float* y, int64_t n) {
    check_blocks(n, kQK, "q8_0");
    for (int64_t b = 0; b < n / kQK; ++b, in += 34, y += kQK) {
        const float d = get_f16(in);
        for (int j = 0; j < kQK; ++j) y[j] = static_cast<int8_t>(in[2 + j]) * d;
    }
}

void dequantize_row_q4_0(const uint8_t* in, float* y, int64_t n) {
    check_blocks(n, kQK, "q4_0");
    for (int64_t b = 0; b < n / kQK; ++b, in += 18, y += kQK) {
        const float d = get_f16(in);
        for (int j = 0; j < kQK / 2; ++j) {
            y[j] = ((in[2 + j] & 0x0F) - 8) * d;
            y[j + kQK / 2] = ((in[2 + j] >> 4) - 8) * d;
        }
    }
}

void dequantize_row_q5_0(const uint8_t* in, float* y, int64_t n) {
    check_blocks(n, kQK, "q5_0");
    for (int64_t b = 0; b < n / kQK; ++b, in += 22, y += kQK) {
        const float d = get_f16(in);
        uint32_t qh;
        std::memcpy(&qh, in + 2, 4);
        for (int j = 0; j < kQK / 2; ++j) {
            const int lo = (in[6 + j] & 0x0F) | static_cast<int>(((qh >> j) << 4) & 0x10);
            const int hi = (in[6 + j] >> 4) | static_cast<int>((qh >> (j + 12)) & 0x10);
            y[j] = (lo - 16) * d;
            y[j + kQK / 2] = (hi - 16) * d;
        }
    }
}

// ---- Q4_K -----------------------------------------------------------------------------------------

namespace {

// make_qkx2_quants: fits x ~ scale * L - the_min with L in [0, nmax] and the_min >= 0, by a
// weighted least-squares refit at nstep+1 trial scales around nmax / (max - min).
float fit_scale_min(int n, int nmax, const float* x, const float* w, uint8_t* L, float* the_min, float rmin,
                    float rdelta, int nstep) {
    float min = x[0], max = x[0];
    float sum_w = w[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        std::fill(L, L + n, 0);
        *the_min = -min;
        return 0.f;
    }
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<uint8_t>(std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min)))));
        const float diff = scale * L[i] + min - x[i];
        best_error += w[i] * (diff * diff);
    }
    uint8_t trial[kQKK];
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * is + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::max(0, std::min(nmax, nearest_int(iscale * (x[i] - min))));
            trial[i] = static_cast<uint8_t>(l);
            sum_l += w[i] * l;
            sum_l2 += w[i] * l * l;
            sum_xl += w[i] * l * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0)) continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0) {
            this_min = 0;
            this_scale = sum_xl / sum_l2;
        }
        float error = 0;
        for (int i = 0; i < n; ++i) {
            const float diff = this_scale * trial[i] + this_min - x[i];
            error += w[i] * (diff * diff);
        }
        if (error < best_error) {
            std::copy(trial, trial + n, L);
            best_error = error;
            scale = this_scale;
            min = this_min;
        }
    }
    *the_min = -min;
    return scale;
}

// get_scale_min_k4: sub-block j's 6-bit scale and min from the 12 packed bytes.
void unpack_scale_min(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// One 256-value super-block -> 144 bytes: d | dmin | scales[12] | qs[128].
void quantize_block_q4_K(const float* x, uint8_t* out) {
    uint8_t L[kQKK];
    float scales[8], mins[8], weights[32];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
        const float* xs = x + 32 * j;
        float sum_x2 = 0;
        for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
        const float av_x = std::sqrt(sum_x2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
        scales[j] = fit_scale_min(32, 15, xs, weights, L + 32 * j, &mins[j], -1.f, 0.1f, 20);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    // 6-bit sub-block scales and mins relative to the super-block's d and dmin.
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    uint8_t* packed = out + 4;
    for (int j = 0; j < 8; ++j) {
        const uint8_t ls = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
        const uint8_t lm = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
        if (j < 4) {
            packed[j] = ls;
            packed[j + 4] = lm;
        } else {  // low 4 bits in bytes 8..11, high 2 bits in the top of bytes 0..7
            packed[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
            packed[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
            packed[j] |= static_cast<uint8_t>((lm >> 4) << 6);
        }
    }
    put_f16(out, max_scale / 63.f);
    put_f16(out + 2, max_min / 63.f);
    // Requantize against the rounded scales actually stored.
    for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        unpack_scale_min(j, packed, &sc, &m);
        const float d = get_f16(out) * sc;
        if (d == 0.0f) continue;
        const float dm = get_f16(out + 2) * m;
        for (int i = 0; i < 32; ++i)
            L[32 * j + i] = static_cast<uint8_t>(std::max(0, std::min(15, nearest_int((x[32 * j + i] + dm) / d))));
    }
    // Each 32-byte group holds 64 values: the first 32 in low nibbles, the next 32 in high nibbles.
    uint8_t* q = out + 16;
    for (int j = 0; j < kQKK; j += 64, q += 32)
        for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
}

}  // namespace

void quantize_row_q4_K(const float* x, uint8_t* out, int64_t n) {
    check_blocks(n, kQKK, "q4_K");
    for (int64_t b = 0; b < n / kQKK; ++b) quantize_block_q4_K(x + b * kQKK, out + b * 144);
}

void dequantize_row_q4_K(const uint8_t* in, float* y, int64_t n) {
    check_blocks(n, kQKK, "q4_K");
    for (int64_t b = 0; b < n / kQKK; ++b, in += 144) {
        const float d = get_f16(in), dmin = get_f16(in + 2);
        const uint8_t* q = in + 16;
        for (int j = 0; j < 8; j += 2, q += 32) {
            uint8_t sc, m;
            unpack_scale_min(j, in + 4, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            unpack_scale_min(j + 1, in + 4, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
        }
    }
}

// ---- Q6_K -----------------------------------------------------------------------------------------

namespace {

// make_qx_quants with rmse_type 1 and no importance weights: a symmetric fit x ~ scale * (L - nmax),
// L in [0, 2*nmax), weighted by x^2, trying 18 scales around nmax / max.
float fit_symmetric(int n, int nmax, const float* x, int8_t* L) {
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < kGroupMaxEps) {
        std::fill(L, L + n, 0);
        return 0.f;
    }
    auto level = [&](float iscale, int i) { return std::max(-nmax, std::min(nmax - 1, nearest_int(iscale * x[i]))); };
    float iscale = -nmax / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = level(iscale, i);
        L[i] = static_cast<int8_t>(l + nmax);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(nmax + 0.1f * is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = level(iscale, i);
            const float w = x[i] * x[i];
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(nmax + level(iscale, i));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

// One 256-value super-block -> 210 bytes: ql[128] | qh[64] | int8 scales[16] | d.
void quantize_block_q6_K(const float* x, uint8_t* out) {
    int8_t L[kQKK];
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    for (int ib = 0; ib < 16; ++ib) {
        scales[ib] = fit_symmetric(16, 32, x + 16 * ib, L + 16 * ib);
        const float abs_scale = std::fabs(scales[ib]);
        if (abs_scale > max_abs_scale) {
            max_abs_scale = abs_scale;
            max_scale = scales[ib];
        }
    }
    if (max_abs_scale < kGroupMaxEps) {
        std::memset(out, 0, 210);
        return;
    }
    const float iscale = -128.f / max_scale;
    put_f16(out + 208, 1 / iscale);
    int8_t* sc = reinterpret_cast<int8_t*>(out + 192);
    for (int ib = 0; ib < 16; ++ib) sc[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
    for (int j = 0; j < 16; ++j) {
        const float d = get_f16(out + 208) * sc[j];
        if (d == 0.0f) continue;
        for (int i = 0; i < 16; ++i)
            L[16 * j + i] = static_cast<int8_t>(std::max(-32, std::min(31, nearest_int(x[16 * j + i] / d))) + 32);
    }
    // Per 128 values: low nibbles of values l and l+64 share ql[l], of l+32 and l+96 share ql[l+32];
    // the four values' top 2 bits share qh[l].
    uint8_t* ql = out;
    uint8_t* qh = out + 128;
    for (int j = 0; j < kQKK; j += 128, ql += 64, qh += 32) {
        for (int l = 0; l < 32; ++l) {
            const int8_t* v = L + j + l;
            ql[l] = static_cast<uint8_t>((v[0] & 0xF) | ((v[64] & 0xF) << 4));
            ql[l + 32] = static_cast<uint8_t>((v[32] & 0xF) | ((v[96] & 0xF) << 4));
            qh[l] = static_cast<uint8_t>((v[0] >> 4) | ((v[32] >> 4) << 2) | ((v[64] >> 4) << 4) | ((v[96] >> 4) << 6));
        }
    }
}

}  // namespace

void quantize_row_q6_K(const float* x, uint8_t* out, int64_t n) {
    check_blocks(n, kQKK, "q6_K");
    for (int64_t b = 0; b < n / kQKK; ++b) quantize_block_q6_K(x + b * kQKK, out + b * 210);
}

void dequantize_row_q6_K(const uint8_t* in, float* y, int64_t n) {
    check_blocks(n, kQKK, "q6_K");
    for (int64_t b = 0; b < n / kQKK; ++b, in += 210) {
        const float d = get_f16(in + 208);
        const uint8_t* ql = in;
        const uint8_t* qh = in + 128;
        const int8_t* sc = reinterpret_cast<const int8_t*>(in + 192);
        for (int j = 0; j < kQKK; j += 128, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * sc[is] * q1;
                y[l + 32] = d * sc[is + 2] * q2;
                y[l + 64] = d * sc[is + 4] * q3;
                y[l + 96] = d * sc[is + 6] * q4;
            }
        }
    }
}

// ---- dispatch -------------------------------------------------------------------------------------

namespace {

using RowFn = void (*)(const float*, uint8_t*, int64_t);
using DeRowFn = void (*)(const uint8_t*, float*, int64_t);

void quantize_f32(const float* x, uint8_t* out, int64_t n) { std::memcpy(out, x, static_cast<size_t>(n) * 4); }
void quantize_f16(const float* x, uint8_t* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) put_f16(out + 2 * i, x[i]);
}
void quantize_bf16(const float* x, uint8_t* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = fp32_to_bf16(x[i]);
        std::memcpy(out + 2 * i, &h, 2);
    }
}
void dequantize_f32(const uint8_t* in, float* y, int64_t n) { std::memcpy(y, in, static_cast<size_t>(n) * 4); }
void dequantize_f16(const uint8_t* in, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = get_f16(in + 2 * i);
}
void dequantize_bf16(const uint8_t* in, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        y[i] = bf16_to_fp32(h);
    }
}

struct Codec {
    GgmlType type;
    RowFn encode;
    DeRowFn decode;
};

const Codec kCodecs[] = {
    {GgmlType::F32, quantize_f32, dequantize_f32},         {GgmlType::F16, quantize_f16, dequantize_f16},
    {GgmlType::BF16, quantize_bf16, dequantize_bf16},      {GgmlType::Q8_0, quantize_row_q8_0, dequantize_row_q8_0},
    {GgmlType::Q4_0, quantize_row_q4_0, dequantize_row_q4_0}, {GgmlType::Q5_0, quantize_row_q5_0, dequantize_row_q5_0},
    {GgmlType::Q4_K, quantize_row_q4_K, dequantize_row_q4_K}, {GgmlType::Q6_K, quantize_row_q6_K, dequantize_row_q6_K},
};

const Codec& codec(GgmlType type) {
    for (const Codec& c : kCodecs)
        if (c.type == type) return c;
    throw IoError(std::string("Lathe cannot encode or decode ggml type ") + ggml_type_name(type) + " (" +
                  std::to_string(static_cast<uint32_t>(type)) + ")");
}

// Splits n values into whole blocks across threads; each block's bytes depend on it alone.
template <class F>
void for_blocks(GgmlType type, int64_t n, F&& f) {
    const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
    check_blocks(n, info->block_size, info->name);
    const int64_t n_blocks = n / info->block_size;
    const int64_t grain = std::max<int64_t>(1, (1 << 16) / info->block_size);
    at::parallel_for(0, n_blocks, grain, [&](int64_t b0, int64_t b1) {
        f(b0 * info->block_size, (b1 - b0) * info->block_size, b0 * static_cast<int64_t>(info->block_bytes));
    });
}

}  // namespace

void quantize(GgmlType type, const float* x, int64_t n, uint8_t* out) {
    const Codec& c = codec(type);
    for_blocks(type, n, [&](int64_t v0, int64_t nv, int64_t byte0) { c.encode(x + v0, out + byte0, nv); });
}

void dequantize(GgmlType type, const uint8_t* in, int64_t n, float* y) {
    const Codec& c = codec(type);
    for_blocks(type, n, [&](int64_t v0, int64_t nv, int64_t byte0) { c.decode(in + byte0, y + v0, nv); });
}

// ---- llama.cpp's Q4_K_M mix -----------------------------------------------------------------------

namespace {

// llama-quant.cpp's use_more_bits: the first and last eighth of the layers, and every third between.
bool use_more_bits(int i_layer, int n_layer) {
    return i_layer < n_layer / 8 || i_layer >= 7 * n_layer / 8 || (i_layer - n_layer / 8) % 3 == 2;
}

// "blk.12.attn_v.weight" -> 12; -1 when the name has no layer.
int layer_of(const std::string& name) {
    if (name.rfind("blk.", 0) != 0) return -1;
    size_t end = 4;
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
    if (end == 4 || end >= name.size() || name[end] != '.') return -1;
    return std::stoi(name.substr(4, end - 4));
}

// tensor_type_fallback: rows that do not split into the type's blocks.
GgmlType fit_row(GgmlType t, int64_t ne0) {
    const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(t));
    if (ne0 % info->block_size == 0) return t;
    const GgmlType smaller = t == GgmlType::Q4_K ? GgmlType::Q5_0 : t == GgmlType::Q6_K ? GgmlType::Q8_0 : t;
    return ne0 % kQK == 0 ? smaller : GgmlType::F16;
}

}  // namespace

GgmlType llama_q4_k_m_type(const std::string& name, int n_dims, int64_t ne0, int n_layer, bool tied_embeddings) {
    if (n_dims < 2 || !ends_with(name, "weight") || name.find("_norm.weight") != std::string::npos)
        return GgmlType::F32;
    if (name == "output.weight" || (tied_embeddings && name == "token_embd.weight"))
        return ne0 % kQKK == 0 ? GgmlType::Q6_K : GgmlType::Q8_0;
    GgmlType t = GgmlType::Q4_K;
    const int layer = layer_of(name);
    if (layer >= 0 && (ends_with(name, ".attn_v.weight") || ends_with(name, ".ffn_down.weight")) &&
        use_more_bits(layer, n_layer))
        t = GgmlType::Q6_K;
    return fit_row(t, ne0);
}

}  // namespace lathe
