// CPU kernels for the decoder's memory-bound training blocks, one pass over memory each where ATen runs
// a chain of ops (and, for bf16 in LibTorch 1.13, slow per-element conversions): SwiGLU, RMSNorm and the
// softmax of block-wise attention, forward and backward. Elements are float32 or bf16 (given as their
// 16-bit patterns); arithmetic is float32 and results are rounded to nearest even where the ATen
// formulas they replace round (tests/core/model/test_fused_kernels_cpu.cpp compares the two).
//
// Each comes in two widths: 16 lanes where kernels::avx512_enabled() (AVX-512 F/BW/DQ/VL) and 8 where only
// kernels::avx2_enabled() (AVX2 + FMA), both subject to LATHE_KERNEL_ISA's cap; the two give the same
// results up to the order of float32 sums. Callers keep their ATen formulas for every other processor and
// device (available()). Work is split over ATen's intra-op threads. No LibTorch in this header.
#pragma once
#include <cstdint>

namespace lathe::cpu_kernels {

enum class Elem { F32, BF16 };

// True where these kernels may run on this processor: AVX-512, or AVX2 + FMA.
bool available();

// out = silu(gate) * up (silu rounded to the element type first, as silu(gate).mul_(up) does).
void swiglu_forward(Elem t, const void* gate, const void* up, void* out, int64_t n);
// dgate = silu'(gate) * (grad * up), dup = grad * silu(gate); either output may be null.
void swiglu_backward(Elem t, const void* grad, const void* gate, const void* up, void* dgate, void* dup, int64_t n);

// RMSNorm over rows of C: rstd[r] = 1 / sqrt(mean(x^2) + eps); normed = (x * rstd) rounded to x's type;
// out = weight * normed in out_t (the promotion of x's and weight's types).
void rms_norm_forward(Elem x_t, const void* x, Elem w_t, const void* weight, Elem out_t, void* out, float* rstd,
                      int64_t rows, int64_t C, float eps);
// dx = rstd * gw - x * (rstd^3 * mean(gw * x)) with gw = g * weight, in x's type (null: not wanted);
// dweight[c] += sum over rows of g * normed, float32 (null: not wanted).
void rms_norm_backward(Elem g_t, const void* g, Elem x_t, const void* x, Elem w_t, const void* weight,
                       const float* rstd, void* dx, float* dweight, int64_t rows, int64_t C);

// Per-column scaling of a (rows, cols) matrix, as DoRA's magnitude applies it:
// y = pre * scale[c] + bias[c] (bias may be null).
void column_scale_forward(Elem t, const void* pre, const float* scale, const float* bias, void* y, int64_t rows,
                          int64_t cols);
// gs = g * scale[c] (in t), and dscale[c] = sum over rows of g * pre (float32).
void column_scale_backward(Elem t, const void* g, const void* pre, const float* scale, void* gs, float* dscale,
                           int64_t rows, int64_t cols);

// Per-row scaling of a (rows, cols) matrix: y = x * scale[r], rounded to t (DoRA's magnitude folded into the
// frozen weight's rows).
void row_scale(Elem t, const void* x, const float* scale, void* y, int64_t rows, int64_t cols);

// Inverted dropout's mask for n elements: out[i] = 1 / (1 - p) (rounded to t) where element i is kept, 0
// where it is dropped, element i kept when a 32-bit hash of (seed, i) is at least p * 2^32: the same mask
// for the same seed at every width and thread count, about n (1 - p) kept. Where LibTorch drew one
// Bernoulli number per element from its generator (~8 ns each: 132M a step for LoRA's inputs at 85m), this
// costs a few multiplies per element; the caller draws `seed` from the generator, so that a recomputation
// that restores the generator's state (gradient checkpointing) gets the same mask.
void dropout_mask(Elem t, uint64_t seed, float p, void* out, int64_t n);

// DoRA's row norms of V = W + s B A without forming V: norm[o] = ||W[o] + s sum_j B[o, j] A[j]|| for W
// (out, in) in w_t, A (r, in) and B (out, r) float32. Each element of V is summed in float32 from W and the r
// terms, then squared and added up: one read of W, r multiply-adds an element (the expanded
// ||W||^2 + 2s B.(W A^T) + s^2 B (A A^T) B^T took an (out, in) x (in, r) product in W's type and six small
// LibTorch calls a linear, and cancels where V is small against W).
void dora_row_norms(Elem w_t, const void* W, const float* A, const float* B, float s, float* norm, int64_t out,
                    int64_t in, int64_t r);

// NF4 codes (two per byte, the first element in the high nibble) to values: out[i] = table[code_i] *
// scales[i / block] in out_t, for n elements; block is a power of two of at least 16.
void nf4_dequantize(const uint8_t* data, const float* table, const float* scales, int64_t block, int64_t n,
                    Elem out_t, void* out);

// codes[i] = the number of `midpoints` (ascending, at most 16) below x[i]: the nearest of the codes they
// separate, ties to the lower one, as torch::bucketize(x, midpoints, right = false) (NF4 quantization).
void nearest_codes(const float* x, int64_t n, const float* midpoints, int count, uint8_t* codes);

// dst[i * dst_stride + j] += src[i * src_stride + j] for i < slabs, j < len: float32 accumulators
// (attention's dK and dV over blocks) fed by products in t.
void accumulate_slabs(float* dst, int64_t dst_stride, Elem t, const void* src, int64_t src_stride, int64_t slabs,
                      int64_t len);
// out[r] = sum over c of a[r, c] * b[r, c] in float32, for rows of C (attention's rowsum(dO * O)).
void row_dots(Elem t, const void* a, const void* b, float* out, int64_t rows, int64_t C);

// Rows of one attention block's scores (R rows of Sb keys, contiguous, already scaled). Row r belongs
// to batch b = r / rows_per_batch and is query i = r % block_rows of its block; it sees key j when
// j <= Sb - block_rows + i and, with `visible` set, visible[b * visible_stride + j] is nonzero.
struct ScoreRows {
    int64_t R = 0, Sb = 0;
    int64_t rows_per_batch = 1, block_rows = 1;
    const uint8_t* visible = nullptr;
    int64_t visible_stride = 0;  // 0: one mask row for every batch
};

// p = exp(s - m) for the keys a row sees (0 elsewhere), m its maximum over them (0 when it sees none),
// l = max(sum p, 1). Writes p (the scores' type), m and l per row.
void attention_softmax_forward(const ScoreRows& rows, Elem t, const void* scores, void* p, float* m, float* l);
// With P = exp(s - lse) recomputed (0 for keys a row does not see): p_out = P, ds = P * (dp - delta[r]).
void attention_softmax_backward(const ScoreRows& rows, Elem t, const void* scores, const float* lse,
                                const void* dp, const float* delta, void* p_out, void* ds);

// Attention's whole backward for bf16 q, k and v, one (batch, key/value head) slab at a time, in tiles of
// 64 query rows by 64 keys whose five products run on AMX tiles (Intel Xeons since Sapphire Rapids):
// S = (q scale) K^T and dP = dO V^T, P = exp(S - lse) and dS = P (dP - delta) for the keys a row sees,
// dV = P^T dO, dK = dS^T (q scale), dQ = dS K scale. q scale, S, dP, P and dS are rounded to bf16 as the
// block path's bf16 products round them; dK, dV and dQ add up in float32 (dQ rounded to bf16 once at the
// end). Where the block path ran about 40 LibTorch calls a block, each copying its operands, this reads
// each tensor once per slab. (On AVX512-BF16's vdpbf16ps the same tiles ran at half the block path's speed
// on a Sapphire Rapids VM: oneDNN's products there run on AMX.)
struct AttentionBackwardBf16 {
    int64_t B = 0, KV = 0, G = 0, T = 0, S = 0, D = 0;  // G query heads per key/value head; D even; past = S - T
    float scale = 1;
    const uint16_t* q = nullptr;        // (B, KV * G, T, D), unscaled
    const uint16_t* k = nullptr;        // (B, KV, S, D)
    const uint16_t* v = nullptr;        // (B, KV, S, D)
    const uint16_t* dout = nullptr;     // (B, KV * G, T, D)
    const float* lse = nullptr;         // (B, KV * G, T)
    const float* delta = nullptr;       // (B, T, KV * G): rowsum(dO * O)
    const uint8_t* visible = nullptr;   // (B or 1, S): nonzero where a key is visible; null: every key
    int64_t visible_stride = 0;         // 0: one row for every batch
    uint16_t* dq = nullptr;             // (B, T, KV * G, D)
    float* dk = nullptr;                // (B, KV, S, D)
    float* dv = nullptr;                // (B, KV, S, D)
};
// True where attention_backward_bf16 may run: AMX (kernels::amx_enabled(), under LATHE_KERNEL_ISA's cap).
bool attention_backward_bf16_available();
void attention_backward_bf16(const AttentionBackwardBf16& a);

}  // namespace lathe::cpu_kernels
