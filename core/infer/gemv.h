// Matrix-vector kernels for decoding: y (rows, out) = x (rows, in) W^T, with W held as float32, bfloat16
// or Q8_0 (int8 in blocks of 32 along `in`, one float scale per block), for a few rows at a time.
//
// Decoding reads every weight once per token, so its speed is the bytes per weight: bf16 halves them and
// Q8_0 quarters them. These kernels read W in its stored form and widen it to float32 in registers
// (AVX2 + FMA where the processor has them, portable C++ otherwise); accumulation is always float32.
// Output rows are split across ATen's intra-op threads. Each weight row is read once for all `rows`
// inputs (it stays in L1 between them), so a handful of rows cost little more than one.
//
// No LibTorch here: the studio's headers may include this one.
#pragma once
#include <cstdint>

namespace lathe::kernels {

constexpr int64_t kQ8Block = 32;  // Q8_0's block length, as in GGUF
// Up to this many rows the kernels below run; more rows (a prompt) go to sgemm.
constexpr int64_t kGemvMaxRows = 8;

// W (out, in) row-major; x (rows, in); y (rows, out). `in` may be any length (Q8_0: a multiple of 32).
void gemv_f32(const float* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y);
void gemv_bf16(const uint16_t* W, int64_t out, int64_t in, const float* x, int64_t rows, float* y);
// q: (out, in) int8; scales: (out, in / 32) float.
void gemv_q8(const int8_t* q, const float* scales, int64_t out, int64_t in, const float* x, int64_t rows, float* y);

// Row r of W into dst[in] as float32 (embedding lookups, dequantized tiles for prompt GEMMs).
void bf16_row_to_f32(const uint16_t* src, int64_t in, float* dst);
void q8_row_to_f32(const int8_t* q, const float* scales, int64_t in, float* dst);
// Quantizes one row: scale = max|w| / 127 per block of 32, q = round(w / scale).
void quantize_q8_row(const float* w, int64_t in, int8_t* q, float* scales);

// Which code path runs on this processor: "avx2+fma" or "portable".
const char* kernel_isa();

}  // namespace lathe::kernels
