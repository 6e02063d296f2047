// Pre-allocated key/value cache for incremental decoding: one (B, kv_heads, capacity, head_dim) buffer
// per layer for keys and one for values; `length` positions are filled.
#pragma once
#include <torch/torch.h>

#include <vector>

namespace lathe {

struct ModelConfig;

struct KVCache {
    std::vector<torch::Tensor> keys, values;
    int64_t length = 0;
    int64_t capacity = 0;

    KVCache() = default;
    KVCache(const ModelConfig& config, int64_t batch, int64_t capacity, torch::Device device,
            torch::ScalarType dtype);

    // Writes (B, kv, T, hd) at [length, length + T) of `layer` and returns the filled views
    // (B, kv, length + T, hd). `length` advances only through advance(), after all layers ran.
    std::pair<torch::Tensor, torch::Tensor> append(size_t layer, const torch::Tensor& k, const torch::Tensor& v);
    void advance(int64_t n) { length += n; }
    void reset() { length = 0; }
    // Drops positions from `n` on (used to roll back speculative or stopped tokens).
    void truncate(int64_t n) { length = std::min(length, n); }
};

}  // namespace lathe
