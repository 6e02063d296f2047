#include "core/infer/gemv.h"

#include "core/infer/amx.h"
#include "core/io/gguf_quant.h"
#include "core/util/spin_pool.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LATHE_X86 1
#endif

namespace lathe::kernels {

using lathe::bf16_to_fp32;  // core/io/gguf_quant.h: the one conversion both share

namespace {

// ---- portable dot products (any processor; also the reference the tests compare against) ----

float dot_f32_portable(const float* w, const float* x, int64_t n) {
    float acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) acc[k] += w[i + k] * x[i + k];
    float s = 0;
    for (; i < n; ++i) s += w[i] * x[i];
    for (float a : acc) s += a;
    return s;
}

float dot_bf16_portable(const uint16_t* w, const float* x, int64_t n) {
    float acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) acc[k] += bf16_to_fp32(w[i + k]) * x[i + k];
    float s = 0;
    for (; i < n; ++i) s += bf16_to_fp32(w[i]) * x[i];
    for (float a : acc) s += a;
    return s;
}

// Q8_0 x Q8_0 as the vector kernels (and llama.cpp): x quantized per block too, each block's sum exact.
float dot_q8_portable(const int8_t* q, const float* scales, const int8_t* xq, const float* xs, int64_t n) {
    float s = 0;
    for (int64_t b = 0; b < n / kQ8Block; ++b) {
        int32_t block = 0;
        const int8_t* qb = q + b * kQ8Block;
        const int8_t* xb = xq + b * kQ8Block;
        for (int k = 0; k < kQ8Block; ++k) block += int32_t(qb[k]) * int32_t(xb[k]);
        s += static_cast<float>(block) * (scales[b] * xs[b]);
    }
    return s;
}

int isa_level(const std::string& name) {
    return name == "amx"         ? 4
           : name == "avx512-bf16" ? 3
           : name == "avx512"      ? 2
           : name == "avx2"        ? 1
           : name == "portable"    ? 0
                                   : -1;
}

// The highest instruction set the kernels may use: 4 AMX tiles for prompts (where the processor has them),
// 3 AVX-512 with AVX512-BF16's vdpbf16ps for bf16 weights, 2 AVX-512 (with VNNI for int8 where present),
// 1 AVX2 + FMA, 0 portable C++. Tests and benches lower it (limit_kernel_isa, or LATHE_KERNEL_ISA in the
// environment) to run every path on one processor.
std::atomic<int> g_isa_limit{[] {
    const char* env = std::getenv("LATHE_KERNEL_ISA");
    const int level = env ? isa_level(env) : -1;
    if (env && level < 0)  // a typo would otherwise measure the fastest path under the name of another
        std::fprintf(stderr, "lathe: LATHE_KERNEL_ISA='%s' is not one of amx, avx512-bf16, avx512, avx2, portable; ignored\n",
                     env);
    return level < 0 ? 4 : level;
}()};

#ifdef LATHE_X86

bool cpu_avx2() {
    static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok;
}
bool cpu_avx512() {  // F, BW, DQ and VL: every AVX-512 processor since Skylake-SP has all four
    static const bool ok = cpu_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    return ok;
}
bool cpu_vnni() {
    static const bool ok = cpu_avx512() && __builtin_cpu_supports("avx512vnni");
    return ok;
}
bool have_avx2() { return cpu_avx2() && g_isa_limit.load(std::memory_order_relaxed) >= 1; }
bool have_avx512() { return cpu_avx512() && g_isa_limit.load(std::memory_order_relaxed) >= 2; }
bool have_vnni() { return cpu_vnni() && g_isa_limit.load(std::memory_order_relaxed) >= 2; }
bool cpu_bf16_dot() {
    static const bool ok = cpu_avx512() && __builtin_cpu_supports("avx512bf16");
    return ok;
}
bool have_bf16_dot() { return cpu_bf16_dot() && g_isa_limit.load(std::memory_order_relaxed) >= 3; }
bool have_amx() { return have_bf16_dot() && g_isa_limit.load(std::memory_order_relaxed) >= 4 && amx_bf16_usable(); }

__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

// The next group's rows, read as one sequential stream while this group computes. The four rows of a
// group are four interleaved streams inside the same pages, which the hardware prefetchers do not
// follow (int8 rows of 896 bytes: four per page); without this, bf16 and int8 read slower per byte than
// float32 does.
__attribute__((target("avx2,fma"))) inline void prefetch_next(const void* next_group, int64_t iteration, int lines) {
    const char* p = static_cast<const char*>(next_group) + iteration * 64 * lines;
    for (int k = 0; k < lines; ++k) _mm_prefetch(p + 64 * k, _MM_HINT_T0);
}

// The AVX2 kernels compute R = 4 (or 1) output rows at a time: each load of x serves four weight rows,
// and four independent accumulator chains keep both FMA ports busy. On a CPU without bf16 or int8 dot
// instructions the widening, not the memory, is what limits a one-row loop.

template <int R>
__attribute__((target("avx2,fma"))) void rows_f32_avx2(const float* w, int64_t n, const float* x, float* out) {
    __m256 a[R][2];
    for (int r = 0; r < R; ++r) a[r][0] = a[r][1] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        if (R > 1) prefetch_next(w + R * n, i / 16, R);  // R rows x 64 bytes consumed per step
        const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
        for (int r = 0; r < R; ++r) {
            a[r][0] = _mm256_fmadd_ps(_mm256_loadu_ps(w + r * n + i), x0, a[r][0]);
            a[r][1] = _mm256_fmadd_ps(_mm256_loadu_ps(w + r * n + i + 8), x1, a[r][1]);
        }
    }
    for (int r = 0; r < R; ++r) {
        float s = hsum(_mm256_add_ps(a[r][0], a[r][1]));
        for (int64_t j = i; j < n; ++j) s += w[r * n + j] * x[j];
        out[r] = s;
    }
}

