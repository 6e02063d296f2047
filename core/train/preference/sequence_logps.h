// Per-sequence log-probabilities of the labelled tokens: what DPO, its variants and KTO compare
// between the policy and the reference. As LLaMA-Factory's get_batch_logps: labels shifted by one,
// -100 ignored, summed per row, with the count of labelled tokens for the averaged variants.
#pragma once
#include <ATen/core/Tensor.h>

namespace lathe {

class CausalLMImpl;

struct SequenceLogps {
    at::Tensor sum;    // (B) float32: sum over labelled tokens of log p(label | prefix)
    at::Tensor count;  // (B) float32: labelled tokens per row
    at::Tensor mean() const;  // sum / count (rows without labels give 0)
};

// hidden (B, T, C), labels (B, T). Logits are computed at labelled positions only, a chunk of rows at a
// time (core/train/token_logprobs.h), never (B, T, V).
SequenceLogps sequence_logps(CausalLMImpl& model, const at::Tensor& hidden, const at::Tensor& labels);

}  // namespace lathe
