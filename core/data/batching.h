// Batches for the trainer: examples padded to the longest in the batch (right padding), labels -100
// on padding, and a fixed, seeded order per epoch so a resumed run sees the same batches.
#pragma once
#include "core/data/example.h"

#include <torch/torch.h>

#include <vector>

namespace lathe {

struct Batch {
    torch::Tensor input_ids;       // (B, T) long; pairs: chosen rows first, then rejected rows (2P, T)
    torch::Tensor labels;          // (B, T) long, -100 where nothing is trained
    torch::Tensor attention_mask;  // (B, T) long, 1 = token
    torch::Tensor kto_tags;        // (B) long, KTO only
    int64_t rows = 0;
    int64_t pairs = 0;             // > 0 for preference batches
    int64_t tokens = 0;            // non-padding tokens
    int64_t label_tokens = 0;      // trained tokens
};

Batch collate(const std::vector<const Example*>& examples, int32_t pad_id, torch::Device device);

// The example order of `epoch`: a permutation of [0, n) from (seed, epoch), the same on every run.
std::vector<size_t> epoch_order(size_t n, uint64_t seed, int64_t epoch);

}  // namespace lathe
