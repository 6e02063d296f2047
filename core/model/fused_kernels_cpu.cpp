#include "core/model/fused_kernels_cpu.h"

#include "core/infer/amx.h"
#include "core/infer/gemv.h"
#include "core/io/gguf_quant.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LATHE_X86 1
#endif

namespace lathe::cpu_kernels {

bool available() { return kernels::avx512_enabled() || kernels::avx2_enabled(); }

#ifdef LATHE_X86

namespace {

#define LATHE_AVX512 "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"
#define K512 __attribute__((target(LATHE_AVX512)))

using bf16 = uint16_t;

K512 inline __mmask16 tail(int64_t left) { return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1); }

K512 inline __m512 load(const float* p, __mmask16 k) { return _mm512_maskz_loadu_ps(k, p); }
K512 inline __m512 load(const bf16* p, __mmask16 k) {
    const __m256i h = _mm256_maskz_loadu_epi16(k, p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

// float32 -> bf16 bits (round to nearest even, NaN kept a quiet NaN) in the low half of each lane.
K512 inline __m512i bf16_bits(__m512 v) {
    const __m512i u = _mm512_castps_si512(v);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb), 16);
    return _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_set1_epi32(0x7fc0));
}

K512 inline void store(float* p, __m512 v, __mmask16 k) { _mm512_mask_storeu_ps(p, k, v); }
K512 inline void store(bf16* p, __m512 v, __mmask16 k) { _mm256_mask_storeu_epi16(p, k, _mm512_cvtepi32_epi16(bf16_bits(v))); }

// v rounded to T's precision, still as float32.
template <typename T>
K512 inline __m512 round_to(__m512 v) {
    if constexpr (std::is_same_v<T, float>) return v;
    else return _mm512_castsi512_ps(_mm512_slli_epi32(bf16_bits(v), 16));
}

// exp(x) to about 1 ulp: 2^n * e^r with |r| <= ln2 / 2 and a degree-7 polynomial; NaN stays NaN.
K512 inline __m512 exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_set1_ps(88.7f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606820309417e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

// 1 / d for d >= 1: the 14-bit estimate and one Newton step (about 2^-27 relative), several times
// cheaper than a division.
K512 inline __m512 reciprocal512(__m512 d) {
    const __m512 r = _mm512_rcp14_ps(d);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

K512 inline __m512 sigmoid512(__m512 x) {
    return reciprocal512(_mm512_add_ps(_mm512_set1_ps(1.0f), exp512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

// silu(x) = x / (1 + exp(-x)).
K512 inline __m512 silu512(__m512 x) { return _mm512_mul_ps(x, sigmoid512(x)); }

// ---- SwiGLU ----

template <typename T>
K512 void swiglu_forward_range(const T* gate, const T* up, T* out, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i += 16) {
        const __mmask16 k = tail(end - i);
        const __m512 g = load(gate + i, k);
        const __m512 s = round_to<T>(silu512(g));  // silu(gate) in T
        store(out + i, _mm512_mul_ps(s, load(up + i, k)), k);
    }
}

template <typename T>
K512 void swiglu_backward_range(const T* grad, const T* gate, const T* up, T* dgate, T* dup, int64_t begin,
                                int64_t end) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (int64_t i = begin; i < end; i += 16) {
        const __mmask16 k = tail(end - i);
        const __m512 g = load(grad + i, k), x = load(gate + i, k);
        const __m512 sig = sigmoid512(x);
        if (dgate) {  // silu_backward(grad * up, gate) = (grad * up) * sig * (1 + x * (1 - sig))
            const __m512 gu = round_to<T>(_mm512_mul_ps(g, load(up + i, k)));
            const __m512 d = _mm512_mul_ps(_mm512_mul_ps(gu, sig), _mm512_fmadd_ps(x, _mm512_sub_ps(one, sig), one));
            store(dgate + i, d, k);
        }
        if (dup) store(dup + i, _mm512_mul_ps(g, round_to<T>(_mm512_mul_ps(x, sig))), k);
    }
}

// ---- RMSNorm ----

template <typename TX, typename TW, typename TO>
K512 void rms_norm_forward_rows(const TX* x, const TW* w, TO* out, float* rstd, int64_t begin, int64_t end, int64_t C,
                                float eps) {
    for (int64_t r = begin; r < end; ++r) {
        const TX* xr = x + r * C;
        __m512 acc = _mm512_setzero_ps();
        for (int64_t c = 0; c < C; c += 16) {
            const __m512 v = load(xr + c, tail(C - c));
            acc = _mm512_fmadd_ps(v, v, acc);
        }
        const float s = 1.0f / std::sqrt(_mm512_reduce_add_ps(acc) / float(C) + eps);
        rstd[r] = s;
        const __m512 sv = _mm512_set1_ps(s);
        for (int64_t c = 0; c < C; c += 16) {
            const __mmask16 k = tail(C - c);
            const __m512 n = round_to<TX>(_mm512_mul_ps(load(xr + c, k), sv));
            store(out + r * C + c, _mm512_mul_ps(load(w + c, k), n), k);
        }
    }
}

template <typename TG, typename TX, typename TW>
K512 void rms_norm_backward_rows(const TG* g, const TX* x, const TW* w, const float* rstd, TX* dx, float* dw,
                                 int64_t begin, int64_t end, int64_t C) {
    for (int64_t r = begin; r < end; ++r) {
        const TG* gr = g + r * C;
        const TX* xr = x + r * C;
        const __m512 s = _mm512_set1_ps(rstd[r]);
        if (dx) {
            __m512 acc = _mm512_setzero_ps();
            for (int64_t c = 0; c < C; c += 16) {
                const __mmask16 k = tail(C - c);
                acc = _mm512_fmadd_ps(_mm512_mul_ps(load(gr + c, k), load(w + c, k)), load(xr + c, k), acc);
            }
            const float mean = _mm512_reduce_add_ps(acc) / float(C);
            const __m512 coef = _mm512_set1_ps(mean * rstd[r] * rstd[r] * rstd[r]);
            for (int64_t c = 0; c < C; c += 16) {
                const __mmask16 k = tail(C - c);
                const __m512 gw = _mm512_mul_ps(load(gr + c, k), load(w + c, k));
                store(dx + r * C + c, _mm512_fnmadd_ps(load(xr + c, k), coef, _mm512_mul_ps(gw, s)), k);
            }
        }
        if (dw) {
            for (int64_t c = 0; c < C; c += 16) {
                const __mmask16 k = tail(C - c);
                const __m512 n = round_to<TX>(_mm512_mul_ps(load(xr + c, k), s));
                store(dw + c, _mm512_fmadd_ps(load(gr + c, k), n, load(dw + c, k)), k);
            }
        }
    }
}

// ---- SwiGLU and RMSNorm with AVX2 + FMA (processors without AVX-512) ----
// The same formulas in 8 lanes; a partial vector goes through a zero-padded copy, so the tail computes
// exactly as the body.

#define LATHE_AVX2 "avx2,fma"
#define K256 __attribute__((target(LATHE_AVX2)))

K256 inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
K256 inline __m256 load8(const bf16* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

// float32 -> bf16 bits (round to nearest even, NaN kept a quiet NaN) in the low half of each lane.
K256 inline __m256i bf16_bits8(__m256 v) {
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    const __m256i r = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), lsb), 16);
    const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(r), _mm256_castsi256_ps(_mm256_set1_epi32(0x7fc0)), nan));
}

K256 inline void store8(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
K256 inline void store8(bf16* p, __m256 v) {
    const __m256i r = bf16_bits8(v);                                                  // 8 x u32, values < 2^16
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0xd8);  // lanes 0-7 in order
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
}

// n elements (all 8 when n >= 8), the missing lanes zero.
template <typename T>
K256 inline __m256 load_n(const T* p, int64_t n) {
    if (n >= 8) return load8(p);
    T buf[8] = {};
    std::memcpy(buf, p, size_t(n) * sizeof(T));
    return load8(buf);
}
template <typename T>
K256 inline void store_n(T* p, __m256 v, int64_t n) {
    if (n >= 8) return store8(p, v);
    T buf[8];
    store8(buf, v);
    std::memcpy(p, buf, size_t(n) * sizeof(T));
}

