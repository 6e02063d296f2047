#include "core/infer/amx.h"

#include "core/infer/gemv.h"
#include "core/io/gguf_quant.h"
#include "core/util/cpu_features.h"
#include "core/util/spin_pool.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && defined(__linux__)
#include <immintrin.h>
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

struct alignas(64) TileConfig {
    uint8_t palette_id = 1;
    uint8_t start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

__attribute__((target("amx-tile"))) void load_tile_config() {
    TileConfig config;
    for (int t = 0; t < 8; ++t) {
        config.rows[t] = kTileRows;
        config.colsb[t] = 64;
    }
    // Not _tile_loadconfig: GCC 12's version names only the first 8 bytes as read, so the compiler may drop
    // the stores to the rest of the configuration (then every tile is unconfigured and tilezero faults).
    __asm__ volatile("ldtilecfg %0" : : "m"(config));
}

__attribute__((target("amx-tile"))) void release_tiles() { _tile_release(); }

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

// dst[p][i] = rows[i][first + p] for p < 16 and 16 rows (positions) of 32-bit values (pairs of bf16
// inputs), `stride` apart: one tile of x, a pair of inputs of the 16 positions a tile row.
__attribute__((target("avx512f"))) void transpose_pairs(const uint32_t* rows, int64_t stride, int64_t first,
                                                        uint32_t* dst) {
    const __m512i base = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32(static_cast<int>(stride)));
    for (int p = 0; p < 16; ++p) {
        const __m512i at = _mm512_add_epi32(base, _mm512_set1_epi32(static_cast<int>(first + p)));
        _mm512_storeu_si512(dst + p * 16, _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), 0xFFFF, at, rows, 4));
    }
}

// y[r][i] = tile[i][r] for a whole 16 x 16 tile of results, y's rows `out` apart. (The gathers are the
// masked forms: GCC 12's unmasked ones start from an undefined vector and warn, GCC bug 105593.)
__attribute__((target("avx512f"))) void store_transposed(const float* tile, float* y, int64_t out) {
    const __m512i column = _mm512_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240);
    for (int r = 0; r < 16; ++r)
        _mm512_storeu_ps(y + r * out, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), 0xFFFF, _mm512_add_epi32(column, _mm512_set1_epi32(r)), tile, 4));
}

// dst[k] = bf16(s * q[k]) for one Q8_0 block of 32, rounded to nearest even (vcvtneps2bf16; the products of
// an int8 and a normal scale are never subnormal, where it would differ from fp32_to_bf16). Masked forms for
// GCC bug 105593, as above.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void dequantize_block_bf16(const int8_t* q, float s,
                                                                                          uint16_t* dst) {
    const __m512 scale = _mm512_set1_ps(s);
    for (int h = 0; h < 2; ++h) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * h));
        const __m512 v = _mm512_mul_ps(scale, _mm512_maskz_cvtepi32_ps(0xFFFF, _mm512_maskz_cvtepi8_epi32(0xFFFF, bytes)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 16 * h), reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v)));
    }
}

using BlockFn = void (*)(const uint16_t*, const uint16_t*, int64_t, const uint16_t*, const uint16_t*, int64_t, float*);

bool tiles_granted() {
    constexpr long kGetPermission = 0x1022, kRequestPermission = 0x1023, kTileData = 18;
    if (syscall(SYS_arch_prctl, kRequestPermission, kTileData) != 0) return false;
    unsigned long granted = 0;
    if (syscall(SYS_arch_prctl, kGetPermission, &granted) != 0) return false;
    return granted & (1ul << kTileData);
}

}  // namespace

bool amx_bf16_usable() {
    // cpu_features(): CPUID's AMX-BF16 and XCR0's tile state (core/util/cpu_features.h).
    static const bool usable = cpu_features().usable_amx_bf16() && tiles_granted();
    return usable;
}