// bf16 pairs: a 32-bit lane holds elements 2k (low half) and 2k + 1 (high half); shifting left by 16
// makes the even one a float, masking the low half the odd one. x comes split the same way (xe, xo).
template <int R>
__attribute__((target("avx2,fma"))) void rows_bf16_avx2(const uint16_t* w, int64_t n, const float* x,
                                                        const float* xe, const float* xo, float* out) {
    __m256 a[R][2];
    for (int r = 0; r < R; ++r) a[r][0] = a[r][1] = _mm256_setzero_ps();
    const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        if (R > 1 && (i & 31) == 0) prefetch_next(w + R * n, i / 32, R);  // R rows x 32 bytes per step
        const __m256 e = _mm256_loadu_ps(xe + i / 2), o = _mm256_loadu_ps(xo + i / 2);
        for (int r = 0; r < R; ++r) {
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + r * n + i));
            a[r][0] = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(v, 16)), e, a[r][0]);
            a[r][1] = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_and_si256(v, high)), o, a[r][1]);
        }
    }
    for (int r = 0; r < R; ++r) {
        float s = hsum(_mm256_add_ps(a[r][0], a[r][1]));
        for (int64_t j = i; j < n; ++j) s += bf16_to_fp32(w[r * n + j]) * x[j];
        out[r] = s;
    }
}

// Q8_0 x Q8_0, as llama.cpp: x is quantized per block of 32 too, and a block's dot product is exact in
// integers (|w|, |x| <= 127: maddubs's int16 pair sums cannot saturate), then scaled by both scales.
template <int R>
__attribute__((target("avx2,fma"))) void rows_q8_avx2(const int8_t* q, const float* scales, int64_t n,
                                                      const int8_t* xq, const float* xs, float* out) {
    const int64_t blocks = n / kQ8Block;
    __m256 a[R];
    for (int r = 0; r < R; ++r) a[r] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t b = 0; b < blocks; ++b) {
        if (R > 1 && (b & 1) == 0) prefetch_next(q + R * n, b / 2, R);  // R rows x 32 bytes per block
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + b * kQ8Block));
        for (int r = 0; r < R; ++r) {
            const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + r * n + b * kQ8Block));
            const __m256i prod = _mm256_maddubs_epi16(_mm256_sign_epi8(wv, wv), _mm256_sign_epi8(xv, wv));
            const __m256 sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(prod, ones));
            a[r] = _mm256_fmadd_ps(sums, _mm256_set1_ps(scales[r * blocks + b] * xs[b]), a[r]);
        }
    }
    for (int r = 0; r < R; ++r) out[r] = hsum(a[r]);
}

__attribute__((target("avx2,fma"))) inline __m256 load_bf16x8(const uint16_t* p) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

__attribute__((target("avx2,fma"))) inline __m256 load_i8x8(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

__attribute__((target("avx2,fma"))) void bf16_row_avx2(const uint16_t* src, int64_t n, float* dst) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_bf16x8(src + i));
    for (; i < n; ++i) dst[i] = bf16_to_fp32(src[i]);
}

// fp32_to_bf16 on 16 values at a time in integer arithmetic, so that every value (subnormals and NaN
// included) rounds as the scalar form does; vcvtneps2bf16 would flush subnormal inputs to zero. (Masked
// forms: GCC 12's unmasked shift and narrowing start from an undefined vector and warn, GCC bug 105593.)
__attribute__((target("avx512f"))) void round_bf16_avx512(const float* x, int64_t n, uint16_t* dst) {
    const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7FFF), abs_mask = _mm512_set1_epi32(0x7FFFFFFF),
                  inf = _mm512_set1_epi32(0x7F800000), quiet = _mm512_set1_epi32(64);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i b = _mm512_castps_si512(_mm512_loadu_ps(x + i));
        const __m512i high = _mm512_maskz_srli_epi32(0xFFFF, b, 16);
        const __m512i rounded =
            _mm512_maskz_srli_epi32(0xFFFF, _mm512_add_epi32(b, _mm512_add_epi32(bias, _mm512_and_si512(high, one))), 16);
        const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(b, abs_mask), inf);
        const __m512i r = _mm512_mask_mov_epi32(rounded, nan, _mm512_or_si512(high, quiet));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm512_maskz_cvtepi32_epi16(0xFFFF, r));
    }
    for (; i < n; ++i) dst[i] = fp32_to_bf16(x[i]);
}

__attribute__((target("avx2,fma"))) void q8_row_avx2(const int8_t* q, const float* scales, int64_t n, float* dst) {
    for (int64_t b = 0; b < n / kQ8Block; ++b) {
        const __m256 s = _mm256_set1_ps(scales[b]);
        for (int k = 0; k < kQ8Block; k += 8)
            _mm256_storeu_ps(dst + b * kQ8Block + k, _mm256_mul_ps(load_i8x8(q + b * kQ8Block + k), s));
    }
}

// ---- several input rows at once (batched decoding) ----
// One row's decode is bound by memory; eight rows' by arithmetic, where the one-row kernels above spend
// their time widening each weight again for every input row. These tiles take 4 weight rows x up to 4
// input rows: each weight vector is loaded and widened once for the 4 inputs, 16 accumulators of 16 lanes
// each keep both FMA ports busy. AVX-512F only (the AVX2 kernels serve the other processors).

// GCC 12's avx512fintrin.h trips its own -Wmaybe-uninitialized (the masked builtins behind the plain
// intrinsics); the warning is about the header, not this code.
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"

#define LATHE_AVX512 "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"
#define LATHE_VNNI "avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma"
#define LATHE_BF16 "avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,avx2,fma"

