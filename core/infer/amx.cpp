#include "core/infer/amx.h"

#include "core/infer/gemv.h"
#include "core/io/gguf_quant.h"
#include "core/util/cpu_features.h"
#include "core/util/spin_pool.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <new>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__x86_64__) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#define LATHE_AMX_POSSIBLE 1
#endif

namespace lathe::kernels {

#ifdef LATHE_AMX_POSSIBLE

namespace {

// Words: a *position* is a row of x (a token), an *input* one of the `in` values a weight row multiplies.
// Tiles: 0-3 the four float32 accumulators (16 weight rows x 16 positions each), 4-5 two tiles of weights
// (16 rows x 32 inputs, bf16), 6-7 two tiles of x (16 pairs of inputs x 16 positions x 2 bf16: the pair
// order tdpbf16ps reads). Every tile is 16 rows of 64 bytes.
constexpr int64_t kTileRows = 16;  // weight rows a weight tile; positions a tile of x
constexpr int64_t kTileK = 32;     // bf16 values along `in` a tile
constexpr int64_t kTileElems = kTileRows * kTileK;  // bf16 values in one tile (1 KB)

// One block of outputs: up to 32 weight rows (a0, a1: 16 each, rows `stride` bytes apart) against up to 32
// positions (b0, b1: tiles of x, kTileElems apart along `in`), over `kblocks` tiles of 32 inputs. c gets
// the four 16 x 16 float32 results, [weight tile][x tile][weight row][position].
template <bool TwoW, bool TwoX>
__attribute__((target("amx-tile,amx-bf16"))) void block(const uint16_t* a0, const uint16_t* a1, int64_t stride,
                                                         const uint16_t* b0, const uint16_t* b1, int64_t kblocks,
                                                         float* c) {
    _tile_zero(0);
    if constexpr (TwoX) _tile_zero(1);
    if constexpr (TwoW) _tile_zero(2);
    if constexpr (TwoW && TwoX) _tile_zero(3);
    for (int64_t kb = 0; kb < kblocks; ++kb) {
        _tile_loadd(4, a0 + kb * kTileK, stride);
        if constexpr (TwoW) _tile_loadd(5, a1 + kb * kTileK, stride);
        _tile_loadd(6, b0 + kb * kTileElems, 64);
        if constexpr (TwoX) _tile_loadd(7, b1 + kb * kTileElems, 64);
        _tile_dpbf16ps(0, 4, 6);
        if constexpr (TwoX) _tile_dpbf16ps(1, 4, 7);
        if constexpr (TwoW) _tile_dpbf16ps(2, 5, 6);
        if constexpr (TwoW && TwoX) _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, c, 64);
    if constexpr (TwoX) _tile_stored(1, c + 256, 64);
    if constexpr (TwoW) _tile_stored(2, c + 512, 64);
    if constexpr (TwoW && TwoX) _tile_stored(3, c + 768, 64);
}


// dst[k] = bf16(s_b * q[k]) for a row of `blocks` Q8_0 blocks of 32 (s_b the block's scale), rounded to
// nearest even (vcvtne2ps2bf16; the products of an int8 and a normal scale are never subnormal, where it
// would differ from fp32_to_bf16). Masked forms for GCC bug 105593, as above.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void dequantize_row_bf16(const int8_t* q,
                                                                                        const float* scales,
                                                                                        int64_t blocks,
                                                                                        uint16_t* dst) {
    for (int64_t b = 0; b < blocks; ++b) {
        const __m512 scale = _mm512_set1_ps(scales[b]);
        const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + b * kQ8Block));
        const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + b * kQ8Block + 16));
        const __m512 vlo = _mm512_mul_ps(scale, _mm512_maskz_cvtepi32_ps(0xFFFF, _mm512_maskz_cvtepi8_epi32(0xFFFF, lo)));
        const __m512 vhi = _mm512_mul_ps(scale, _mm512_maskz_cvtepi32_ps(0xFFFF, _mm512_maskz_cvtepi8_epi32(0xFFFF, hi)));
        _mm512_storeu_si512(dst + b * kQ8Block, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(vhi, vlo)));
    }
}