namespace {

// y (rows, out) = x W^T on the tiles. The weights come in groups of 32 rows: read in place from `W` (bf16
// rows `in` long) where it is given, `in` fills whole tiles and 32 rows are there; otherwise `fill(o, dst)`
// writes row o's `in` values as bf16 into dst, in a zero-padded block.
template <class Fill>
void products(const uint16_t* W, const Fill& fill, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
    const int64_t kblocks = (in + kTileK - 1) / kTileK, padded_in = kblocks * kTileK;
    const int64_t xtiles = (rows + kTileRows - 1) / kTileRows;
    // x rounded to bf16 and laid out as the tiles read it: for each 16 positions and 32 inputs, 16 tile rows
    // of (pair, position) -> x[position][2 * pair], x[position][2 * pair + 1], a 32-bit pair each. Zero
    // beyond `rows` and `in`. Split over the threads by tiles of x.
    std::vector<uint32_t> xp(static_cast<size_t>(xtiles * kblocks * kTileElems / 2));
    spin_pool_for(xtiles, 1, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        // 16 positions rounded, each padded to whole tiles, then turned into the tiles' order.
        std::vector<uint32_t> block16(static_cast<size_t>(kTileRows * padded_in / 2), 0);
        for (int64_t t = begin; t < end; ++t) {
            for (int64_t tr = 0; tr < kTileRows; ++tr) {
                const int64_t r = t * kTileRows + tr;
                auto* row = reinterpret_cast<uint16_t*>(block16.data() + tr * padded_in / 2);
                if (r < rows)
                    for (int64_t k = 0; k < in; ++k) row[k] = fp32_to_bf16(x[r * in + k]);
                else
                    std::fill(row, row + in, uint16_t(0));
            }
            uint32_t* dst = xp.data() + t * kblocks * kTileElems / 2;
            for (int64_t kb = 0; kb < kblocks; ++kb)
                transpose_pairs(block16.data(), padded_in / 2, kb * kTileK / 2, dst + kb * kTileElems / 2);
        }
    });
    const bool in_place_ok = W != nullptr && in % kTileK == 0;
    const int64_t groups = (out + 2 * kTileRows - 1) / (2 * kTileRows);
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 17) / (2 * kTileRows * std::max<int64_t>(in, 1)));
    spin_pool_for(groups, grain, at::get_num_threads(), [&](int64_t begin, int64_t end) {
        load_tile_config();
        // Rows copied or dequantized here; zero beyond `in` (never written) and, for the last group, beyond
        // its rows.
        std::vector<uint16_t> padded(static_cast<size_t>(2 * kTileRows * padded_in), 0);
        std::vector<float> sums(static_cast<size_t>((xtiles + 1) / 2 * 1024));  // 4 tiles a pair of x tiles
        for (int64_t g = begin; g < end; ++g) {
            const int64_t o = g * 2 * kTileRows;
            const int64_t wrows = std::min<int64_t>(2 * kTileRows, out - o);
            const uint16_t* a = in_place_ok ? W + o * in : nullptr;
            int64_t stride = in * 2;
            if (!(in_place_ok && wrows == 2 * kTileRows)) {
                for (int64_t k = 0; k < wrows; ++k) fill(o + k, padded.data() + k * padded_in);
                std::fill(padded.begin() + wrows * padded_in, padded.end(), uint16_t(0));
                a = padded.data();
                stride = padded_in * 2;
            }
            const bool two_w = wrows > kTileRows;
            const uint16_t* a1 = a + kTileRows * (stride / 2);
            const BlockFn fn_one = two_w ? block<true, false> : block<false, false>;
            const BlockFn fn_two = two_w ? block<true, true> : block<false, true>;
            // Every pair of x tiles first, the results kept; written back afterwards (writing each block's
            // results into y, rows `out` floats apart, as it came ran the products 1.3-2x slower; measured,
            // not explained).
            for (int64_t t = 0; t < xtiles; t += 2) {
                const uint16_t* b0 = reinterpret_cast<const uint16_t*>(xp.data()) + t * kblocks * kTileElems;
                (t + 1 < xtiles ? fn_two : fn_one)(a, a1, stride, b0, b0 + kblocks * kTileElems, kblocks,
                                                   sums.data() + t / 2 * 1024);
            }
            for (int64_t t = 0; t < xtiles; t += 2) {
                const bool two_x = t + 1 < xtiles;
                for (int wi = 0; wi < (two_w ? 2 : 1); ++wi)
                    for (int xi = 0; xi < (two_x ? 2 : 1); ++xi) {
                        const float* tile = sums.data() + t / 2 * 1024 + (wi * 2 + xi) * 256;
                        const int64_t r0 = (t + xi) * kTileRows, o0 = o + wi * kTileRows;
                        const int64_t nr = std::min<int64_t>(kTileRows, rows - r0);
                        const int64_t no = std::min<int64_t>(kTileRows, out - o0);
                        if (nr == kTileRows && no == kTileRows) {
                            store_transposed(tile, y + r0 * out + o0, out);
                            continue;
                        }
                        for (int64_t i = 0; i < no; ++i)
                            for (int64_t r = 0; r < nr; ++r) y[(r0 + r) * out + o0 + i] = tile[i * kTileRows + r];
                    }
            }
        }
        release_tiles();
    }, /*then_sleep=*/true);
}

}  // namespace

void gemv_bf16_amx(const uint16_t* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
    products(
        W, [&](int64_t o, uint16_t* dst) { std::memcpy(dst, W + o * in, static_cast<size_t>(in) * 2); }, out, in, x,
        rows, y);
}

void gemv_q8_amx(const int8_t* q, const float* scales, int64_t out, int64_t in, const float* x, int64_t rows, float* y) {
    const int64_t blocks = in / kQ8Block;
    products(
        static_cast<const uint16_t*>(nullptr),
        [&](int64_t o, uint16_t* dst) {
            for (int64_t b = 0; b < blocks; ++b)
                dequantize_block_bf16(q + o * in + b * kQ8Block, scales[o * blocks + b], dst + b * kQ8Block);
        },
        out, in, x, rows, y);
}

#else

bool amx_bf16_usable() { return false; }
void gemv_bf16_amx(const uint16_t*, int64_t, int64_t, const float*, int64_t, float*) {}
void gemv_q8_amx(const int8_t*, const float*, int64_t, int64_t, const float*, int64_t, float*) {}

#endif

}  // namespace lathe::kernels
