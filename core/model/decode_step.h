// One new token through the decoder layers on the CPU, in plain loops over the layers' buffers.
//
// Decoding runs every layer once per token on a single row. Through LibTorch that is about 40 operators a
// layer (norms, the rotary embedding's narrows and products, the cache's copies, attention's views, casts
// and products, SwiGLU, residual adds), each a few microseconds of dispatch and allocation around a few
// hundred floats of work: 4-5 ms a token at Qwen2.5-0.5B's 24 layers, while the other thread of two waits,
// a seventh of the time int8 weights take to read. Here a layer is its matrix-vector products
// (core/infer/gemv.h), the training kernels' RMSNorm and SwiGLU (core/model/fused_kernels_cpu.h), and the
// rotation and attention that the general path itself runs for one position (rotate_position_f32,
// attend_one_position): the same functions in the same order, so the logits are the general path's, bit
// for bit, and a sequence decoding alone gets the bits it gets in the server's batch (tested).
//
// It takes the layers of the Llama family and its relatives as they decode in chat, generation, the
// Evaluate tab's predictions and the server: batch 1, one token, a KV cache, float32 activations, no
// autograd, no autocast, no padding mask; dense float32 weights or weights packed for inference
// (bf16, int8); SwiGLU; fused or separate q/k/v and gate/up; Qwen3's q/k norms; LoRA attached unmerged
// (LinearAdapter::row_delta, which forward() adds for one row too). A layer it does not take (DoRA,
// Gemma's norms, a mixture of experts, soft-capped or sliding attention that hides keys) runs through its
// forward() as before, layer by layer.
#pragma once
#include <cstddef>

namespace at {
class Tensor;
}

namespace lathe {

class CausalLMImpl;
class DecoderLayerImpl;
struct AttentionContext;

// Whether decode_layer() may be tried for hidden states `x` (1, 1, C) with `ctx`: the conditions that hold
// for every layer (CPU with the training kernels of core/model/fused_kernels_cpu.h, float32, batch 1, one
// token, a cache, no mask, no autograd or autocast, enabled).
bool decode_step_applies(const at::Tensor& x, const AttentionContext& ctx);

// Layer `index` on x (1, 1, C), float32, contiguous, updated in place; appends the token's keys and values
// to ctx.cache at its current length. False, with nothing done, where the layer is not one it takes.
bool decode_layer(DecoderLayerImpl& layer, at::Tensor& x, const AttentionContext& ctx, size_t index);

// Tests and benchmarks: switch the step off to compare with the general path (on by default), and count
// the layers it ran since the process started. LATHE_DECODE_STEP=0 in the environment starts it off.
void set_decode_step_enabled(bool on);
long long decode_step_layers_run();

}  // namespace lathe
