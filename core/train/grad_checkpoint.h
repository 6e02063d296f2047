// Gradient checkpointing: a decoder layer keeps only its input and its attention's output (with one
// log-sum-exp per head and token) in the forward pass, and recomputes its activations in the backward
// pass, replaying the attention instead of computing its products again (core/model/attention_kernel.h):
// about 1.3x a step's compute for far less activation memory.
#pragma once
#include "core/model/transformer.h"

namespace lathe {

// A ForwardOptions::layer_runner that checkpoints every layer it runs.
torch::Tensor checkpointed_layer(DecoderLayer& layer, const torch::Tensor& x, const AttentionContext& ctx, size_t index);

}  // namespace lathe