// n values (zeroed unless told otherwise) at a 64-byte boundary: a tile row read across two cache lines
// costs both (int8's 4864 x 896 x 512 products took 5.4 ms from malloc's 16-byte-aligned buffers, 2.8 ms
// from these).
template <class T>
class Aligned {
public:
    explicit Aligned(size_t n, bool zeroed = true)
        : bytes_((n * sizeof(T) + 63) / 64 * 64), p_(static_cast<T*>(std::aligned_alloc(64, bytes_))) {
        if (!p_) throw std::bad_alloc();
        if (zeroed) std::memset(static_cast<void*>(p_), 0, bytes_);
    }
    Aligned(const Aligned&) = delete;
    Aligned& operator=(const Aligned&) = delete;
    ~Aligned() { std::free(p_); }
    T* data() const { return p_; }

private:
    size_t bytes_;
    T* p_;
};

using BlockFn = void (*)(const uint16_t*, const uint16_t*, int64_t, const uint16_t*, const uint16_t*, int64_t, float*);

bool tiles_granted() {
    constexpr long kGetPermission = 0x1022, kRequestPermission = 0x1023, kTileData = 18;
    if (syscall(SYS_arch_prctl, kRequestPermission, kTileData) != 0) return false;
    unsigned long granted = 0;
    if (syscall(SYS_arch_prctl, kGetPermission, &granted) != 0) return false;
    return granted & (1ul << kTileData);
}

struct alignas(64) TileConfig {
    uint8_t palette_id = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

}  // namespace

__attribute__((target("amx-tile"))) void amx_tiles_begin() {
    TileConfig config;
    for (int t = 0; t < 8; ++t) {
        config.rows[t] = kTileRows;
        config.colsb[t] = 64;
    }
    // Not _tile_loadconfig: GCC 12's version names only the first 8 bytes as read, so the compiler may drop
    // the stores to the rest of the configuration (then every tile is unconfigured and tilezero faults).
    __asm__ volatile("ldtilecfg %0" : : "m"(config));
}

__attribute__((target("amx-tile"))) void amx_tiles_end() { _tile_release(); }

bool amx_bf16_usable() {
    // cpu_features(): CPUID's AMX-BF16 and XCR0's tile state (core/util/cpu_features.h).
    static const bool usable = cpu_features().usable_amx_bf16() && tiles_granted();
    return usable;
}

namespace {

// The products of x's rows with groups of up to 32 weight rows on the tiles. prepare(g, padded, padded_in)
// writes group g's rows into `padded` as bf16 (two halves of 16 rows, padded_in apart, zero beyond `in`
// and beyond the group's rows) and says whether the second half holds any; write(g, sums, xtiles) takes
// the results: for each pair of x tiles p, the four 16 x 16 float32 tiles at sums + p * 1024, [first/
// second half][first/second x tile][weight row][position].
template <class Prepare, class Write>
void tiled_products(int64_t groups, int64_t in, const float* x, int64_t rows, const Prepare& prepare,
                    const Write& write) {
    const int64_t kblocks = (in + kTileK - 1) / kTileK, padded_in = kblocks * kTileK;
    const int64_t xtiles = (rows + kTileRows - 1) / kTileRows;
    // x rounded to bf16 and laid out as the tiles read it: for each 16 positions and 32 inputs, 16 tile rows
    // of (pair, position) -> x[position][2 * pair], x[position][2 * pair + 1], a 32-bit pair each. Zero
    // beyond `rows` and `in`. Split over the threads by tiles of x.
    Aligned<uint32_t> xp(static_cast<size_t>(xtiles * kblocks * kTileElems / 2), /*zeroed=*/false);
    spin_pool_for(xtiles, 1, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        // 16 positions rounded, each padded to whole tiles, then turned into the tiles' order.
        Aligned<uint32_t> block16(static_cast<size_t>(kTileRows * padded_in / 2));
        for (int64_t t = begin; t < end; ++t) {
            for (int64_t tr = 0; tr < kTileRows; ++tr) {
                const int64_t r = t * kTileRows + tr;
                auto* row = reinterpret_cast<uint16_t*>(block16.data() + tr * padded_in / 2);
                if (r < rows)
                    round_to_bf16(x + r * in, in, row);
                else
                    std::fill(row, row + in, uint16_t(0));
            }
            uint32_t* dst = xp.data() + t * kblocks * kTileElems / 2;
            for (int64_t kb = 0; kb < kblocks; ++kb)
                transpose16(block16.data() + kb * kTileK / 2, padded_in / 2, dst + kb * kTileElems / 2, kTileRows);
        }
    });
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 17) / (2 * kTileRows * std::max<int64_t>(in, 1)));
    spin_pool_for(groups, grain, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        amx_tiles_begin();
        // Rows copied or dequantized here: zero beyond `in` (never written).
        Aligned<uint16_t> padded(static_cast<size_t>(2 * kTileRows * padded_in));
        Aligned<float> sums(static_cast<size_t>((xtiles + 1) / 2 * 1024), /*zeroed=*/false);
        for (int64_t g = begin; g < end; ++g) {
            const bool two = prepare(g, padded.data(), padded_in);
            const uint16_t *a0 = padded.data(), *a1 = a0 + kTileRows * padded_in;
            const BlockFn fn_one = two ? block<true, false> : block<false, false>;
            const BlockFn fn_two = two ? block<true, true> : block<false, true>;
            // Every pair of x tiles first, the results kept; written back afterwards (writing each block's
            // results into y, rows `out` floats apart, as it came ran the products 1.3-2x slower; measured,
            // not explained).
            for (int64_t t = 0; t < xtiles; t += 2) {
                const uint16_t* b0 = reinterpret_cast<const uint16_t*>(xp.data()) + t * kblocks * kTileElems;
                (t + 1 < xtiles ? fn_two : fn_one)(a0, a1, padded_in * 2, b0, b0 + kblocks * kTileElems, kblocks,
                                                   sums.data() + t / 2 * 1024);
            }
            write(g, sums.data(), xtiles);
        }
        amx_tiles_end();
    }, /*then_sleep=*/true);
}

