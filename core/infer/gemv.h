// Matrix-vector kernels for decoding: y (rows, out) = x (rows, in) W^T, with W held as float32, bfloat16
// or Q8_0 (int8 in blocks of 32 along `in`, one float scale per block), for a few rows at a time.
//
// Decoding reads every weight once per token, so its speed is the bytes per weight: bf16 halves them and
// Q8_0 quarters them. These kernels read W in its stored form and widen it to float32 in registers
// (AVX-512 or AVX2 + FMA where the processor has them, portable C++ otherwise); accumulation is always
// float32. Two kernels also change x: Q8_0 quantizes it per block (as llama.cpp), and bf16 weights on a
// processor with AVX512-BF16 meet x rounded to bf16 (vdpbf16ps, as llama.cpp's BF16 dot product).
// Where the processor has AMX (Intel Xeon since Sapphire Rapids), prompts of more than kGemvMaxRows rows
// run on its tiles (core/infer/amx.h), with x rounded to bf16 the same way; Q8_0 weights are dequantized
// to bf16 for them, a group of rows at a time.
// Output rows are split across ATen's intra-op threads. Each weight row is read once for all `rows`
// inputs (it stays in L1 between them), so a handful of rows cost little more than one.
//
// No LibTorch here: the studio's headers may include this one.
#pragma once
#include <cstdint>

namespace lathe::kernels {

constexpr int64_t kQ8Block = 32;  // Q8_0's block length, as in GGUF
// Up to this many rows the kernels below run; more rows (a prompt) go to sgemm, except where
// rows_are_independent().
constexpr int64_t kGemvMaxRows = 8;

// W (out, in) row-major; x (rows, in); y (rows, out). `in` may be any length (Q8_0: a multiple of 32).
void gemv_f32(const float* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y);
void gemv_bf16(const uint16_t* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y);
// q: (out, in) int8; scales: (out, in / 32) float. Q8_0 x Q8_0 on every processor: x is quantized per
// block of 32 as well (llama.cpp's recipe), so every code path gives the same block sums.
void gemv_q8(const int8_t* q, const float* scales, int64_t out, int64_t in, const float* x, int64_t rows, float* y);

// y (cols) = sum over r of p[r] * W[r] for W (rows, cols) row-major: x W with x a row, on the calling
// thread alone (attention's weighted sum of values for one query, core/model/decode_step.h). Each column
// sums its rows in order, whatever the instruction set.
void weighted_rows_f32(const float* W, int64_t rows, int64_t cols, const float* p, float* y);

// Row r of W into dst[in] as float32 (embedding lookups, dequantized tiles for prompt GEMMs).
void bf16_row_to_f32(const uint16_t* src, int64_t in, float* dst);
void q8_row_to_f32(const int8_t* q, const float* scales, int64_t in, float* dst);
// x[0, n) rounded to bf16 into dst as fp32_to_bf16 rounds each value (nearest even, NaN kept quiet,
// subnormals kept): the x that vdpbf16ps and the AMX tiles multiply.
void round_to_bf16(const float* x, int64_t n, uint16_t* dst);
// Quantizes one row: scale = max|w| / 127 per block of 32, q = round(w / scale).
void quantize_q8_row(const float* w, int64_t in, int8_t* q, float* scales);

// Which code paths run on this processor, e.g. "avx512 (bf16: vdpbf16ps, int8: vnni)", "avx512 (bf16:
// vdpbf16ps, int8: vnni, prompts: amx)", "avx2+fma" or
// "portable".
const char* kernel_isa();
// Uses no instruction set above `name` from now on: "amx" (everything), "avx512-bf16" (no AMX tiles),
// "avx512" (bf16 weights widened to float32 instead of vdpbf16ps), "avx2" or "portable", so that tests and benches can run
// every path on one processor; false (and nothing changes) for another name. The environment variable
// LATHE_KERNEL_ISA sets the same limit when the program starts.
bool limit_kernel_isa(const char* name);
// The highest level: limit_kernel_isa(kNoKernelCap) lifts any cap (the processor's own features still rule).
constexpr const char* kNoKernelCap = "amx";
// Whether AVX-512 (F, BW, DQ, VL) kernels may run: the processor has it and no cap is below it. The
// training kernels of core/model/fused_kernels_cpu.h run where this is true.
bool avx512_enabled();
// Whether AVX2 + FMA kernels may run: the processor has them and no cap is below them.
bool avx2_enabled();
// True where gemv_bf16 rounds x to bf16 (vdpbf16ps runs).
bool bf16_rounds_input();
// True where the bf16 and int8 kernels give each input row the same bits alone or among any number of
// others (AVX512-BF16 without AMX, and AVX2 without AVX-512, whose kernels take one input row at a time): there
// prompts take these kernels too, whatever their length, so a sequence's logits do not depend on the
// batch it is in. Elsewhere prompts of more than kGemvMaxRows rows go to sgemm.
bool rows_are_independent();
// True where gemv_bf16 and gemv_q8 run more than kGemvMaxRows rows on AMX tiles (their sums run in another
// order than the decode kernels', so rows_are_independent() is false there; 5-7x faster than the
// vdpbf16ps tiles).
bool amx_enabled();

}  // namespace lathe::kernels