__attribute__((target(LATHE_AVX512))) inline float hsum512(__m512 v) {
    return hsum(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

// ---- one input row, AVX-512 (decoding) ----
// On AVX-512 processors the memory system streams one row at a time faster than four interleaved ones
// (bench-gemv: 151936 x 896 float32, 2 threads: one row 47-50 GB/s, four rows with prefetching 38-45),
// so these kernels read one weight row after another, prefetching 1 KB ahead in the same stream: every
// cache line of it. A loop step reads two lines (128 bytes); asking for only the first of each pair left
// the other to the hardware prefetchers and streamed a third slower (bench-gemv, 151936 x 1536, 2 threads,
// on the AVX512-BF16 VM: float32 27-32 -> 31-46 GB/s, bf16 20-30 -> 31-47).

__attribute__((target(LATHE_AVX512))) float row_f32_avx512(const float* w, int64_t n, const float* x) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        _mm_prefetch(reinterpret_cast<const char*>(w + i) + 1024, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(w + i) + 1088, _MM_HINT_T0);
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), _mm512_loadu_ps(x + i), a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), _mm512_loadu_ps(x + i + 16), a1);
    }
    float s = hsum512(_mm512_add_ps(a0, a1));
    for (int64_t j = i; j < n; ++j) s += w[j] * x[j];
    return s;
}

// bf16 weights against x rounded to bf16, with AVX512-BF16's vdpbf16ps: 32 products a vector, summed in
// pairs into float32 lanes. One instruction per 32 weights where widening them to float32 takes four,
// which on two cores doubles the rows read per second (bench-gemv, Qwen2.5-0.5B's head: 7.4 -> 3.5 ms).
// Rounding x is what llama.cpp's BF16 dot product does too, and less than a bf16 model in PyTorch or
// transformers rounds (every activation there is bf16); the agreement with float32 is in
// docs/benchmarks.md. `xb` is x in bf16 (round to nearest even).
__attribute__((target(LATHE_BF16))) float row_bf16_dp(const uint16_t* w, int64_t n, const uint16_t* xb) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(w + i) + 1024, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(w + i) + 1088, _MM_HINT_T0);
        a0 = _mm512_dpbf16_ps(a0, reinterpret_cast<__m512bh>(_mm512_loadu_si512(w + i)),
                              reinterpret_cast<__m512bh>(_mm512_loadu_si512(xb + i)));
        a1 = _mm512_dpbf16_ps(a1, reinterpret_cast<__m512bh>(_mm512_loadu_si512(w + i + 32)),
                              reinterpret_cast<__m512bh>(_mm512_loadu_si512(xb + i + 32)));
    }
    float s = hsum512(_mm512_add_ps(a0, a1));
    for (int64_t j = i; j < n; ++j) s += bf16_to_fp32(w[j]) * bf16_to_fp32(xb[j]);
    return s;
}

// Q8_0 x Q8_0 with AVX512-VNNI, two blocks per vector: vpdpbusd multiplies unsigned by signed bytes and
// sums each four into an int32 lane, so |w| meets x carrying w's sign (exact, as the AVX2 kernel); lanes
// 0-7 hold block b's sums, 8-15 block b + 1's, scaled by both blocks' scales.
// Two adjacent floats (the scales of blocks b and b + 1) spread over lanes 0-7 and 8-15.
__attribute__((target(LATHE_AVX512))) inline __m512 scale_pair(const float* p) {
    const __m512i pairs = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    return _mm512_permutexvar_ps(pairs, _mm512_castps128_ps512(_mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)))));
}

__attribute__((target(LATHE_VNNI))) float row_q8_vnni(const int8_t* q, const float* scales, int64_t n,
                                                     const int8_t* xq, const float* xs) {
    const int64_t blocks = n / kQ8Block;
    __m512 a = _mm512_setzero_ps();
    const __m512i zero = _mm512_setzero_si512();
    int64_t b = 0;
    for (; b + 2 <= blocks; b += 2) {
        _mm_prefetch(reinterpret_cast<const char*>(q + b * kQ8Block) + 1024, _MM_HINT_T0);
        const __m512i xv = _mm512_loadu_si512(xq + b * kQ8Block);
        const __m512i wv = _mm512_loadu_si512(q + b * kQ8Block);
        const __m512i sx = _mm512_mask_sub_epi8(xv, _mm512_movepi8_mask(wv), zero, xv);
        const __m512i sums = _mm512_dpbusd_epi32(zero, _mm512_abs_epi8(wv), sx);
        a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_mul_ps(scale_pair(scales + b), scale_pair(xs + b)), a);
    }
    float s = hsum512(a);
    for (int64_t t = b; t < blocks; ++t) {  // an odd last block
        int32_t block = 0;
        for (int k = 0; k < kQ8Block; ++k) block += int32_t(q[t * kQ8Block + k]) * xq[t * kQ8Block + k];
        s += static_cast<float>(block) * (scales[t] * xs[t]);
    }
    return s;
}

struct LoadF32 {
    const float* w;
    __attribute__((target(LATHE_AVX512))) __m512 operator()(int64_t offset) const { return _mm512_loadu_ps(w + offset); }
    float at(int64_t offset) const { return w[offset]; }
};

struct LoadBf16 {
    const uint16_t* w;
    __attribute__((target(LATHE_AVX512))) __m512 operator()(int64_t offset) const {
        const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + offset)));
        return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
    }
    float at(int64_t offset) const { return bf16_to_fp32(w[offset]); }
};