// Rows [o, o + n) (n <= 16) of a bf16 weight copied into tile rows at dst, padded_in apart (zero rows
// beyond n). Copied even where the tiles could load them in place: a weight mapped from its file sits in
// 4 KB pages, and a tile load's 16 rows touch up to 16 of them; rows copied one after another, then
// loaded from the cache, ran a 512-token prompt faster (0.5B: 764-906 against 782-915 ms, alternating).
void bf16_rows(const uint16_t* W, int64_t o, int64_t n, int64_t in, uint16_t* dst, int64_t padded_in) {
    for (int64_t k = 0; k < kTileRows; ++k) {
        if (k < n) std::memcpy(dst + k * padded_in, W + (o + k) * in, static_cast<size_t>(in) * 2);
        else std::fill(dst + k * padded_in, dst + (k + 1) * padded_in, uint16_t(0));
    }
}

// The same for Q8_0 rows, dequantized to bf16.
void q8_rows(const int8_t* q, const float* scales, int64_t o, int64_t n, int64_t in, uint16_t* dst, int64_t padded_in) {
    const int64_t blocks = in / kQ8Block;
    for (int64_t k = 0; k < kTileRows; ++k) {
        if (k < n) dequantize_row_bf16(q + (o + k) * in, scales + (o + k) * blocks, blocks, dst + k * padded_in);
        else std::fill(dst + k * padded_in, dst + (k + 1) * padded_in, uint16_t(0));
    }
}

// y (rows, out) from a group of 32 weight rows starting at output o: each full 16 x 16 tile turned in
// registers, the edges one value at a time.
void write_rows(const float* sums, int64_t xtiles, int64_t o, int64_t out, int64_t rows, float* y) {
    for (int64_t t = 0; t < xtiles; t += 2) {
        for (int wi = 0; wi < 2; ++wi)
            for (int xi = 0; xi < (t + 1 < xtiles ? 2 : 1); ++xi) {
                const float* tile = sums + t / 2 * 1024 + (wi * 2 + xi) * 256;
                const int64_t r0 = (t + xi) * kTileRows, o0 = o + wi * kTileRows;
                const int64_t nr = std::min<int64_t>(kTileRows, rows - r0);
                const int64_t no = std::min<int64_t>(kTileRows, out - o0);
                if (no <= 0) continue;
                if (nr == kTileRows && no == kTileRows) {
                    transpose16(reinterpret_cast<const uint32_t*>(tile), kTileRows,
                                reinterpret_cast<uint32_t*>(y + r0 * out + o0), out);
                    continue;
                }
                for (int64_t i = 0; i < no; ++i)
                    for (int64_t r = 0; r < nr; ++r) y[(r0 + r) * out + o0 + i] = tile[i * kTileRows + r];
            }
    }
}

