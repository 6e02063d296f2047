// Next-token choice with transformers' semantics and order: repetition penalty, then temperature,
// top-k, top-p; temperature 0 is greedy.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <utility>
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

    // The processed log-probabilities before drawing, over the whole vocabulary (-inf where a token is cut):
    // HF's order, repetition penalty, temperature, top-k, top-p. The reference for candidates().
    torch::Tensor warp(const torch::Tensor& logits, const std::vector<int32_t>& history) const;

    // What next() draws from when it samples (temperature > 0): the ids warp() keeps, ascending, and their
    // probabilities. Where top-k cuts, only the k candidates are sorted for top-p, not the vocabulary (a
    // sort of 152K scores took about 8 ms a token). Equal to warp()'s set and softmax up to the rounding of
    // that softmax's sum, which over the vocabulary also adds the cut tokens' zeros.
    std::pair<torch::Tensor, torch::Tensor> candidates(const torch::Tensor& logits, const std::vector<int32_t>& history) const;

private:
    // logits as a float32 CPU vector with the repetition penalty applied (a copy).
    torch::Tensor penalized(const torch::Tensor& logits, const std::vector<int32_t>& history) const;
    SamplingParams p_;
    at::Generator gen_;
};

}  // namespace lathe