// The next group of weight rows, asked for while this group computes (in a batch the hardware prefetchers
// lose the stream: each group is read once per 4 input rows and once per pass). The requests are spread
// over the group's passes, one weight row to each in turn, so that they trickle out at the rate memory
// serves them rather than in one burst.
#ifndef LATHE_PREFETCH_GROUPS
#define LATHE_PREFETCH_GROUPS 1
#endif
constexpr int64_t kPrefetchGroups = LATHE_PREFETCH_GROUPS;
template <class T>
struct Prefetch {
    const T* next = nullptr;  // the next group's first row; null: nothing to ask for
    int unit = 0, units = 1;  // this tile's first pass, and the passes the requests are spread over
    bool row(int k, int pass) const { return next && k % units == unit + pass; }
    // For the tile of input rows [r0, r0 + 4) of group o (rw weight rows of `in`) among `rows` inputs,
    // each tile making `passes` passes over its weights.
    static Prefetch spread(const T* W, int64_t o, int rw, int64_t out, int64_t in, int64_t r0, int64_t rows,
                           int passes = 2) {
        Prefetch p;
        p.units = static_cast<int>(std::min<int64_t>(rw, passes * ((rows + 3) / 4)));
        p.unit = static_cast<int>(r0 / 4) * passes;
        if (o + (1 + kPrefetchGroups) * rw <= out && p.unit < p.units) p.next = W + (o + kPrefetchGroups * rw) * in;
        return p;
    }
};

// y[r][k] = W[k] . x[r] for RW weight rows (consecutive, stride n, read through `load`) and RX input rows.
template <int RW, int RX, class Load, class T>
__attribute__((target(LATHE_AVX512))) void tile_avx512(const Load& load, int64_t n, const float* x, const Prefetch<T>& pf,
                                                       float out[4][4]) {
    __m512 a[RW][RX];
    for (int k = 0; k < RW; ++k)
        for (int r = 0; r < RX; ++r) a[k][r] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        for (int k = 0; k < RW; ++k)  // a line of 64 bytes per row: every step for float32, every other for bf16
            if (pf.row(k, 0) && (i * int64_t(sizeof(T))) % 64 == 0)
                _mm_prefetch(reinterpret_cast<const char*>(pf.next + k * n + i), _MM_HINT_T0);
        __m512 xv[RX];
        for (int r = 0; r < RX; ++r) xv[r] = _mm512_loadu_ps(x + r * n + i);
        for (int k = 0; k < RW; ++k) {
            const __m512 wv = load(k * n + i);
            for (int r = 0; r < RX; ++r) a[k][r] = _mm512_fmadd_ps(wv, xv[r], a[k][r]);
        }
    }
    for (int k = 0; k < RW; ++k)
        for (int r = 0; r < RX; ++r) {
            alignas(64) float lanes[16];  // (GCC 12's _mm512_reduce_add_ps warns about its own header)
            _mm512_store_ps(lanes, a[k][r]);
            float s = 0;
            for (float lane : lanes) s += lane;
            for (int64_t j = i; j < n; ++j) s += load.at(k * n + j) * x[r * n + j];
            out[k][r] = s;
        }
}

template <int RW, class Load, class T>
void tile_rows(const Load& load, int64_t n, const float* x, int rx, const Prefetch<T>& pf, float out[4][4]) {
    switch (rx) {
        case 1: return tile_avx512<RW, 1>(load, n, x, pf, out);
        case 2: return tile_avx512<RW, 2>(load, n, x, pf, out);
        case 3: return tile_avx512<RW, 3>(load, n, x, pf, out);
        default: return tile_avx512<RW, 4>(load, n, x, pf, out);
    }
}

// y (rows, out) = x (rows, in) W^T in groups of 4 weight rows (split over threads), 4 input rows a tile.
// `make(o)` gives the loader for weight row o; W (element type T) is what the next group is prefetched from.
template <class T, class MakeLoad>
void multirow_avx512(const T* W, const MakeLoad& make, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 17) / (4 * std::max<int64_t>(in, 1)));
    spin_pool_for((out + 3) / 4, grain, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        float tile[4][4];
        for (int64_t g = begin; g < end; ++g) {
            const int64_t o = g * 4;
            const int rw = static_cast<int>(std::min<int64_t>(4, out - o));
            for (int64_t r0 = 0; r0 < rows; r0 += 4) {
                const int rx = static_cast<int>(std::min<int64_t>(4, rows - r0));
                const float* xr = x + r0 * in;
                if (rw == 4) {
                    tile_rows<4>(make(o), in, xr, rx, Prefetch<T>::spread(W, o, 4, out, in, r0, rows, 1), tile);
                    for (int k = 0; k < 4; ++k)
                        for (int r = 0; r < rx; ++r) y[(r0 + r) * out + o + k] = tile[k][r];
                } else {
                    for (int k = 0; k < rw; ++k) {
                        tile_rows<1>(make(o + k), in, xr, rx, Prefetch<T>{}, tile);
                        for (int r = 0; r < rx; ++r) y[(r0 + r) * out + o + k] = tile[0][r];
                    }
                }
            }
        }
    });
}

// Several input rows against bf16 weights with vdpbf16ps: up to 4 weight rows x 4 input rows a tile,
// each weight vector loaded once for the 4 inputs and each input vector once for the 4 weight rows. The
// sums run in row_bf16_dp's order, so a row gives bit for bit the same result alone or in a batch: its
// two accumulators (the first and the second 32 elements of every 64) are two passes here, each with 16
// accumulators in registers (both at once would need 32, all there are).
template <int RW, int RX>
__attribute__((target(LATHE_BF16))) void tile_bf16_dp(const uint16_t* w, int64_t n, const uint16_t* xb,
                                                      const Prefetch<uint16_t>& pf, float out[4][4]) {
    __m512 first[RW][RX];
    int64_t end = 0;
    for (int h = 0; h < 2; ++h) {
        __m512 a[RW][RX];
        for (int k = 0; k < RW; ++k)
            for (int r = 0; r < RX; ++r) a[k][r] = _mm512_setzero_ps();
        int64_t i = 0;
        for (; i + 64 <= n; i += 64) {
            const int64_t at = i + 32 * h;
            for (int k = 0; k < RW; ++k)
                if (pf.row(k, h)) {
                    _mm_prefetch(reinterpret_cast<const char*>(pf.next + k * n + i), _MM_HINT_T0);
                    _mm_prefetch(reinterpret_cast<const char*>(pf.next + k * n + i + 32), _MM_HINT_T0);
                }
            __m512bh wv[RW];
            for (int k = 0; k < RW; ++k) wv[k] = reinterpret_cast<__m512bh>(_mm512_loadu_si512(w + k * n + at));
            for (int r = 0; r < RX; ++r) {
                const __m512bh xv = reinterpret_cast<__m512bh>(_mm512_loadu_si512(xb + r * n + at));
                for (int k = 0; k < RW; ++k) a[k][r] = _mm512_dpbf16_ps(a[k][r], wv[k], xv);
            }
        }
        end = i;
        for (int k = 0; k < RW; ++k)
            for (int r = 0; r < RX; ++r) {
                if (h == 0) first[k][r] = a[k][r];
                else {
                    float s = hsum512(_mm512_add_ps(first[k][r], a[k][r]));
                    for (int64_t j = end; j < n; ++j) s += bf16_to_fp32(w[k * n + j]) * bf16_to_fp32(xb[r * n + j]);
                    out[k][r] = s;
                }
            }
    }
}