// h (rows, n) from a group of 16 gate rows (a0) and their 16 up rows (a1) starting at output o: both tiles
// turned, the activation applied to the 256 pairs, then written.
void write_gated(const float* sums, int64_t xtiles, int64_t o, int64_t n, int64_t rows, GatedActivation act,
                 float* h) {
    alignas(64) float gate[256], up[256], out[256];
    const int64_t no = std::min<int64_t>(kTileRows, n - o);
    for (int64_t t = 0; t < xtiles; ++t) {
        const float* pair = sums + t / 2 * 1024 + (t % 2) * 256;
        transpose16(reinterpret_cast<const uint32_t*>(pair), kTileRows, reinterpret_cast<uint32_t*>(gate), kTileRows);
        transpose16(reinterpret_cast<const uint32_t*>(pair + 512), kTileRows, reinterpret_cast<uint32_t*>(up),
                    kTileRows);
        act(gate, up, out, 256);
        const int64_t r0 = t * kTileRows, nr = std::min<int64_t>(kTileRows, rows - r0);
        for (int64_t r = 0; r < nr; ++r)
            std::memcpy(h + (r0 + r) * n + o, out + r * kTileRows, static_cast<size_t>(no) * sizeof(float));
    }
}

}  // namespace

void gemv_bf16_amx(const uint16_t* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
    tiled_products(
        (out + 2 * kTileRows - 1) / (2 * kTileRows), in, x, rows,
        [&](int64_t g, uint16_t* padded, int64_t padded_in) {
            const int64_t o = g * 2 * kTileRows, n = std::min<int64_t>(2 * kTileRows, out - o);
            bf16_rows(W, o, std::min(n, kTileRows), in, padded, padded_in);
            if (n > kTileRows) bf16_rows(W, o + kTileRows, n - kTileRows, in, padded + kTileRows * padded_in, padded_in);
            return n > kTileRows;
        },
        [&](int64_t g, const float* sums, int64_t xtiles) { write_rows(sums, xtiles, g * 2 * kTileRows, out, rows, y); });
}

void gemv_q8_amx(const int8_t* q, const float* scales, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
    tiled_products(
        (out + 2 * kTileRows - 1) / (2 * kTileRows), in, x, rows,
        [&](int64_t g, uint16_t* padded, int64_t padded_in) {
            const int64_t o = g * 2 * kTileRows, n = std::min<int64_t>(2 * kTileRows, out - o);
            q8_rows(q, scales, o, std::min(n, kTileRows), in, padded, padded_in);
            if (n > kTileRows) q8_rows(q, scales, o + kTileRows, n - kTileRows, in, padded + kTileRows * padded_in, padded_in);
            return n > kTileRows;
        },
        [&](int64_t g, const float* sums, int64_t xtiles) { write_rows(sums, xtiles, g * 2 * kTileRows, out, rows, y); });
}

void gated_bf16_amx(const uint16_t* Wg, const uint16_t* Wu, int64_t n, int64_t in, const float* x, int64_t rows,
                    GatedActivation act, float* h) {
    tiled_products(
        (n + kTileRows - 1) / kTileRows, in, x, rows,
        [&](int64_t g, uint16_t* padded, int64_t padded_in) {
            const int64_t o = g * kTileRows, m = std::min<int64_t>(kTileRows, n - o);
            bf16_rows(Wg, o, m, in, padded, padded_in);
            bf16_rows(Wu, o, m, in, padded + kTileRows * padded_in, padded_in);
            return true;
        },
        [&](int64_t g, const float* sums, int64_t xtiles) { write_gated(sums, xtiles, g * kTileRows, n, rows, act, h); });
}