template <typename T>
K256 inline __m256 round_to8(__m256 v) {
    if constexpr (std::is_same_v<T, float>) return v;
    else return _mm256_castsi256_ps(_mm256_slli_epi32(bf16_bits8(v), 16));
}

K256 inline float sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// exp(x) as exp512 (2^n * e^r, degree-7 polynomial), with 2^n built in the exponent bits: x is clamped to
// [-87.3, 88.3] so that n stays a normal exponent. NaN stays NaN.
K256 inline __m256 exp256(__m256 x) {
    const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    const __m256 xc = _mm256_min_ps(_mm256_set1_ps(88.3f), _mm256_max_ps(_mm256_set1_ps(-87.3f), x));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), xc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606820309417e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
    return _mm256_blendv_ps(_mm256_mul_ps(p, scale), x, nan);
}

// 1 / d for d >= 1: the 12-bit estimate and one Newton step.
K256 inline __m256 reciprocal256(__m256 d) {
    const __m256 r = _mm256_rcp_ps(d);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(d, r, _mm256_set1_ps(2.0f)));
}

K256 inline __m256 sigmoid256(__m256 x) {
    return reciprocal256(_mm256_add_ps(_mm256_set1_ps(1.0f), exp256(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

template <typename T>
K256 void swiglu_forward_range8(const T* gate, const T* up, T* out, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i += 8) {
        const int64_t n = end - i;
        const __m256 g = load_n(gate + i, n);
        const __m256 s = round_to8<T>(_mm256_mul_ps(g, sigmoid256(g)));  // silu(gate) in T
        store_n(out + i, _mm256_mul_ps(s, load_n(up + i, n)), n);
    }
}

template <typename T>
K256 void swiglu_backward_range8(const T* grad, const T* gate, const T* up, T* dgate, T* dup, int64_t begin,
                                 int64_t end) {
    const __m256 one = _mm256_set1_ps(1.0f);
    for (int64_t i = begin; i < end; i += 8) {
        const int64_t n = end - i;
        const __m256 g = load_n(grad + i, n), x = load_n(gate + i, n);
        const __m256 sig = sigmoid256(x);
        if (dgate) {
            const __m256 gu = round_to8<T>(_mm256_mul_ps(g, load_n(up + i, n)));
            store_n(dgate + i, _mm256_mul_ps(_mm256_mul_ps(gu, sig), _mm256_fmadd_ps(x, _mm256_sub_ps(one, sig), one)), n);
        }
        if (dup) store_n(dup + i, _mm256_mul_ps(g, round_to8<T>(_mm256_mul_ps(x, sig))), n);
    }
}

template <typename TX, typename TW, typename TO>
K256 void rms_norm_forward_rows8(const TX* x, const TW* w, TO* out, float* rstd, int64_t begin, int64_t end,
                                 int64_t C, float eps) {
    for (int64_t r = begin; r < end; ++r) {
        const TX* xr = x + r * C;
        __m256 acc = _mm256_setzero_ps();
        for (int64_t c = 0; c < C; c += 8) {
            const __m256 v = load_n(xr + c, C - c);
            acc = _mm256_fmadd_ps(v, v, acc);
        }
        const float s = 1.0f / std::sqrt(sum8(acc) / float(C) + eps);
        rstd[r] = s;
        const __m256 sv = _mm256_set1_ps(s);
        for (int64_t c = 0; c < C; c += 8) {
            const int64_t n = C - c;
            const __m256 normed = round_to8<TX>(_mm256_mul_ps(load_n(xr + c, n), sv));
            store_n(out + r * C + c, _mm256_mul_ps(load_n(w + c, n), normed), n);
        }
    }
}

template <typename TG, typename TX, typename TW>
K256 void rms_norm_backward_rows8(const TG* g, const TX* x, const TW* w, const float* rstd, TX* dx, float* dw,
                                  int64_t begin, int64_t end, int64_t C) {
    for (int64_t r = begin; r < end; ++r) {
        const TG* gr = g + r * C;
        const TX* xr = x + r * C;
        const __m256 s = _mm256_set1_ps(rstd[r]);
        if (dx) {
            __m256 acc = _mm256_setzero_ps();
            for (int64_t c = 0; c < C; c += 8) {
                const int64_t n = C - c;
                acc = _mm256_fmadd_ps(_mm256_mul_ps(load_n(gr + c, n), load_n(w + c, n)), load_n(xr + c, n), acc);
            }
            const float mean = sum8(acc) / float(C);
            const __m256 coef = _mm256_set1_ps(mean * rstd[r] * rstd[r] * rstd[r]);
            for (int64_t c = 0; c < C; c += 8) {
                const int64_t n = C - c;
                const __m256 gw = _mm256_mul_ps(load_n(gr + c, n), load_n(w + c, n));
                store_n(dx + r * C + c, _mm256_fnmadd_ps(load_n(xr + c, n), coef, _mm256_mul_ps(gw, s)), n);
            }
        }
        if (dw) {
            for (int64_t c = 0; c < C; c += 8) {
                const int64_t n = C - c;
                const __m256 normed = round_to8<TX>(_mm256_mul_ps(load_n(xr + c, n), s));
                store_n(dw + c, _mm256_fmadd_ps(load_n(gr + c, n), normed, load_n(dw + c, n)), n);
            }
        }
    }
}

// ---- per-column scaling (DoRA) ----

template <typename T>
K512 void column_scale_forward_rows(const T* pre, const float* scale, const float* bias, T* y, int64_t begin,
                                   int64_t end, int64_t cols) {
    for (int64_t r = begin; r < end; ++r)
        for (int64_t c = 0; c < cols; c += 16) {
            const __mmask16 k = tail(cols - c);
            const __m512 b = bias ? _mm512_maskz_loadu_ps(k, bias + c) : _mm512_setzero_ps();
            store(y + r * cols + c, _mm512_fmadd_ps(load(pre + r * cols + c, k), _mm512_maskz_loadu_ps(k, scale + c), b), k);
        }
}

template <typename T>
K512 void column_scale_backward_rows(const T* g, const T* pre, const float* scale, T* gs, float* dscale,
                                    int64_t begin, int64_t end, int64_t cols) {
    for (int64_t r = begin; r < end; ++r)
        for (int64_t c = 0; c < cols; c += 16) {
            const __mmask16 k = tail(cols - c);
            const int64_t o = r * cols + c;
            const __m512 gv = load(g + o, k);
            store(gs + o, _mm512_mul_ps(gv, _mm512_maskz_loadu_ps(k, scale + c)), k);
            store(dscale + c, _mm512_fmadd_ps(gv, load(pre + o, k), _mm512_maskz_loadu_ps(k, dscale + c)), k);
        }
}

template <typename T>
K512 void row_scale_rows(const T* x, const float* scale, T* y, int64_t begin, int64_t end, int64_t cols) {
    for (int64_t r = begin; r < end; ++r) {
        const __m512 sv = _mm512_set1_ps(scale[r]);
        for (int64_t c = 0; c < cols; c += 16) {
            const __mmask16 k = tail(cols - c);
            store(y + r * cols + c, _mm512_mul_ps(load(x + r * cols + c, k), sv), k);
        }
    }
}

// ---- dropout's mask ----

// lowbias32 (Chris Wellons' integer hash), 16 lanes.
K512 inline __m512i hash512(__m512i x) {
    x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
    x = _mm512_mullo_epi32(x, _mm512_set1_epi32(0x7feb352d));
    x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 15));
    x = _mm512_mullo_epi32(x, _mm512_set1_epi32(int32_t(0x846ca68bu)));
    return _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
}

template <typename T>
K512 void dropout_mask_range(uint32_t lo, uint32_t hi, uint32_t threshold, float keep, T* out, int64_t begin,
                             int64_t end) {
    const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512 kept = _mm512_set1_ps(keep);
    for (int64_t i = begin; i < end; i += 16) {
        const __mmask16 k = tail(end - i);
        __m512i x = _mm512_add_epi32(_mm512_set1_epi32(int32_t(uint32_t(i) + lo)), lanes);
        x = hash512(_mm512_xor_si512(hash512(x), _mm512_set1_epi32(int32_t(hi))));
        const __mmask16 keep_mask = _mm512_cmp_epu32_mask(x, _mm512_set1_epi32(int32_t(threshold)), _MM_CMPINT_NLT);
        store(out + i, _mm512_maskz_mov_ps(keep_mask, kept), k);
    }
}

// ---- DoRA's row norms ----

// Rows [o0, o0 + R) of dora_row_norms: V's 16 elements of R rows at a time, each A row loaded once for the R.
// sb: s B for these rows (R x r).
template <int R, typename T>
K512 void dora_norm_rows(const T* W, const float* A, const float* sb, float* norm, int64_t o0, int64_t in, int64_t r) {
    __m512 acc[R];
    for (int i = 0; i < R; ++i) acc[i] = _mm512_setzero_ps();
    for (int64_t k = 0; k < in; k += 16) {
        const __mmask16 m = tail(in - k);
        __m512 v[R];
        for (int i = 0; i < R; ++i) v[i] = load(W + (o0 + i) * in + k, m);
        for (int64_t j = 0; j < r; ++j) {
            const __m512 a = _mm512_maskz_loadu_ps(m, A + j * in + k);
            for (int i = 0; i < R; ++i) v[i] = _mm512_fmadd_ps(_mm512_set1_ps(sb[i * r + j]), a, v[i]);
        }
        for (int i = 0; i < R; ++i) acc[i] = _mm512_fmadd_ps(v[i], v[i], acc[i]);
    }
    for (int i = 0; i < R; ++i) {  // (not _mm512_reduce_add_ps on an array element: GCC bug 105593 warns)
        float lanes[16];
        _mm512_storeu_ps(lanes, acc[i]);
        float sum = 0;
        for (float x : lanes) sum += x;
        norm[o0 + i] = std::sqrt(sum);
    }
}

// ---- accumulation ----

template <typename T>
K512 void accumulate_rows(float* dst, int64_t dst_stride, const T* src, int64_t src_stride, int64_t begin, int64_t end,
                          int64_t len) {
    for (int64_t i = begin; i < end; ++i)
        for (int64_t j = 0; j < len; j += 16) {
            const __mmask16 k = tail(len - j);
            float* d = dst + i * dst_stride + j;
            _mm512_mask_storeu_ps(d, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, d), load(src + i * src_stride + j, k)));
        }
}

