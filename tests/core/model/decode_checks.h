// Incremental decoding held to the full pass, shared by the model-family tests.
#pragma once
#include "core/model/kv_cache.h"
#include "core/model/transformer.h"

#include <torch/torch.h>

#include <algorithm>
#include <vector>

namespace lathe::test {

// One pass over `tokens` without a cache: logits (T, V).
inline torch::Tensor logits_of(CausalLMImpl& m, const std::vector<int64_t>& tokens) {
    torch::NoGradGuard g;
    return m.forward(torch::tensor(tokens, torch::kLong).unsqueeze(0)).squeeze(0);
}

// n token ids below 303, varied: 3, 40, 77, ...
inline std::vector<int64_t> prompt(int n) {
    std::vector<int64_t> t;
    for (int i = 0; i < n; ++i) t.push_back(3 + (i * 37) % 300);
    return t;
}

// The largest |logit difference| between decoding `tokens` through a KV cache (a prompt of `prefix` tokens,
// then one token at a time) and one pass over all of them. With `check_prefix` false the prompt's own
// logits are left out (a pass that crosses longrope's pretrained length rotates its earlier keys differently).
inline double cached_vs_full(CausalLMImpl& m, const std::vector<int64_t>& tokens, size_t prefix, bool check_prefix = true) {
    torch::NoGradGuard g;
    const auto full = m.forward(torch::tensor(tokens, torch::kLong).unsqueeze(0)).squeeze(0);  // (T, V)
    KVCache cache(m.config(), 1, 32, torch::kCPU, torch::kFloat);
    ForwardOptions o;
    o.cache = &cache;
    auto first = m.forward(torch::tensor(std::vector<int64_t>(tokens.begin(), tokens.begin() + std::ptrdiff_t(prefix))).unsqueeze(0), o);
    double worst = check_prefix ? (first.squeeze(0) - full.narrow(0, 0, int64_t(prefix))).abs().max().item<double>() : 0.0;
    for (size_t i = prefix; i < tokens.size(); ++i) {
        auto step = m.forward(torch::tensor({tokens[i]}, torch::kLong).unsqueeze(0), o);
        worst = std::max(worst, (step.squeeze(0).squeeze(0) - full[int64_t(i)]).abs().max().item<double>());
    }
    return worst;
}

}  // namespace lathe::test
