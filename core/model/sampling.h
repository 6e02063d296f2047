// Next-token choice with transformers' semantics and order: repetition penalty, then temperature,
// top-k, top-p; temperature 0 is greedy.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace lathe {

struct SamplingParams {
    double temperature = 0.0;  // 0: greedy
    int64_t top_k = 0;         // 0: off
    double top_p = 1.0;        // 1: off
    double repetition_penalty = 1.0;
    std::optional<uint64_t> seed;  // unset: a random seed
    void validate() const;         // throws ConfigError for out-of-range values
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& params);
    // logits: (V) for one sequence; history: prompt + generated ids (for the repetition penalty).
    int64_t next(const torch::Tensor& logits, const std::vector<int32_t>& history);

    // The processed log-probabilities before drawing (exposed for tests).
    torch::Tensor warp(const torch::Tensor& logits, const std::vector<int32_t>& history) const;

private:
    SamplingParams p_;
    at::Generator gen_;
};

}  // namespace lathe
