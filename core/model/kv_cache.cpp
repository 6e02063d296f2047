#include "core/model/kv_cache.h"

#include "core/model/config.h"
#include "core/util/error.h"
#include "core/util/messages.h"

namespace lathe {

KVCache::KVCache(const ModelConfig& c, int64_t batch, int64_t cap, torch::Device device, torch::ScalarType dtype)
    : capacity(cap) {
    auto opts = torch::TensorOptions().device(device).dtype(dtype);
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
        keys.push_back(torch::empty({batch, c.num_key_value_heads, cap, c.head_dim}, opts));
        values.push_back(torch::empty({batch, c.num_key_value_heads, cap, c.head_dim}, opts));
    }
}

std::pair<torch::Tensor, torch::Tensor> KVCache::append(size_t layer, const torch::Tensor& k, const torch::Tensor& v) {
    const int64_t t = k.size(2);
    if (length + t > capacity)
        throw ModelError(plain_problem("context_full", {std::to_string(length + t), std::to_string(capacity)}));
    keys[layer].narrow(2, length, t).copy_(k);
    values[layer].narrow(2, length, t).copy_(v);
    return {keys[layer].narrow(2, 0, length + t), values[layer].narrow(2, 0, length + t)};
}

}  // namespace lathe
