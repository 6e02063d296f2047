// Prompt products for bf16 and Q8_0 weights on Intel AMX (Advanced Matrix Extensions: Xeons since Sapphire
// Rapids), for core/infer/gemv.cpp. AMX multiplies a 16 x 32 bf16 tile by a 32 x 16 one in one instruction
// (tdpbf16ps, float32 accumulation): a 512-row prompt ran 5-7x faster than on AVX512-BF16's vdpbf16ps tiles.
// Decoding stays on the vector kernels, whose weight rows streamed from memory 7-10% faster than tile loads.
//
// Every output element is a sum over its weight row and its row of x alone, in a fixed order (32 inputs a
// tile, tile after tile), so a row gives the same bits in any batch these kernels run.
//
// Linux asks a process to request the tile registers (arch_prctl ARCH_REQ_XCOMP_PERM) before it uses them;
// amx_bf16_usable() does that once. No LibTorch here.
#pragma once
#include <cstdint>

namespace lathe::kernels {

// The processor has AMX-TILE and AMX-BF16, the operating system saves the tile state, and this process has
// been granted the tile registers. Checked once; false on every other processor.
bool amx_bf16_usable();

// y (rows, out) = x (rows, in) W^T: W (out, in) bf16 row-major, x float32 rounded to bf16 (to nearest
// even, as fp32_to_bf16) on the way in, y float32. Any out, in and rows. Call only where amx_bf16_usable().
void gemv_bf16_amx(const uint16_t* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y);
// The same for Q8_0 weights (q (out, in) int8, scales (out, in / 32)): each group of 32 weight rows is
// dequantized to bf16 (q * scale, rounded to nearest even) and multiplied as above. Not llama.cpp's Q8_0 x
// Q8_0: x is rounded to bf16 instead of quantized per block (a finer step), and each weight picks up a
// rounding of at most 2^-9 of itself. `in` a multiple of 32.
void gemv_q8_amx(const int8_t* q, const float* scales, int64_t out, int64_t in, const float* x, int64_t rows, float* y);

// out[i] = act(gate[i], up[i]) for i < n: a gated unit's activation (SwiGLU: silu(gate) * up), called on
// 256 values at a time from the threads that run the products.
using GatedActivation = void (*)(const float* gate, const float* up, float* out, int64_t n);
// h (rows, n) = act(x Wg^T, x Wu^T) for Wg, Wu (n, in) bf16: a gated MLP's two products in one pass, 16
// gate rows beside their 16 up rows in each block and the activation applied before anything is written,
// so the (rows, n) gate and up products are never stored or read back. Each product's elements are
// gemv_bf16_amx's bits.
void gated_bf16_amx(const uint16_t* Wg, const uint16_t* Wu, int64_t n, int64_t in, const float* x, int64_t rows,
                    GatedActivation act, float* h);
// The same for Q8_0 weights, as gemv_q8_amx.
void gated_q8_amx(const int8_t* qg, const float* sg, const int8_t* qu, const float* su, int64_t n, int64_t in,
                  const float* x, int64_t rows, GatedActivation act, float* h);

// The calling thread's tile configuration for these kernels and core/model/fused_kernels_cpu.cpp's: eight
// tiles of 16 rows of 64 bytes (ldtilecfg); amx_tiles_end() releases the tiles. Only where amx_bf16_usable().
void amx_tiles_begin();
void amx_tiles_end();

// dst[c][r] = src[r][c] for a 16 x 16 block of 32-bit values, rows `src_stride` and `dst_stride` values
// apart (AVX-512 F: call only where the processor has it). Also packs attention's backward operands
// (core/model/fused_kernels_cpu.cpp).
void transpose16(const uint32_t* src, int64_t src_stride, uint32_t* dst, int64_t dst_stride);

}  // namespace lathe::kernels