template <typename T>
K512 void row_dots_range(const T* a, const T* b, float* out, int64_t begin, int64_t end, int64_t C) {
    for (int64_t r = begin; r < end; ++r) {
        __m512 acc = _mm512_setzero_ps();
        for (int64_t c = 0; c < C; c += 16) {
            const __mmask16 k = tail(C - c);
            acc = _mm512_fmadd_ps(load(a + r * C + c, k), load(b + r * C + c, k), acc);
        }
        out[r] = _mm512_reduce_add_ps(acc);
    }
}

// ---- NF4 ----

// Elements [begin, end) (multiples of 16) of an NF4 tensor: 8 bytes give 16 codes, looked up in the
// 16-entry table with one permute.
template <typename T>
K512 void nf4_range(const uint8_t* data, const float* table, const float* scales, int64_t block, T* out,
                    int64_t begin, int64_t end) {
    const __m512 tab = _mm512_loadu_ps(table);
    const __m512i shifts = _mm512_set_epi32(0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4);
    const __m512i nibble = _mm512_set1_epi32(15);
    for (int64_t i = begin; i < end; i += 16) {
        const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(data + i / 2));
        const __m512i codes = _mm512_and_si512(_mm512_srlv_epi32(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(bytes, bytes)), shifts), nibble);
        const __m512 v = _mm512_mul_ps(_mm512_permutexvar_ps(codes, tab), _mm512_set1_ps(scales[i / block]));
        store(out + i, v, __mmask16(0xffff));
    }
}

// codes[i] = the number of midpoints below x[i] (NaN: none), for up to 16 midpoints.
K512 void code_range(const float* x, const float* mid, int nmid, uint8_t* codes, int64_t begin, int64_t end) {
    __m512 m[16];
    for (int j = 0; j < nmid; ++j) m[j] = _mm512_set1_ps(mid[j]);
    const __m512i one = _mm512_set1_epi32(1);
    for (int64_t i = begin; i < end; i += 16) {
        const __mmask16 k = tail(end - i);
        const __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        __m512i c = _mm512_setzero_si512();
        for (int j = 0; j < nmid; ++j) c = _mm512_mask_add_epi32(c, _mm512_cmp_ps_mask(m[j], v, _CMP_LT_OQ), c, one);
        _mm_mask_storeu_epi8(codes + i, k, _mm512_cvtepi32_epi8(c));
    }
}

// ---- attention softmax ----

// The keys row r sees among [j, j + 16): causal bound `last` (inclusive) and the visibility mask.
K512 inline __mmask16 seen(const ScoreRows& s, const uint8_t* vis, int64_t j, int64_t last) {
    if (j > last) return 0;
    __mmask16 k = tail(last + 1 - j);
    if (vis) {
        const __m128i bytes = _mm_maskz_loadu_epi8(k, vis + j);
        k &= _mm_test_epi8_mask(bytes, bytes);
    }
    (void)s;
    return k;
}

struct RowInfo {
    int64_t last;
    const uint8_t* vis;
};

inline RowInfo row_info(const ScoreRows& s, int64_t r) {
    const int64_t b = r / s.rows_per_batch, i = r % s.block_rows;
    return {s.Sb - s.block_rows + i, s.visible ? s.visible + b * s.visible_stride : nullptr};
}

template <typename T>
K512 void softmax_forward_rows(const ScoreRows& s, const T* scores, T* p, float* m_out, float* l_out, int64_t begin,
                               int64_t end) {
    const float minus_inf = -std::numeric_limits<float>::infinity();
    for (int64_t r = begin; r < end; ++r) {
        const RowInfo info = row_info(s, r);
        const T* sr = scores + r * s.Sb;
        __m512 mv = _mm512_set1_ps(minus_inf);
        for (int64_t j = 0; j <= info.last && j < s.Sb; j += 16) {
            const __mmask16 k = seen(s, info.vis, j, info.last);
            mv = _mm512_mask_max_ps(mv, k, mv, load(sr + j, k));
        }
        float m = _mm512_reduce_max_ps(mv);
        if (m == minus_inf) m = 0;  // a row that sees no key: every p is 0
        const __m512 mm = _mm512_set1_ps(m);
        __m512 sum = _mm512_setzero_ps();
        T* pr = p + r * s.Sb;
        for (int64_t j = 0; j < s.Sb; j += 16) {
            const __mmask16 k = seen(s, info.vis, j, info.last);
            const __m512 e = _mm512_maskz_mov_ps(k, exp512(_mm512_sub_ps(load(sr + j, k), mm)));
            sum = _mm512_add_ps(sum, e);
            store(pr + j, e, tail(s.Sb - j));
        }
        m_out[r] = m;
        l_out[r] = std::max(_mm512_reduce_add_ps(sum), 1.0f);
    }
}

template <typename T>
K512 void softmax_backward_rows(const ScoreRows& s, const T* scores, const float* lse, const T* dp,
                                const float* delta, T* p_out, T* ds, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
        const RowInfo info = row_info(s, r);
        const int64_t o = r * s.Sb;
        const __m512 l = _mm512_set1_ps(lse[r]), d = _mm512_set1_ps(delta[r]);
        for (int64_t j = 0; j < s.Sb; j += 16) {
            const __mmask16 k = seen(s, info.vis, j, info.last), all = tail(s.Sb - j);
            const __m512 pv = _mm512_maskz_mov_ps(k, exp512(_mm512_sub_ps(load(scores + o + j, k), l)));
            store(p_out + o + j, pv, all);
            store(ds + o + j, _mm512_mul_ps(_mm512_sub_ps(load(dp + o + j, k), d), pv), all);
        }
    }
}

// ---- the same for AVX2 + FMA: 8 lanes, partial vectors through load_n/store_n, masks as lane compares ----

// Lanes [0, 8) as int32, for masks of the first n lanes.
K256 inline __m256i lanes8() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }

K256 inline float max8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <typename T>
K256 void column_scale_forward_rows8(const T* pre, const float* scale, const float* bias, T* y, int64_t begin,
                                     int64_t end, int64_t cols) {
    for (int64_t r = begin; r < end; ++r)
        for (int64_t c = 0; c < cols; c += 8) {
            const int64_t n = cols - c;
            const __m256 b = bias ? load_n(bias + c, n) : _mm256_setzero_ps();
            store_n(y + r * cols + c, _mm256_fmadd_ps(load_n(pre + r * cols + c, n), load_n(scale + c, n), b), n);
        }
}