template <int RW>
void tile_bf16_dp_rows(const uint16_t* w, int64_t n, const uint16_t* xb, int rx, const Prefetch<uint16_t>& pf,
                       float out[4][4]) {
    switch (rx) {
        case 1: return tile_bf16_dp<RW, 1>(w, n, xb, pf, out);
        case 2: return tile_bf16_dp<RW, 2>(w, n, xb, pf, out);
        case 3: return tile_bf16_dp<RW, 3>(w, n, xb, pf, out);
        default: return tile_bf16_dp<RW, 4>(w, n, xb, pf, out);
    }
}

#ifndef LATHE_BF16_TILE_ROWS
#define LATHE_BF16_TILE_ROWS 4
#endif
constexpr int kBf16TileRows = LATHE_BF16_TILE_ROWS;  // weight rows a tile

void multirow_bf16_dp(const uint16_t* W, int64_t out, int64_t in, const uint16_t* xb, int64_t rows, float* y) {
    constexpr int RW = kBf16TileRows;
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 17) / (RW * std::max<int64_t>(in, 1)));
    spin_pool_for((out + RW - 1) / RW, grain, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        float tile[4][4];
        for (int64_t g = begin; g < end; ++g) {
            const int64_t o = g * RW;
            const int rw = static_cast<int>(std::min<int64_t>(RW, out - o));
            for (int64_t r0 = 0; r0 < rows; r0 += 4) {
                const int rx = static_cast<int>(std::min<int64_t>(4, rows - r0));
                const Prefetch<uint16_t> pf = Prefetch<uint16_t>::spread(W, o, RW, out, in, r0, rows);
                if (rw == RW) tile_bf16_dp_rows<RW>(W + o * in, in, xb + r0 * in, rx, pf, tile);
                else
                    for (int k = 0; k < rw; ++k) {  // the last rows of W, one at a time
                        float one[4][4];
                        tile_bf16_dp_rows<1>(W + (o + k) * in, in, xb + r0 * in, rx, Prefetch<uint16_t>{}, one);
                        for (int r = 0; r < rx; ++r) tile[k][r] = one[0][r];
                    }
                for (int k = 0; k < rw; ++k)
                    for (int r = 0; r < rx; ++r) y[(r0 + r) * out + o + k] = tile[k][r];
            }
        }
    });
}

// Several input rows against Q8_0 weights with VNNI: up to 4 weight rows x 4 input rows a tile, each
// weight vector loaded (and its block scales spread) once for the 4 inputs. vpdpbusd wants one unsigned
// operand: x + 128 (x ^ 0x80 as a byte), whose extra 128 * sum(w) per lane is taken off by starting the
// lane at -128 * sum(w). Every lane's int32 sum is then exactly row_q8_vnni's, and the float sums run in
// its order (one accumulator over pairs of blocks, the same odd last block), so a row gives bit for bit
// the same result alone or in a batch.
template <int RW, int RX>
__attribute__((target(LATHE_VNNI))) void tile_q8_vnni(const int8_t* q, const float* scales, int64_t n,
                                                     const int8_t* xq, const float* xs, const Prefetch<int8_t>& pf,
                                                     float out[4][4]) {
    const int64_t blocks = n / kQ8Block;
    __m512 a[RW][RX];
    for (int k = 0; k < RW; ++k)
        for (int r = 0; r < RX; ++r) a[k][r] = _mm512_setzero_ps();
    const __m512i zero = _mm512_setzero_si512(), bias = _mm512_set1_epi8(static_cast<char>(0x80));
    int64_t b = 0;
    for (; b + 2 <= blocks; b += 2) {
        __m512i wv[RW], neg[RW];
        __m512 sw[RW];
        for (int k = 0; k < RW; ++k) {
            if (pf.row(k, 0)) _mm_prefetch(reinterpret_cast<const char*>(pf.next + k * n + b * kQ8Block), _MM_HINT_T0);
            wv[k] = _mm512_loadu_si512(q + k * n + b * kQ8Block);
            neg[k] = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, bias, wv[k]));
            sw[k] = scale_pair(scales + k * blocks + b);
        }
        for (int r = 0; r < RX; ++r) {
            const __m512i xu = _mm512_xor_si512(_mm512_loadu_si512(xq + r * n + b * kQ8Block), bias);
            const __m512 sx = scale_pair(xs + r * blocks + b);
            for (int k = 0; k < RW; ++k) {
                const __m512i sums = _mm512_dpbusd_epi32(neg[k], xu, wv[k]);
                a[k][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), _mm512_mul_ps(sw[k], sx), a[k][r]);
            }
        }
    }
    for (int k = 0; k < RW; ++k)
        for (int r = 0; r < RX; ++r) {
            float s = hsum512(a[k][r]);
            for (int64_t t = b; t < blocks; ++t) {  // an odd last block
                int32_t block = 0;
                for (int j = 0; j < kQ8Block; ++j)
                    block += int32_t(q[k * n + t * kQ8Block + j]) * xq[r * n + t * kQ8Block + j];
                s += static_cast<float>(block) * (scales[k * blocks + t] * xs[r * blocks + t]);
            }
            out[k][r] = s;
        }
}

