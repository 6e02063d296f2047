// Gradient checkpointing: a decoder layer keeps only its input in the forward pass and recomputes its
// activations in the backward pass (trading ~30% more compute for far less activation memory).
#pragma once
#include "core/model/transformer.h"

namespace lathe {

// A ForwardOptions::layer_runner that checkpoints every layer it runs.
torch::Tensor checkpointed_layer(DecoderLayer& layer, const torch::Tensor& x, const AttentionContext& ctx, size_t index);

}  // namespace lathe