template <typename T>
K256 void column_scale_backward_rows8(const T* g, const T* pre, const float* scale, T* gs, float* dscale,
                                      int64_t begin, int64_t end, int64_t cols) {
    for (int64_t r = begin; r < end; ++r)
        for (int64_t c = 0; c < cols; c += 8) {
            const int64_t n = cols - c, o = r * cols + c;
            const __m256 gv = load_n(g + o, n);
            store_n(gs + o, _mm256_mul_ps(gv, load_n(scale + c, n)), n);
            store_n(dscale + c, _mm256_fmadd_ps(gv, load_n(pre + o, n), load_n(dscale + c, n)), n);
        }
}

template <typename T>
K256 void row_scale_rows8(const T* x, const float* scale, T* y, int64_t begin, int64_t end, int64_t cols) {
    for (int64_t r = begin; r < end; ++r) {
        const __m256 sv = _mm256_set1_ps(scale[r]);
        for (int64_t c = 0; c < cols; c += 8) store_n(y + r * cols + c, _mm256_mul_ps(load_n(x + r * cols + c, cols - c), sv), cols - c);
    }
}

template <int R, typename T>
K256 void dora_norm_rows8(const T* W, const float* A, const float* sb, float* norm, int64_t o0, int64_t in, int64_t r) {
    __m256 acc[R];
    for (int i = 0; i < R; ++i) acc[i] = _mm256_setzero_ps();
    for (int64_t k = 0; k < in; k += 8) {
        const int64_t n = in - k;
        __m256 v[R];
        for (int i = 0; i < R; ++i) v[i] = load_n(W + (o0 + i) * in + k, n);
        for (int64_t j = 0; j < r; ++j) {
            const __m256 a = load_n(A + j * in + k, n);
            for (int i = 0; i < R; ++i) v[i] = _mm256_fmadd_ps(_mm256_set1_ps(sb[i * r + j]), a, v[i]);
        }
        for (int i = 0; i < R; ++i) acc[i] = _mm256_fmadd_ps(v[i], v[i], acc[i]);
    }
    for (int i = 0; i < R; ++i) norm[o0 + i] = std::sqrt(sum8(acc[i]));
}

template <typename T>
K256 void accumulate_rows8(float* dst, int64_t dst_stride, const T* src, int64_t src_stride, int64_t begin,
                           int64_t end, int64_t len) {
    for (int64_t i = begin; i < end; ++i)
        for (int64_t j = 0; j < len; j += 8) {
            float* d = dst + i * dst_stride + j;
            store_n(d, _mm256_add_ps(load_n(d, len - j), load_n(src + i * src_stride + j, len - j)), len - j);
        }
}

template <typename T>
K256 void row_dots_range8(const T* a, const T* b, float* out, int64_t begin, int64_t end, int64_t C) {
    for (int64_t r = begin; r < end; ++r) {
        __m256 acc = _mm256_setzero_ps();
        for (int64_t c = 0; c < C; c += 8) acc = _mm256_fmadd_ps(load_n(a + r * C + c, C - c), load_n(b + r * C + c, C - c), acc);
        out[r] = sum8(acc);
    }
}

// As nf4_range, 8 elements (4 bytes) at a time: the 16-entry table is two 8-entry permutes, the high one
// taken where the code's bit 3 is set.
template <typename T>
K256 void nf4_range8(const uint8_t* data, const float* table, const float* scales, int64_t block, T* out,
                     int64_t begin, int64_t end) {
    const __m256 low = _mm256_loadu_ps(table), high = _mm256_loadu_ps(table + 8);
    const __m256i shifts = _mm256_setr_epi32(4, 0, 4, 0, 4, 0, 4, 0);
    const __m256i nibble = _mm256_set1_epi32(15), seven = _mm256_set1_epi32(7);
    for (int64_t i = begin; i < end; i += 8) {
        int32_t four;
        std::memcpy(&four, data + i / 2, 4);
        const __m128i bytes = _mm_cvtsi32_si128(four);
        const __m256i codes = _mm256_and_si256(_mm256_srlv_epi32(_mm256_cvtepu8_epi32(_mm_unpacklo_epi8(bytes, bytes)), shifts), nibble);
        const __m256 v = _mm256_blendv_ps(_mm256_permutevar8x32_ps(low, codes), _mm256_permutevar8x32_ps(high, codes),
                                          _mm256_castsi256_ps(_mm256_cmpgt_epi32(codes, seven)));
        store8(out + i, _mm256_mul_ps(v, _mm256_set1_ps(scales[i / block])));
    }
}

// As code_range, 8 values at a time (a true compare is -1: subtracted).
K256 void code_range8(const float* x, const float* mid, int nmid, uint8_t* codes, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i += 8) {
        const int64_t n = std::min<int64_t>(8, end - i);
        const __m256 v = load_n(x + i, n);
        __m256i c = _mm256_setzero_si256();
        for (int j = 0; j < nmid; ++j)
            c = _mm256_sub_epi32(c, _mm256_castps_si256(_mm256_cmp_ps(_mm256_set1_ps(mid[j]), v, _CMP_LT_OQ)));
        alignas(32) int32_t lanes[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), c);
        for (int64_t l = 0; l < n; ++l) codes[i + l] = uint8_t(lanes[l]);
    }
}

// As seen(): all bits set in the lanes of [j, j + 8) that row r sees (j <= last < Sb, so the visibility
// bytes read stay within the row).
K256 inline __m256 seen8(const uint8_t* vis, int64_t j, int64_t last) {
    if (j > last) return _mm256_setzero_ps();
    const int64_t n = std::min<int64_t>(8, last + 1 - j);
    __m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(n)), lanes8());
    if (vis) {
        int64_t bytes = 0;
        std::memcpy(&bytes, vis + j, size_t(n));
        const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(&bytes)));
        k = _mm256_andnot_si256(_mm256_cmpeq_epi32(b, _mm256_setzero_si256()), k);
    }
    return _mm256_castsi256_ps(k);
}

template <typename T>
K256 void softmax_forward_rows8(const ScoreRows& s, const T* scores, T* p, float* m_out, float* l_out, int64_t begin,
                                int64_t end) {
    const float minus_inf = -std::numeric_limits<float>::infinity();
    const __m256 none = _mm256_set1_ps(minus_inf);
    for (int64_t r = begin; r < end; ++r) {
        const RowInfo info = row_info(s, r);
        const T* sr = scores + r * s.Sb;
        __m256 mv = none;
        for (int64_t j = 0; j <= info.last; j += 8)
            mv = _mm256_max_ps(mv, _mm256_blendv_ps(none, load_n(sr + j, s.Sb - j), seen8(info.vis, j, info.last)));
        float m = max8(mv);
        if (m == minus_inf) m = 0;  // a row that sees no key: every p is 0
        const __m256 mm = _mm256_set1_ps(m);
        __m256 sum = _mm256_setzero_ps();
        T* pr = p + r * s.Sb;
        for (int64_t j = 0; j < s.Sb; j += 8) {
            const __m256 e = _mm256_and_ps(exp256(_mm256_sub_ps(load_n(sr + j, s.Sb - j), mm)), seen8(info.vis, j, info.last));
            sum = _mm256_add_ps(sum, e);
            store_n(pr + j, e, s.Sb - j);
        }
        m_out[r] = m;
        l_out[r] = std::max(sum8(sum), 1.0f);
    }
}

template <typename T>
K256 void softmax_backward_rows8(const ScoreRows& s, const T* scores, const float* lse, const T* dp,
                                 const float* delta, T* p_out, T* ds, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
        const RowInfo info = row_info(s, r);
        const int64_t o = r * s.Sb;
        const __m256 l = _mm256_set1_ps(lse[r]), d = _mm256_set1_ps(delta[r]);
        for (int64_t j = 0; j < s.Sb; j += 8) {
            const int64_t n = s.Sb - j;
            const __m256 pv = _mm256_and_ps(exp256(_mm256_sub_ps(load_n(scores + o + j, n), l)), seen8(info.vis, j, info.last));
            store_n(p_out + o + j, pv, n);
            store_n(ds + o + j, _mm256_mul_ps(_mm256_sub_ps(load_n(dp + o + j, n), d), pv), n);
        }
    }
}