template <int RW>
void tile_q8_vnni_rows(const int8_t* q, const float* scales, int64_t n, const int8_t* xq, const float* xs, int rx,
                       const Prefetch<int8_t>& pf, float out[4][4]) {
    switch (rx) {
        case 1: return tile_q8_vnni<RW, 1>(q, scales, n, xq, xs, pf, out);
        case 2: return tile_q8_vnni<RW, 2>(q, scales, n, xq, xs, pf, out);
        case 3: return tile_q8_vnni<RW, 3>(q, scales, n, xq, xs, pf, out);
        default: return tile_q8_vnni<RW, 4>(q, scales, n, xq, xs, pf, out);
    }
}

#ifndef LATHE_Q8_TILE_ROWS
#define LATHE_Q8_TILE_ROWS 4
#endif
constexpr int kQ8TileRows = LATHE_Q8_TILE_ROWS;  // weight rows a tile

void multirow_q8_vnni(const int8_t* q, const float* scales, int64_t out, int64_t in, const int8_t* xq,
                      const float* xs, int64_t rows, float* y) {
    constexpr int RW = kQ8TileRows;
    const int64_t blocks = in / kQ8Block;
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 17) / (RW * std::max<int64_t>(in, 1)));
    spin_pool_for((out + RW - 1) / RW, grain, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        float tile[4][4];
        for (int64_t g = begin; g < end; ++g) {
            const int64_t o = g * RW;
            const int rw = static_cast<int>(std::min<int64_t>(RW, out - o));
            for (int64_t r0 = 0; r0 < rows; r0 += 4) {
                const int rx = static_cast<int>(std::min<int64_t>(4, rows - r0));
                const Prefetch<int8_t> pf = Prefetch<int8_t>::spread(q, o, RW, out, in, r0, rows, 1);
                const int8_t* qo = q + o * in;
                const float* so = scales + o * blocks;
                const int8_t* xr = xq + r0 * in;
                const float* sr = xs + r0 * blocks;
                if (rw == RW) tile_q8_vnni_rows<RW>(qo, so, in, xr, sr, rx, pf, tile);
                else
                    for (int k = 0; k < rw; ++k) {  // the last rows of W, one at a time
                        float one[4][4];
                        tile_q8_vnni_rows<1>(qo + k * in, so + k * blocks, in, xr, sr, rx, Prefetch<int8_t>{}, one);
                        for (int r = 0; r < rx; ++r) tile[k][r] = one[0][r];
                    }
                for (int k = 0; k < rw; ++k)
                    for (int r = 0; r < rx; ++r) y[(r0 + r) * out + o + k] = tile[k][r];
            }
        }
    });
}

#pragma GCC diagnostic pop

#else
bool have_avx2() { return false; }
bool have_avx512() { return false; }
bool have_vnni() { return false; }
bool have_bf16_dot() { return false; }
bool have_amx() { return false; }
#endif

// Output rows split over ATen's threads in groups of four; every group serves all input rows while its
// weights are in L1. `group(o, count, r)` writes y[r][o, o + count) for count 4 or 1.
#ifndef LATHE_GEMV_GROUP
#define LATHE_GEMV_GROUP 4
#endif
constexpr int kGroup = LATHE_GEMV_GROUP;
// From this many input rows on, float32 and bf16 weights go to the AVX-512 tiles (when the processor has them).
constexpr int64_t kMultirowMin = 2;

// Group rows a call: kGroup (AVX2) or 1 (AVX-512, which streams one row at a time).
template <int G = kGroup, class Group>
void for_groups(int64_t out, int64_t in, int64_t rows, const Group& group) {
    // At least 128K weights a thread: waking a sleeping OpenMP thread costs more than reading a small
    // matrix (a key or value projection) on one.
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 17) / (G * std::max<int64_t>(in, 1)));
    spin_pool_for((out + G - 1) / G, grain, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        for (int64_t g = begin; g < end; ++g) {
            const int64_t o = g * G;
            for (int64_t r = 0; r < rows; ++r) {
                if (o + G <= out) group(o, G, r);
                else
                    for (int64_t k = o; k < out; ++k) group(k, 1, r);
            }
        }
    });
}

// Output rows split over ATen's threads (the portable path).
template <class Dot>
void for_rows(int64_t out, int64_t in, int64_t rows, const float* x, float* y, const Dot& dot) {
    const int64_t grain = std::max<int64_t>(16, 65536 / std::max<int64_t>(in, 1));
    spin_pool_for(out, grain, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o)
            for (int64_t r = 0; r < rows; ++r) y[r * out + o] = dot(o, x + r * in);
    });
}

}  // namespace

const char* kernel_isa() {
    if (have_avx512()) {
        thread_local std::string name;
        name = std::string("avx512") + (have_bf16_dot() ? " (bf16: vdpbf16ps" : " (bf16: widened") +
               (have_vnni() ? ", int8: vnni" : ", int8: avx2") + (have_amx() ? ", prompts: amx)" : ")");
        return name.c_str();
    }
    return have_avx2() ? "avx2+fma" : "portable";
}

bool bf16_rounds_input() { return have_bf16_dot(); }

bool rows_are_independent() {
#ifdef LATHE_X86
    return (have_bf16_dot() && !have_amx()) || (have_avx2() && !have_avx512());
#else
    return false;
#endif
}

bool amx_enabled() {
#ifdef LATHE_X86
    return have_amx();
#else
    return false;
#endif
}

bool avx512_enabled() {
#ifdef LATHE_X86
    return have_avx512();
#else
    return false;
#endif
}

bool avx2_enabled() {
#ifdef LATHE_X86
    return have_avx2();
#else
    return false;
#endif
}

