// Per-token log-probabilities under the model's output head, log p(target | h), computed a chunk of
// rows at a time so that the (N, V) logits never exist at once: the loss of every stage (pt and sft
// cross-entropy, the sequence log-probs of dpo, orpo, simpo and kto, their reference model, eval loss)
// goes through here. With Qwen2.5's 151,936-token vocabulary one float32 copy of the logits of 2,048
// rows is 1.2 GB; a chunk is 64 MB by default. The same idea as Liger-Kernel's fused linear
// cross-entropy: forward keeps no logits, backward either uses the hidden-state gradient forward already
// computed (frozen head) or recomputes each chunk (trainable head).
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace lathe {

class CausalLMImpl;

// Elements one chunk's logits may hold: rows per chunk = max(1, budget / V).
constexpr int64_t kDefaultLogitsChunkElements = int64_t(1) << 24;  // 64 MB of float32
// The process-wide budget (tests and benches lower it to force small chunks); <= 0 restores the default.
void set_logits_chunk_elements(int64_t elements);
int64_t logits_chunk_elements();
// Rows per chunk for a vocabulary of `vocab` under `elements` (<= 0: the process-wide budget).
int64_t logits_chunk_rows(int64_t vocab, int64_t elements = 0);

// hidden (N, C) final hidden states, targets (N) token ids -> (N) float32 log p(target | row) under
// CausalLMImpl::logits (tied embeddings, lm_head, an adapter on it: whatever the model's head is), in
// the autocast state of the caller. Differentiable in `hidden` and in the head's trainable parameters.
at::Tensor token_logprobs(CausalLMImpl& model, const at::Tensor& hidden, const at::Tensor& targets,
                          int64_t chunk_elements = 0);

}  // namespace lathe