// Splits [0, n) over ATen's threads in pieces of at least `grain`.
template <typename F>
void split(int64_t n, int64_t grain, const F& f) {
    at::parallel_for(0, n, std::max<int64_t>(1, grain), f);
}

// ---- attention's backward on AMX tiles ----

constexpr int64_t kTileQ = 64, kTileK = 64;  // query rows and keys of one tile

// The 32-bit word i of p (a bf16 pair), read without type punning.
inline uint32_t word_at(const void* p, int64_t i) {
    uint32_t v;
    std::memcpy(&v, static_cast<const char*>(p) + 4 * i, 4);
    return v;
}

// C (m x n, row stride ldc) = or += A (m x k2 words: bf16 pairs along the sum, row stride lda) times
// B (k2 x n words, row stride ldb: word (p, j) holds terms 2p and 2p + 1 of column j), on AMX tiles
// (tdpbf16ps: 16 x 16 sums of 32 bf16 products each, in float32), for m and n multiples of 32 and k2 a
// multiple of 16: tiles 0-3 the four 16 x 16 sums of a 32 x 32 block, 4-5 two tiles of A (16 rows x 16
// words), 6-7 two of B. Needs the tile configuration of kernels::amx_tiles_begin().
__attribute__((target("amx-tile,amx-bf16"))) void pair_product(const void* A, int64_t lda, const uint32_t* B,
                                                                   int64_t ldb, float* C, int64_t ldc, int64_t m,
                                                                   int64_t n, int64_t k2, bool accumulate) {
    const char* a = static_cast<const char*>(A);
    for (int64_t i = 0; i < m; i += 32)
        for (int64_t j = 0; j < n; j += 32) {
            float* c = C + i * ldc + j;
            if (accumulate) {
                _tile_loadd(0, c, ldc * 4);
                _tile_loadd(1, c + 16, ldc * 4);
                _tile_loadd(2, c + 16 * ldc, ldc * 4);
                _tile_loadd(3, c + 16 * ldc + 16, ldc * 4);
            } else {
                _tile_zero(0);
                _tile_zero(1);
                _tile_zero(2);
                _tile_zero(3);
            }
            for (int64_t p = 0; p < k2; p += 16) {
                _tile_loadd(4, a + (i * lda + p) * 4, lda * 4);
                _tile_loadd(5, a + ((i + 16) * lda + p) * 4, lda * 4);
                _tile_loadd(6, B + p * ldb + j, ldb * 4);
                _tile_loadd(7, B + p * ldb + j + 16, ldb * 4);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(2, 5, 6);
                _tile_dpbf16ps(3, 5, 7);
            }
            _tile_stored(0, c, ldc * 4);
            _tile_stored(1, c + 16, ldc * 4);
            _tile_stored(2, c + 16 * ldc, ldc * 4);
            _tile_stored(3, c + 16 * ldc + 16, ldc * 4);
        }
}

// One slab's working memory, kept per thread between calls. Sp, Tp: keys and rows padded to whole tiles;
// Dp: the head size padded to 32; T2 = Tp / 2. Padding is zeros.
struct SlabScratch {
    std::vector<uint32_t> kt, vt, kp;      // K^T and V^T as (Sp / kTileK, Dp/2, kTileK) words, K as (Sp/2, Dp) words
    std::vector<bf16> qs, dout;            // per head: q * scale (Tp, Dp), rounded to bf16, and dO (Tp, Dp)
    std::vector<uint32_t> qt, dot;         // per head: (q * scale)^T and dO^T as (Dp, T2) words (pairs of rows)
    std::vector<float> dq;                 // per head (Tp, Dp), float32 sums
    std::vector<float> s, dp, dkt, dvt;    // a tile's scores and dP (kTileQ, kTileK); dK^T and dV^T (Dp, kTileK)
    std::vector<uint32_t> pv, dsv;         // P and dS as (kTileQ / 2, kTileK) words (pairs of rows)
    std::vector<bf16> ds;                  // dS (kTileQ, kTileK) row by row
    std::vector<uint32_t> pairs;           // (T2, Dp) words on their way to qt or dot
};

template <typename V>
void fill_zero(V& v, size_t n) {
    v.assign(n, typename V::value_type(0));
}

// out (rows2, D) words, rows `ld` apart: out[t2][d] = the pair (x[2 t2][d], x[2 t2 + 1][d]) of x (rows of D);
// rows of x from `rows` on read as 0.
K512 void interleave_row_pairs(const bf16* x, int64_t rows, int64_t D, int64_t rows2, uint32_t* out, int64_t ld) {
    for (int64_t t2 = 0; t2 < rows2; ++t2)
        for (int64_t d = 0; d < D; d += 16) {
            const __mmask16 k = tail(D - d);
            const __m512i lo = 2 * t2 < rows ? _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(k, x + 2 * t2 * D + d))
                                             : _mm512_setzero_si512();
            const __m512i hi = 2 * t2 + 1 < rows
                                   ? _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(k, x + (2 * t2 + 1) * D + d))
                                   : _mm512_setzero_si512();
            _mm512_mask_storeu_epi32(out + t2 * ld + d, k, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
        }
}

// dst[c * dst_stride + r] = word r * src_stride + c of src, for r < rows and c < cols: 16 x 16 blocks in
// registers (kernels::transpose16), the edges one word at a time.
K512 void transpose_words(const void* src, int64_t src_stride, int64_t rows, int64_t cols, uint32_t* dst,
                         int64_t dst_stride) {
    const int64_t r16 = rows / 16 * 16, c16 = cols / 16 * 16;
    const uint32_t* w = static_cast<const uint32_t*>(src);  // read by vector loads only
    for (int64_t r = 0; r < r16; r += 16)
        for (int64_t c = 0; c < c16; c += 16) kernels::transpose16(w + r * src_stride + c, src_stride, dst + c * dst_stride + r, dst_stride);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = r < r16 ? c16 : 0; c < cols; ++c) dst[c * dst_stride + r] = word_at(src, r * src_stride + c);
}