bool limit_kernel_isa(const char* name) {
    const int level = isa_level(name ? name : "");
    if (level < 0) return false;
    g_isa_limit.store(level);
    return true;
}

void gemv_f32(const float* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
#ifdef LATHE_X86
    if (rows >= kMultirowMin && have_avx512())
        return multirow_avx512(W, [&](int64_t o) { return LoadF32{W + o * in}; }, out, in, x, rows, y);
    if (have_avx512()) {
        for_groups<1>(out, in, rows, [&](int64_t o, int, int64_t r) { y[r * out + o] = row_f32_avx512(W + o * in, in, x + r * in); });
        return;
    }
    if (have_avx2()) {
        for_groups(out, in, rows, [&](int64_t o, int count, int64_t r) {
            float res[4];
            if (count == kGroup) rows_f32_avx2<kGroup>(W + o * in, in, x + r * in, res);
            else rows_f32_avx2<1>(W + o * in, in, x + r * in, res);
            for (int k = 0; k < count; ++k) y[r * out + o + k] = res[k];
        });
        return;
    }
#endif
    for_rows(out, in, rows, x, y, [&](int64_t o, const float* xr) { return dot_f32_portable(W + o * in, xr, in); });
}

void gemv_bf16(const uint16_t* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
#ifdef LATHE_X86
    // A prompt on AMX tiles; decoding stays on vdpbf16ps, which streams a weight row from memory faster
    // than tile loads do (AMX decoded 7-10% slower at 0.5B).
    if (rows > kGemvMaxRows && have_amx()) return gemv_bf16_amx(W, out, in, x, rows, y);
    if (have_bf16_dot()) {
        std::vector<uint16_t> xb(static_cast<size_t>(rows * in));
        round_to_bf16(x, rows * in, xb.data());
        if (rows >= kMultirowMin) return multirow_bf16_dp(W, out, in, xb.data(), rows, y);
        for_groups<1>(out, in, rows, [&](int64_t o, int, int64_t r) {
            y[r * out + o] = row_bf16_dp(W + o * in, in, xb.data() + r * in);
        });
        return;
    }
    if (rows >= kMultirowMin && have_avx512())
        return multirow_avx512(W, [&](int64_t o) { return LoadBf16{W + o * in}; }, out, in, x, rows, y);
    if (have_avx2()) {
        // x split into the even and odd elements of each group of 16 (see rows_bf16_avx2).
        const int64_t half = in / 16 * 8;
        std::vector<float> xe(static_cast<size_t>(rows * half) + 1), xo(xe.size());
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t k = 0; k < half; ++k) {
                xe[r * half + k] = x[r * in + 2 * k];
                xo[r * half + k] = x[r * in + 2 * k + 1];
            }
        for_groups(out, in, rows, [&](int64_t o, int count, int64_t r) {
            float res[4];
            const float *e = xe.data() + r * half, *od = xo.data() + r * half;
            if (count == kGroup) rows_bf16_avx2<kGroup>(W + o * in, in, x + r * in, e, od, res);
            else rows_bf16_avx2<1>(W + o * in, in, x + r * in, e, od, res);
            for (int k = 0; k < count; ++k) y[r * out + o + k] = res[k];
        });
        return;
    }
#endif
    for_rows(out, in, rows, x, y, [&](int64_t o, const float* xr) { return dot_bf16_portable(W + o * in, xr, in); });
}

void gemv_q8(const int8_t* q, const float* scales, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
    // A prompt on AMX tiles, the weights dequantized to bf16 a group at a time (core/infer/amx.h).
    if (rows > kGemvMaxRows && have_amx()) return gemv_q8_amx(q, scales, out, in, x, rows, y);
    const int64_t blocks = in / kQ8Block;
    std::vector<int8_t> xq(static_cast<size_t>(rows * in));
    std::vector<float> xs(static_cast<size_t>(rows * blocks));
    for (int64_t r = 0; r < rows; ++r) quantize_q8_row(x + r * in, in, xq.data() + r * in, xs.data() + r * blocks);
#ifdef LATHE_X86
    if (have_avx2()) {
        if (have_vnni()) {
            if (rows >= kMultirowMin) return multirow_q8_vnni(q, scales, out, in, xq.data(), xs.data(), rows, y);
            for_groups<1>(out, in, rows, [&](int64_t o, int, int64_t r) {
                y[r * out + o] = row_q8_vnni(q + o * in, scales + o * blocks, in, xq.data() + r * in, xs.data() + r * blocks);
            });
            return;
        }
        for_groups(out, in, rows, [&](int64_t o, int count, int64_t r) {
            float res[4];
            const int8_t* xr = xq.data() + r * in;
            const float* sr = xs.data() + r * blocks;
            if (count == kGroup) rows_q8_avx2<kGroup>(q + o * in, scales + o * blocks, in, xr, sr, res);
            else rows_q8_avx2<1>(q + o * in, scales + o * blocks, in, xr, sr, res);
            for (int k = 0; k < count; ++k) y[r * out + o + k] = res[k];
        });
        return;
    }
#endif
    for_rows(out, in, rows, x, y, [&](int64_t o, const float* xr) {
        const int64_t r = (xr - x) / in;
        return dot_q8_portable(q + o * in, scales + o * blocks, xq.data() + r * in, xs.data() + r * blocks, in);
    });
}

void bf16_row_to_f32(const uint16_t* src, int64_t in, float* dst) {
#ifdef LATHE_X86
    if (have_avx2()) return bf16_row_avx2(src, in, dst);
#endif
    for (int64_t i = 0; i < in; ++i) dst[i] = bf16_to_fp32(src[i]);
}

void round_to_bf16(const float* x, int64_t n, uint16_t* dst) {
#ifdef LATHE_X86
    if (have_avx512()) return round_bf16_avx512(x, n, dst);
#endif
    for (int64_t i = 0; i < n; ++i) dst[i] = fp32_to_bf16(x[i]);
}

