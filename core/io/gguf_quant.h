// Block quantizers for GGUF export, bit-identical to llama.cpp's reference implementations
// (ggml/src/ggml-quants.c: quantize_row_*_ref, which llama-quantize uses when no importance matrix
// is given), and the matching dequantizers.
//
// Block layouts (little-endian; d, dmin are IEEE half floats):
//   Q8_0   32 values,  34 bytes: d | int8 q[32]                  x = d*q
//   Q4_0   32 values,  18 bytes: d | q[16] nibbles               x = d*(q-8); value j in the low
//                                nibble of byte j, value j+16 in the high nibble
//   Q5_0   32 values,  22 bytes: d | u32 high bits | q[16]       x = d*(q-16)
//   Q4_K  256 values, 144 bytes: d | dmin | scales[12] | q[128]  8 sub-blocks of 32 with 6-bit
//                                scale sc and min m:  x = d*sc*q - dmin*m
//   Q6_K  256 values, 210 bytes: ql[128] | qh[64] | int8 scales[16] | d
//                                16 sub-blocks of 16:  x = d*scale*(q-32)
//
// Bit-identity assumes the float arithmetic is not contracted into FMAs; GCC and Clang do not
// contract in ISO C++ mode without -ffp-contract=fast (the project builds with -std=c++17).
#pragma once
#include "core/io/gguf.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace lathe {

// IEEE binary16 <-> binary32 as GGML_FP32_TO_FP16 / GGML_FP16_TO_FP32: round to nearest even,
// overflow to infinity, NaN to a quiet NaN (0x7E00) with the sign kept.
uint16_t fp32_to_fp16(float f);
float fp16_to_fp32(uint16_t h);
// bfloat16 as ggml_fp32_to_bf16: round to nearest even, NaN kept quiet. Inline: the decode and prompt
// kernels round every activation with it, and a call per value cost more than the rounding.
inline uint16_t fp32_to_bf16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7FFFFFFF) > 0x7F800000) return static_cast<uint16_t>((x >> 16) | 64);  // quiet NaN
    return static_cast<uint16_t>((x + (0x7FFF + ((x >> 16) & 1))) >> 16);
}
inline float bf16_to_fp32(uint16_t h) {
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// Rows of `n` values (n a multiple of the block size: 32, or 256 for the K types).
void quantize_row_q8_0(const float* x, uint8_t* out, int64_t n);
void quantize_row_q4_0(const float* x, uint8_t* out, int64_t n);
void quantize_row_q5_0(const float* x, uint8_t* out, int64_t n);
void quantize_row_q4_K(const float* x, uint8_t* out, int64_t n);
void quantize_row_q6_K(const float* x, uint8_t* out, int64_t n);

void dequantize_row_q8_0(const uint8_t* in, float* y, int64_t n);
void dequantize_row_q4_0(const uint8_t* in, float* y, int64_t n);
void dequantize_row_q5_0(const uint8_t* in, float* y, int64_t n);
void dequantize_row_q4_K(const uint8_t* in, float* y, int64_t n);
void dequantize_row_q6_K(const uint8_t* in, float* y, int64_t n);

// Any supported type (F32, F16, BF16 and the above). `n` values; blocks are independent, so large
// inputs are split across threads with at::parallel_for (the bytes do not depend on the split).
// Throws IoError for a type Lathe cannot encode or an n that is not a multiple of the block size.
void quantize(GgmlType type, const float* x, int64_t n, uint8_t* out);
void dequantize(GgmlType type, const uint8_t* in, int64_t n, float* y);

// llama.cpp's file-type ids (llama.h, enum llama_ftype), written as `general.file_type`.
enum class LlamaFileType : uint32_t {
    AllF32 = 0,
    MostlyF16 = 1,
    MostlyQ4_0 = 2,
    MostlyQ8_0 = 7,
    MostlyQ4_K_M = 15,
    MostlyBF16 = 32,
};

// The type llama-quantize (src/llama-quant.cpp, no imatrix, non-MoE, not 70B) gives a tensor of a
// llama-architecture model for Q4_K_M ("mostly Q4_K"):
//   * 1-D tensors, *_norm.weight, names not ending in "weight": not quantized (F32 here)
//   * output.weight (or token_embd.weight when the embeddings are tied): Q6_K
//   * blk.i.attn_v.weight and blk.i.ffn_down.weight: Q6_K for the layers where
//     use_more_bits(i, n) = i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2, else Q4_K (about half)
//   * everything else, token_embd.weight included: Q4_K
//   * a row length ne[0] not a multiple of 256 falls back Q4_K -> Q5_0, Q6_K -> Q8_0, and to F16
//     when not even a multiple of 32.
// `ne0` is the row length (PyTorch's last dimension).
GgmlType llama_q4_k_m_type(const std::string& name, int n_dims, int64_t ne0, int n_layer,
                           bool tied_embeddings);

}  // namespace lathe