void gated_q8_amx(const int8_t* qg, const float* sg, const int8_t* qu, const float* su, int64_t n, int64_t in,
                  const float* x, int64_t rows, GatedActivation act, float* h) {
    tiled_products(
        (n + kTileRows - 1) / kTileRows, in, x, rows,
        [&](int64_t g, uint16_t* padded, int64_t padded_in) {
            const int64_t o = g * kTileRows, m = std::min<int64_t>(kTileRows, n - o);
            q8_rows(qg, sg, o, m, in, padded, padded_in);
            q8_rows(qu, su, o, m, in, padded + kTileRows * padded_in, padded_in);
            return true;
        },
        [&](int64_t g, const float* sums, int64_t xtiles) { write_gated(sums, xtiles, g * kTileRows, n, rows, act, h); });
}
#else

bool amx_bf16_usable() { return false; }
void amx_tiles_begin() {}
void amx_tiles_end() {}
void gemv_bf16_amx(const uint16_t*, int64_t, int64_t, const float*, int64_t, float*) {}
void gemv_q8_amx(const int8_t*, const float*, int64_t, int64_t, const float*, int64_t, float*) {}
void gated_bf16_amx(const uint16_t*, const uint16_t*, int64_t, int64_t, const float*, int64_t, GatedActivation, float*) {}
void gated_q8_amx(const int8_t*, const float*, const int8_t*, const float*, int64_t, int64_t, const float*, int64_t,
                  GatedActivation, float*) {}

#endif

#if defined(__x86_64__)
// dst[c][r] = src[r][c] for a 16 x 16 block of 32-bit values, rows `src_stride` and `dst_stride` values
// apart, in registers: pairs of rows interleaved, then pairs of pairs, then 128-bit lanes twice. Both the
// tiles of x (a pair of bf16 inputs is one value) and the results (float32) are turned this way. Masked
// forms for GCC bug 105593, as below.
__attribute__((target("avx512f"))) void transpose16(const uint32_t* src, int64_t src_stride, uint32_t* dst,
                                                    int64_t dst_stride) {
    __m512i r[16], t[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_si512(src + i * src_stride);
    for (int i = 0; i < 16; i += 2) {  // t[i] lane j: r[i][4j], r[i+1][4j], r[i][4j+1], r[i+1][4j+1]; t[i+1]: 4j+2, 4j+3
        t[i] = _mm512_maskz_unpacklo_epi32(0xFFFF, r[i], r[i + 1]);
        t[i + 1] = _mm512_maskz_unpackhi_epi32(0xFFFF, r[i], r[i + 1]);
    }
    for (int a = 0; a < 4; ++a) {  // r[4a + c] lane j: rows 4a..4a+3 at column 4j + c
        r[4 * a] = _mm512_maskz_unpacklo_epi64(0xFF, t[4 * a], t[4 * a + 2]);
        r[4 * a + 1] = _mm512_maskz_unpackhi_epi64(0xFF, t[4 * a], t[4 * a + 2]);
        r[4 * a + 2] = _mm512_maskz_unpacklo_epi64(0xFF, t[4 * a + 1], t[4 * a + 3]);
        r[4 * a + 3] = _mm512_maskz_unpackhi_epi64(0xFF, t[4 * a + 1], t[4 * a + 3]);
    }
    for (int c = 0; c < 4; ++c) {  // t[c]: rows 0-3 and 4-7 at columns c and c + 8; t[c + 4]: c + 4, c + 12
        t[c] = _mm512_maskz_shuffle_i32x4(0xFFFF, r[c], r[c + 4], 0x88);
        t[c + 4] = _mm512_maskz_shuffle_i32x4(0xFFFF, r[c], r[c + 4], 0xdd);
        t[c + 8] = _mm512_maskz_shuffle_i32x4(0xFFFF, r[c + 8], r[c + 12], 0x88);
        t[c + 12] = _mm512_maskz_shuffle_i32x4(0xFFFF, r[c + 8], r[c + 12], 0xdd);
    }
    for (int c = 0; c < 8; ++c) {  // column c from t[c] and t[c + 8]; column c + 8 likewise
        _mm512_storeu_si512(dst + c * dst_stride, _mm512_maskz_shuffle_i32x4(0xFFFF, t[c], t[c + 8], 0x88));
        _mm512_storeu_si512(dst + (c + 8) * dst_stride, _mm512_maskz_shuffle_i32x4(0xFFFF, t[c], t[c + 8], 0xdd));
    }
}
#endif

}  // namespace lathe::kernels