void q8_row_to_f32(const int8_t* q, const float* scales, int64_t in, float* dst) {
#ifdef LATHE_X86
    if (have_avx2()) return q8_row_avx2(q, scales, in, dst);
#endif
    for (int64_t i = 0; i < in; ++i) dst[i] = static_cast<float>(q[i]) * scales[i / kQ8Block];
}

#ifdef LATHE_X86
namespace {
// The same numbers as the portable loop below: |w| max per block, q = w / scale rounded to nearest
// (ties away from zero, as lroundf and llama.cpp's roundf), clamped to +-127.
__attribute__((target("avx2,fma"))) void quantize_q8_row_avx2(const float* w, int64_t in, int8_t* q, float* scales) {
    const __m256 sign_mask = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f), lim = _mm256_set1_ps(127.0f);
    for (int64_t b = 0; b < in / kQ8Block; ++b) {
        const float* wb = w + b * kQ8Block;
        __m256 v[4], amax = _mm256_setzero_ps();
        for (int k = 0; k < 4; ++k) {
            v[k] = _mm256_loadu_ps(wb + 8 * k);
            amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_mask, v[k]));
        }
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
        const float scale = _mm_cvtss_f32(m) / 127.0f;
        scales[b] = scale;
        const __m256 inv = _mm256_set1_ps(scale > 0 ? 1.0f / scale : 0.0f);
        __m256i ints[4];
        for (int k = 0; k < 4; ++k) {
            const __m256 x = _mm256_mul_ps(v[k], inv);
            // round half away from zero: trunc(|x| + 0.5) with x's sign
            const __m256 sign = _mm256_and_ps(x, sign_mask);
            __m256 r = _mm256_round_ps(_mm256_add_ps(_mm256_andnot_ps(sign_mask, x), half), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
            r = _mm256_min_ps(r, lim);
            ints[k] = _mm256_cvttps_epi32(_mm256_or_ps(r, sign));
        }
        // int32 x 32 -> int8 x 32 in order (packs work within 128-bit lanes: fix the order after).
        const __m256i s01 = _mm256_packs_epi32(ints[0], ints[1]), s23 = _mm256_packs_epi32(ints[2], ints[3]);
        const __m256i bytes = _mm256_packs_epi16(s01, s23);
        const __m256i ordered = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + b * kQ8Block), ordered);
    }
}
}  // namespace
#endif

void quantize_q8_row(const float* w, int64_t in, int8_t* q, float* scales) {
#ifdef LATHE_X86
    if (have_avx2()) return quantize_q8_row_avx2(w, in, q, scales);
#endif
    for (int64_t b = 0; b < in / kQ8Block; ++b) {
        const float* wb = w + b * kQ8Block;
        float amax = 0;
        for (int k = 0; k < kQ8Block; ++k) amax = std::max(amax, std::fabs(wb[k]));
        const float scale = amax / 127.0f;
        const float inv = scale > 0 ? 1.0f / scale : 0.0f;
        scales[b] = scale;
        for (int k = 0; k < kQ8Block; ++k)
            q[b * kQ8Block + k] = static_cast<int8_t>(std::lround(std::clamp(wb[k] * inv, -127.0f, 127.0f)));
    }
}

#ifdef LATHE_X86
namespace {
// y = sum over r of p[r] * W[r] for the columns from c0 of a block of N vectors (16 floats each with
// AVX-512, 8 with AVX2), held in registers while the rows stream past.
template <int N>
__attribute__((target(LATHE_AVX512))) void weighted_rows_block_avx512(const float* W, int64_t rows, int64_t cols,
                                                                      const float* p, int64_t c0, float* y) {
    __m512 acc[N];
    for (int k = 0; k < N; ++k) acc[k] = _mm512_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) {
        const __m512 w = _mm512_set1_ps(p[r]);
        const float* row = W + r * cols + c0;
        for (int k = 0; k < N; ++k) acc[k] = _mm512_fmadd_ps(w, _mm512_loadu_ps(row + 16 * k), acc[k]);
    }
    for (int k = 0; k < N; ++k) _mm512_storeu_ps(y + c0 + 16 * k, acc[k]);
}

template <int N>
__attribute__((target("avx2,fma"))) void weighted_rows_block_avx2(const float* W, int64_t rows, int64_t cols,
                                                                  const float* p, int64_t c0, float* y) {
    __m256 acc[N];
    for (int k = 0; k < N; ++k) acc[k] = _mm256_setzero_ps();
    for (int64_t r = 0; r < rows; ++r) {
        const __m256 w = _mm256_set1_ps(p[r]);
        const float* row = W + r * cols + c0;
        for (int k = 0; k < N; ++k) acc[k] = _mm256_fmadd_ps(w, _mm256_loadu_ps(row + 8 * k), acc[k]);
    }
    for (int k = 0; k < N; ++k) _mm256_storeu_ps(y + c0 + 8 * k, acc[k]);
}
}  // namespace
#endif

void weighted_rows_f32(const float* W, int64_t rows, int64_t cols, const float* p, float* y) {
    int64_t c = 0;
#ifdef LATHE_X86
    if (have_avx512()) {
        for (; c + 64 <= cols; c += 64) weighted_rows_block_avx512<4>(W, rows, cols, p, c, y);
        for (; c + 16 <= cols; c += 16) weighted_rows_block_avx512<1>(W, rows, cols, p, c, y);
    } else if (have_avx2()) {
        for (; c + 32 <= cols; c += 32) weighted_rows_block_avx2<4>(W, rows, cols, p, c, y);
        for (; c + 8 <= cols; c += 8) weighted_rows_block_avx2<1>(W, rows, cols, p, c, y);
    }
#endif
    for (; c < cols; ++c) {
        float s = 0;
        for (int64_t r = 0; r < rows; ++r) s += p[r] * W[r * cols + c];
        y[c] = s;
    }
}

}  // namespace lathe::kernels