// One (batch, key/value head) slab: keys a tile at a time, each against every query tile that sees it.
K512 void attention_backward_slab(const AttentionBackwardBf16& a, int64_t b, int64_t kv, SlabScratch& w) {
    const int64_t G = a.G, T = a.T, S = a.S, D = a.D, H = a.KV * a.G, D2 = D / 2, past = S - T;
    const int64_t Sp = (S + kTileK - 1) / kTileK * kTileK, Tp = (T + kTileQ - 1) / kTileQ * kTileQ, T2 = Tp / 2;
    const int64_t Dp = (D + 31) / 32 * 32, D2p = Dp / 2;
    const bf16* K = a.k + (b * a.KV + kv) * S * D;
    const bf16* V = a.v + (b * a.KV + kv) * S * D;
    fill_zero(w.kt, size_t(D2p * Sp));
    fill_zero(w.vt, size_t(D2p * Sp));
    fill_zero(w.kp, size_t(Sp / 2 * Dp));
    // K^T and V^T a tile of keys at a time, (Dp/2, kTileK) words each: rows of Sp words would lie 4 KB apart
    // and share a few cache sets.
    for (int64_t s0 = 0; s0 < S; s0 += kTileK) {
        transpose_words(K + s0 * D, D2, std::min(kTileK, S - s0), D2, w.kt.data() + s0 * D2p, kTileK);
        transpose_words(V + s0 * D, D2, std::min(kTileK, S - s0), D2, w.vt.data() + s0 * D2p, kTileK);
    }
    interleave_row_pairs(K, S, D, (S + 1) / 2, w.kp.data(), Dp);
    fill_zero(w.qs, size_t(G * Tp * Dp));
    fill_zero(w.dout, size_t(G * Tp * Dp));
    fill_zero(w.qt, size_t(G * Dp * T2));
    fill_zero(w.dot, size_t(G * Dp * T2));
    fill_zero(w.dq, size_t(G * Tp * Dp));
    w.pairs.resize(size_t(T2 * Dp));
    const __m512 scale = _mm512_set1_ps(a.scale);
    for (int64_t g = 0; g < G; ++g) {
        const int64_t h = kv * G + g;
        const bf16* q = a.q + (b * H + h) * T * D;
        const bf16* dout = a.dout + (b * H + h) * T * D;
        bf16* qsh = w.qs.data() + g * Tp * Dp;
        bf16* dO = w.dout.data() + g * Tp * Dp;
        for (int64_t t = 0; t < T; ++t) {
            for (int64_t d = 0; d < D; d += 16) {
                const __mmask16 k = tail(D - d);
                store(qsh + t * Dp + d, _mm512_mul_ps(load(q + t * D + d, k), scale), k);
            }
            std::memcpy(dO + t * Dp, dout + t * D, size_t(D) * sizeof(bf16));
        }
        // (q scale)^T and dO^T with pairs of rows as words: pairs first, then turned.
        interleave_row_pairs(qsh, T, Dp, T2, w.pairs.data(), Dp);
        transpose_words(w.pairs.data(), Dp, T2, D, w.qt.data() + g * Dp * T2, T2);
        interleave_row_pairs(dO, T, Dp, T2, w.pairs.data(), Dp);
        transpose_words(w.pairs.data(), Dp, T2, D, w.dot.data() + g * Dp * T2, T2);
    }
    w.s.resize(size_t(kTileQ * kTileK));
    w.dp.resize(size_t(kTileQ * kTileK));
    w.dkt.resize(size_t(Dp * kTileK));
    w.dvt.resize(size_t(Dp * kTileK));
    w.pv.resize(size_t(kTileQ / 2 * kTileK));
    w.dsv.resize(size_t(kTileQ / 2 * kTileK));
    w.ds.resize(size_t(kTileQ * kTileK));
    const uint8_t* vis = a.visible ? a.visible + b * a.visible_stride : nullptr;
    for (int64_t s0 = 0; s0 < S; s0 += kTileK) {
        const int64_t kb = std::min(kTileK, S - s0);
        std::fill(w.dkt.begin(), w.dkt.end(), 0.0f);
        std::fill(w.dvt.begin(), w.dvt.end(), 0.0f);
        for (int64_t g = 0; g < G; ++g) {
            const int64_t h = kv * G + g;
            const bf16* qs = w.qs.data() + g * Tp * Dp;
            const bf16* dO = w.dout.data() + g * Tp * Dp;
            for (int64_t t0 = 0; t0 < T; t0 += kTileQ) {
                const int64_t qb = std::min(kTileQ, T - t0);
                if (s0 > past + t0 + qb - 1) continue;  // every key of the tile is in the future of every row
                // whole tiles: rows past qb and keys past kb are zeros
                pair_product(qs + t0 * Dp, D2p, w.kt.data() + s0 * D2p, kTileK, w.s.data(), kTileK, kTileQ, kTileK, D2p, false);
                pair_product(dO + t0 * Dp, D2p, w.vt.data() + s0 * D2p, kTileK, w.dp.data(), kTileK, kTileQ, kTileK, D2p, false);
                // P = exp(s - lse) and dS = P (dP - delta), s and dP rounded to bf16 as the products the
                // block path runs in bf16; rows as pairs for the products over rows, dS also row by row.
                for (int64_t r0 = 0; r0 < kTileQ; r0 += 2) {  // rows past qb: zeros
                    for (int64_t c0 = 0; c0 < kTileK; c0 += 16) {
                        __m512i pbits[2], dbits[2];
                        for (int e = 0; e < 2; ++e) {
                            const int64_t r = r0 + e, t = t0 + r;
                            __mmask16 k = 0;
                            if (r < qb && s0 + c0 <= past + t) {
                                k = tail(std::min(past + t + 1, S) - (s0 + c0));
                                if (vis) {
                                    const __m128i bytes = _mm_maskz_loadu_epi8(k, vis + s0 + c0);
                                    k &= _mm_test_epi8_mask(bytes, bytes);
                                }
                            }
                            if (!k) {
                                pbits[e] = dbits[e] = _mm512_setzero_si512();
                                _mm256_storeu_si256(reinterpret_cast<__m256i*>(w.ds.data() + r * kTileK + c0), _mm256_setzero_si256());
                                continue;
                            }
                            const float lse = a.lse[(b * H + h) * T + t], delta = a.delta[(b * T + t) * H + h];
                            const __m512 sv = round_to<bf16>(load(w.s.data() + r * kTileK + c0, k));
                            const __m512 pv = _mm512_maskz_mov_ps(k, exp512(_mm512_sub_ps(sv, _mm512_set1_ps(lse))));
                            const __m512 dpv = round_to<bf16>(load(w.dp.data() + r * kTileK + c0, k));
                            const __m512 dsv = _mm512_maskz_mul_ps(k, _mm512_sub_ps(dpv, _mm512_set1_ps(delta)), pv);
                            pbits[e] = bf16_bits(pv);
                            dbits[e] = bf16_bits(dsv);
                            _mm256_storeu_si256(reinterpret_cast<__m256i*>(w.ds.data() + r * kTileK + c0),
                                                _mm512_cvtepi32_epi16(dbits[e]));
                        }
                        const int64_t o = (r0 / 2) * kTileK + c0;
                        _mm512_storeu_si512(w.pv.data() + o, _mm512_or_si512(pbits[0], _mm512_slli_epi32(pbits[1], 16)));
                        _mm512_storeu_si512(w.dsv.data() + o, _mm512_or_si512(dbits[0], _mm512_slli_epi32(dbits[1], 16)));
                    }
                }
                // dV^T += dO^T P and dK^T += (q scale)^T dS over the tile's rows; dQ += dS K over its keys.
                pair_product(w.dot.data() + g * Dp * T2 + t0 / 2, T2, w.pv.data(), kTileK, w.dvt.data(), kTileK, Dp,
                             kTileK, kTileQ / 2, true);
                pair_product(w.qt.data() + g * Dp * T2 + t0 / 2, T2, w.dsv.data(), kTileK, w.dkt.data(), kTileK, Dp,
                             kTileK, kTileQ / 2, true);
                pair_product(w.ds.data(), kTileK / 2, w.kp.data() + s0 / 2 * Dp, Dp, w.dq.data() + (g * Tp + t0) * Dp, Dp,
                             kTileQ, Dp, kTileK / 2, true);
            }
        }
        // float32 values as words: (D, kb) -> (kb, D)
        const int64_t o = ((b * a.KV + kv) * S + s0) * D;
        transpose_words(w.dkt.data(), kTileK, D, kb, reinterpret_cast<uint32_t*>(a.dk + o), D);
        transpose_words(w.dvt.data(), kTileK, D, kb, reinterpret_cast<uint32_t*>(a.dv + o), D);
    }
    for (int64_t g = 0; g < G; ++g) {
        const int64_t h = kv * G + g;
        for (int64_t t = 0; t < T; ++t) {
            bf16* dq = a.dq + ((b * T + t) * H + h) * D;
            const float* src = w.dq.data() + (g * Tp + t) * Dp;
            for (int64_t d = 0; d < D; d += 16) {
                const __mmask16 k = tail(D - d);
                store(dq + d, _mm512_mul_ps(load(src + d, k), _mm512_set1_ps(a.scale)), k);
            }
        }
    }
}

}  // namespace

void swiglu_forward(Elem t, const void* gate, const void* up, void* out, int64_t n) {
    split(n, 16384, [&](int64_t b, int64_t e) {
        b &= ~int64_t{15};
        e = e == n ? n : (e & ~int64_t{15});
        const bool wide = kernels::avx512_enabled();
        if (t == Elem::F32) {
            if (wide) swiglu_forward_range((const float*)gate, (const float*)up, (float*)out, b, e);
            else swiglu_forward_range8((const float*)gate, (const float*)up, (float*)out, b, e);
        } else {
            if (wide) swiglu_forward_range((const bf16*)gate, (const bf16*)up, (bf16*)out, b, e);
            else swiglu_forward_range8((const bf16*)gate, (const bf16*)up, (bf16*)out, b, e);
        }
    });
}

void swiglu_backward(Elem t, const void* grad, const void* gate, const void* up, void* dgate, void* dup, int64_t n) {
    split(n, 16384, [&](int64_t b, int64_t e) {
        b &= ~int64_t{15};
        e = e == n ? n : (e & ~int64_t{15});
        const bool wide = kernels::avx512_enabled();
        if (t == Elem::F32) {
            if (wide) swiglu_backward_range((const float*)grad, (const float*)gate, (const float*)up, (float*)dgate, (float*)dup, b, e);
            else swiglu_backward_range8((const float*)grad, (const float*)gate, (const float*)up, (float*)dgate, (float*)dup, b, e);
        } else {
            if (wide) swiglu_backward_range((const bf16*)grad, (const bf16*)gate, (const bf16*)up, (bf16*)dgate, (bf16*)dup, b, e);
            else swiglu_backward_range8((const bf16*)grad, (const bf16*)gate, (const bf16*)up, (bf16*)dgate, (bf16*)dup, b, e);
        }
    });
}

namespace {

// Calls f with pointers of the element types named by the Elem values.
template <typename F>
void with_type(Elem t, const void* p, const F& f) {
    if (t == Elem::F32) f((const float*)p);
    else f((const bf16*)p);
}

}  // namespace

void rms_norm_forward(Elem x_t, const void* x, Elem w_t, const void* weight, Elem out_t, void* out, float* rstd,
                      int64_t rows, int64_t C, float eps) {
    split(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
        with_type(x_t, x, [&](auto xp) {
            with_type(w_t, weight, [&](auto wp) {
                const bool wide = kernels::avx512_enabled();
                if (out_t == Elem::F32) {
                    if (wide) rms_norm_forward_rows(xp, wp, (float*)out, rstd, b, e, C, eps);
                    else rms_norm_forward_rows8(xp, wp, (float*)out, rstd, b, e, C, eps);
                } else {
                    if (wide) rms_norm_forward_rows(xp, wp, (bf16*)out, rstd, b, e, C, eps);
                    else rms_norm_forward_rows8(xp, wp, (bf16*)out, rstd, b, e, C, eps);
                }
            });
        });
    });
}

void rms_norm_backward(Elem g_t, const void* g, Elem x_t, const void* x, Elem w_t, const void* weight,
                       const float* rstd, void* dx, float* dweight, int64_t rows, int64_t C) {
    // dweight sums over rows: one float32 partial per piece, added in piece order (the same sum whatever
    // the thread count decides about which piece runs where).
    const int64_t pieces = std::max<int64_t>(1, std::min<int64_t>(rows, 4 * at::get_num_threads()));
    std::vector<float> partial(dweight ? size_t(pieces * C) : 0, 0.0f);
    split(pieces, 1, [&](int64_t pb, int64_t pe) {
        for (int64_t piece = pb; piece < pe; ++piece) {
            const int64_t b = rows * piece / pieces, e = rows * (piece + 1) / pieces;
            float* dw = dweight ? partial.data() + piece * C : nullptr;
            with_type(g_t, g, [&](auto gp) {
                with_type(w_t, weight, [&](auto wp) {
                    const bool wide = kernels::avx512_enabled();
                    if (x_t == Elem::F32) {
                        if (wide) rms_norm_backward_rows(gp, (const float*)x, wp, rstd, (float*)dx, dw, b, e, C);
                        else rms_norm_backward_rows8(gp, (const float*)x, wp, rstd, (float*)dx, dw, b, e, C);
                    } else {
                        if (wide) rms_norm_backward_rows(gp, (const bf16*)x, wp, rstd, (bf16*)dx, dw, b, e, C);
                        else rms_norm_backward_rows8(gp, (const bf16*)x, wp, rstd, (bf16*)dx, dw, b, e, C);
                    }
                });
            });
        }
    });
    if (!dweight) return;
    for (int64_t c = 0; c < C; ++c) {
        float s = 0;
        for (int64_t piece = 0; piece < pieces; ++piece) s += partial[size_t(piece * C + c)];
        dweight[c] = s;
    }
}

void column_scale_forward(Elem t, const void* pre, const float* scale, const float* bias, void* y, int64_t rows,
                          int64_t cols) {
    split(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
        const bool wide = kernels::avx512_enabled();
        if (t == Elem::F32) {
            if (wide) column_scale_forward_rows((const float*)pre, scale, bias, (float*)y, b, e, cols);
            else column_scale_forward_rows8((const float*)pre, scale, bias, (float*)y, b, e, cols);
        } else {
            if (wide) column_scale_forward_rows((const bf16*)pre, scale, bias, (bf16*)y, b, e, cols);
            else column_scale_forward_rows8((const bf16*)pre, scale, bias, (bf16*)y, b, e, cols);
        }
    });
}

void column_scale_backward(Elem t, const void* g, const void* pre, const float* scale, void* gs, float* dscale,
                           int64_t rows, int64_t cols) {
    // Column sums in float32 partials, one per piece, added in piece order (as rms_norm_backward).
    const int64_t pieces = std::max<int64_t>(1, std::min<int64_t>(rows, 4 * at::get_num_threads()));
    std::vector<float> partial(size_t(pieces * cols), 0.0f);
    split(pieces, 1, [&](int64_t pb, int64_t pe) {
        for (int64_t piece = pb; piece < pe; ++piece) {
            const int64_t b = rows * piece / pieces, e = rows * (piece + 1) / pieces;
            float* ds = partial.data() + piece * cols;
            const bool wide = kernels::avx512_enabled();
            if (t == Elem::F32) {
                if (wide) column_scale_backward_rows((const float*)g, (const float*)pre, scale, (float*)gs, ds, b, e, cols);
                else column_scale_backward_rows8((const float*)g, (const float*)pre, scale, (float*)gs, ds, b, e, cols);
            } else {
                if (wide) column_scale_backward_rows((const bf16*)g, (const bf16*)pre, scale, (bf16*)gs, ds, b, e, cols);
                else column_scale_backward_rows8((const bf16*)g, (const bf16*)pre, scale, (bf16*)gs, ds, b, e, cols);
            }
        }
    });
    for (int64_t c = 0; c < cols; ++c) {
        float s = 0;
        for (int64_t piece = 0; piece < pieces; ++piece) s += partial[size_t(piece * cols + c)];
        dscale[c] = s;
    }
}

namespace {

inline uint32_t hash32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    return x ^ (x >> 16);
}

}  // namespace

void dropout_mask(Elem t, uint64_t seed, float p, void* out, int64_t n) {
    const uint32_t lo = uint32_t(seed), hi = uint32_t(seed >> 32);
    const uint32_t threshold = uint32_t(std::min(double(p), 1.0 - 1e-9) * 4294967296.0);
    const float keep = 1.0f / (1.0f - p);
    split(n, 16384, [&](int64_t b, int64_t e) {
        if (kernels::avx512_enabled()) {
            if (t == Elem::F32) dropout_mask_range(lo, hi, threshold, keep, (float*)out, b, e);
            else dropout_mask_range(lo, hi, threshold, keep, (bf16*)out, b, e);
            return;
        }
        const uint16_t keep_bits = fp32_to_bf16(keep);
        for (int64_t i = b; i < e; ++i) {
            const bool kept = hash32(hash32(uint32_t(i) + lo) ^ hi) >= threshold;
            if (t == Elem::F32) static_cast<float*>(out)[i] = kept ? keep : 0.0f;
            else static_cast<bf16*>(out)[i] = kept ? keep_bits : uint16_t(0);
        }
    });
}

void row_scale(Elem t, const void* x, const float* scale, void* y, int64_t rows, int64_t cols) {
    split(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
        const bool wide = kernels::avx512_enabled();
        if (t == Elem::F32) {
            if (wide) row_scale_rows((const float*)x, scale, (float*)y, b, e, cols);
            else row_scale_rows8((const float*)x, scale, (float*)y, b, e, cols);
        } else {
            if (wide) row_scale_rows((const bf16*)x, scale, (bf16*)y, b, e, cols);
            else row_scale_rows8((const bf16*)x, scale, (bf16*)y, b, e, cols);
        }
    });
}

namespace {

// dora_row_norms on rows [b, e): four at a time, then one by one.
template <typename T>
void dora_norm_range(const T* W, const float* A, const float* B, float s, float* norm, int64_t b, int64_t e,
                     int64_t in, int64_t r) {
    constexpr int R = 4;
    std::vector<float> sb(size_t(R * r));
    const bool wide = kernels::avx512_enabled();
    for (int64_t o = b; o < e;) {
        const int rows = e - o >= R ? R : 1;
        for (int64_t j = 0; j < rows * r; ++j) sb[size_t(j)] = s * B[o * r + j];
        if (rows == R) {
            if (wide) dora_norm_rows<R>(W, A, sb.data(), norm, o, in, r);
            else dora_norm_rows8<R>(W, A, sb.data(), norm, o, in, r);
        } else {
            if (wide) dora_norm_rows<1>(W, A, sb.data(), norm, o, in, r);
            else dora_norm_rows8<1>(W, A, sb.data(), norm, o, in, r);
        }
        o += rows;
    }
}

}  // namespace

void dora_row_norms(Elem w_t, const void* W, const float* A, const float* B, float s, float* norm, int64_t out,
                    int64_t in, int64_t r) {
    // About in * (r + 1) multiply-adds a row: pieces of at least ~64K.
    split(out, std::max<int64_t>(4, 65536 / std::max<int64_t>(in * (r + 1), 1)), [&](int64_t b, int64_t e) {
        if (w_t == Elem::F32) dora_norm_range((const float*)W, A, B, s, norm, b, e, in, r);
        else dora_norm_range((const bf16*)W, A, B, s, norm, b, e, in, r);
    });
}

void accumulate_slabs(float* dst, int64_t dst_stride, Elem t, const void* src, int64_t src_stride, int64_t slabs,
                      int64_t len) {
    split(slabs, std::max<int64_t>(1, 16384 / std::max<int64_t>(len, 1)), [&](int64_t b, int64_t e) {
        const bool wide = kernels::avx512_enabled();
        if (t == Elem::F32) {
            if (wide) accumulate_rows(dst, dst_stride, (const float*)src, src_stride, b, e, len);
            else accumulate_rows8(dst, dst_stride, (const float*)src, src_stride, b, e, len);
        } else {
            if (wide) accumulate_rows(dst, dst_stride, (const bf16*)src, src_stride, b, e, len);
            else accumulate_rows8(dst, dst_stride, (const bf16*)src, src_stride, b, e, len);
        }
    });
}

void row_dots(Elem t, const void* a, const void* b, float* out, int64_t rows, int64_t C) {
    split(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(C, 1)), [&](int64_t r0, int64_t r1) {
        const bool wide = kernels::avx512_enabled();
        if (t == Elem::F32) {
            if (wide) row_dots_range((const float*)a, (const float*)b, out, r0, r1, C);
            else row_dots_range8((const float*)a, (const float*)b, out, r0, r1, C);
        } else {
            if (wide) row_dots_range((const bf16*)a, (const bf16*)b, out, r0, r1, C);
            else row_dots_range8((const bf16*)a, (const bf16*)b, out, r0, r1, C);
        }
    });
}

void nf4_dequantize(const uint8_t* data, const float* table, const float* scales, int64_t block, int64_t n,
                    Elem out_t, void* out) {
    const int64_t full = n / 16 * 16;
    split(full / 16, 4096, [&](int64_t b, int64_t e) {
        const bool wide = kernels::avx512_enabled();
        if (out_t == Elem::F32) {
            if (wide) nf4_range(data, table, scales, block, (float*)out, b * 16, e * 16);
            else nf4_range8(data, table, scales, block, (float*)out, b * 16, e * 16);
        } else {
            if (wide) nf4_range(data, table, scales, block, (bf16*)out, b * 16, e * 16);
            else nf4_range8(data, table, scales, block, (bf16*)out, b * 16, e * 16);
        }
    });
    for (int64_t i = full; i < n; ++i) {  // the last few elements, one at a time
        const int code = (i % 2 == 0) ? data[i / 2] >> 4 : data[i / 2] & 15;
        const float v = table[code] * scales[i / block];
        if (out_t == Elem::F32) static_cast<float*>(out)[i] = v;
        else {
            uint32_t u;
            std::memcpy(&u, &v, 4);
            static_cast<bf16*>(out)[i] = uint16_t((u + 0x7fff + ((u >> 16) & 1)) >> 16);
        }
    }
}

void attention_softmax_forward(const ScoreRows& rows, Elem t, const void* scores, void* p, float* m, float* l) {
    split(rows.R, std::max<int64_t>(1, 4096 / std::max<int64_t>(rows.Sb, 1)), [&](int64_t b, int64_t e) {
        const bool wide = kernels::avx512_enabled();
        if (t == Elem::F32) {
            if (wide) softmax_forward_rows(rows, (const float*)scores, (float*)p, m, l, b, e);
            else softmax_forward_rows8(rows, (const float*)scores, (float*)p, m, l, b, e);
        } else {
            if (wide) softmax_forward_rows(rows, (const bf16*)scores, (bf16*)p, m, l, b, e);
            else softmax_forward_rows8(rows, (const bf16*)scores, (bf16*)p, m, l, b, e);
        }
    });
}

void attention_softmax_backward(const ScoreRows& rows, Elem t, const void* scores, const float* lse,
                                const void* dp, const float* delta, void* p_out, void* ds) {
    split(rows.R, std::max<int64_t>(1, 4096 / std::max<int64_t>(rows.Sb, 1)), [&](int64_t b, int64_t e) {
        const bool wide = kernels::avx512_enabled();
        if (t == Elem::F32) {
            if (wide) softmax_backward_rows(rows, (const float*)scores, lse, (const float*)dp, delta, (float*)p_out, (float*)ds, b, e);
            else softmax_backward_rows8(rows, (const float*)scores, lse, (const float*)dp, delta, (float*)p_out, (float*)ds, b, e);
        } else {
            if (wide) softmax_backward_rows(rows, (const bf16*)scores, lse, (const bf16*)dp, delta, (bf16*)p_out, (bf16*)ds, b, e);
            else softmax_backward_rows8(rows, (const bf16*)scores, lse, (const bf16*)dp, delta, (bf16*)p_out, (bf16*)ds, b, e);
        }
    });
}

void nearest_codes(const float* x, int64_t n, const float* midpoints, int count, uint8_t* codes) {
    split(n, 16384, [&](int64_t b, int64_t e) {
        if (kernels::avx512_enabled()) code_range(x, midpoints, count, codes, b, e);
        else code_range8(x, midpoints, count, codes, b, e);
    });
}

bool attention_backward_bf16_available() { return kernels::amx_enabled(); }

void attention_backward_bf16(const AttentionBackwardBf16& a) {
    split(a.B * a.KV, 1, [&](int64_t b, int64_t e) {
        thread_local SlabScratch w;
        kernels::amx_tiles_begin();
        for (int64_t i = b; i < e; ++i) attention_backward_slab(a, i / a.KV, i % a.KV, w);
        kernels::amx_tiles_end();
    });
}

#else  // not x86: available() is false and nothing calls these

void swiglu_forward(Elem, const void*, const void*, void*, int64_t) {}
void swiglu_backward(Elem, const void*, const void*, const void*, void*, void*, int64_t) {}
void rms_norm_forward(Elem, const void*, Elem, const void*, Elem, void*, float*, int64_t, int64_t, float) {}
void rms_norm_backward(Elem, const void*, Elem, const void*, Elem, const void*, const float*, void*, float*, int64_t,
                       int64_t) {}
void column_scale_forward(Elem, const void*, const float*, const float*, void*, int64_t, int64_t) {}
void column_scale_backward(Elem, const void*, const void*, const float*, void*, float*, int64_t, int64_t) {}
void accumulate_slabs(float*, int64_t, Elem, const void*, int64_t, int64_t, int64_t) {}
void row_dots(Elem, const void*, const void*, float*, int64_t, int64_t) {}
void nf4_dequantize(const uint8_t*, const float*, const float*, int64_t, int64_t, Elem, void*) {}
void attention_softmax_forward(const ScoreRows&, Elem, const void*, void*, float*, float*) {}
void attention_softmax_backward(const ScoreRows&, Elem, const void*, const float*, const void*, const float*, void*,
                                void*) {}
void nearest_codes(const float*, int64_t, const float*, int, uint8_t*) {}
void dora_row_norms(Elem, const void*, const float*, const float*, float, float*, int64_t, int64_t, int64_t) {}
void row_scale(Elem, const void*, const float*, void*, int64_t, int64_t) {}
void dropout_mask(Elem, uint64_t, float, void*, int64_t) {}
bool attention_backward_bf16_available() { return false; }
void attention_backward_bf16(const AttentionBackwardBf16&) {}

#endif

}  // namespace lathe::cpu_kernels
