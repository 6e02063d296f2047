// Causal grouped-query attention computed a block of query rows at a time, as FlashAttention does
// (Dao et al. 2022, "FlashAttention", Algorithm 1 forward and the recomputing backward of its appendix B),
// written with ATen matrix products instead of a fused kernel. Training keeps per layer only q, k, v, the
// output and one float32 log-sum-exp per query row; the (T, S) probabilities exist one block at a time,
// in forward and again (recomputed) in backward. The plain formula it replaces kept them for every layer:
// ~1.4 GB per layer at 4096 tokens on Qwen2.5-0.5B's shape.
#pragma once
#include <torch/torch.h>

namespace lathe {

// q (B, H, T, hd), k and v (B, KV, S, hd), one floating dtype, KV dividing H (query head h reads key/value
// head h / (H / KV)). Query row i sits at position S - T + i (the first S - T keys come from a cache) and
// sees keys j <= S - T + i that `key_mask` (B, S) marks true; an undefined key_mask masks no key.
// Returns softmax(q k^T * scale) v as (B, H, T, hd) in q's dtype; a row that sees no key at all (a padding
// query under left padding) gives zeros. Products run in q's dtype, softmax statistics in float32.
// Differentiable in q, k and v; without grad mode it keeps nothing.
// With a `record` (gradient checkpointing, core/train/grad_checkpoint.cpp): in mode record, a forward
// without grad keeps its output and log-sum-exp there; in mode replay, the recomputation with grad takes
// them from there instead of computing the products again, and backward gets what it would have saved.
// The replayed q, k and v must be the recorded call's (the same inputs, recomputed bit for bit).
struct AttentionRecord {
    enum class Mode { record, replay };
    Mode mode = Mode::record;
    torch::Tensor out;  // (B, T, H, hd)
    torch::Tensor lse;  // (B, H, T) float32
};
torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& key_mask, double scale, AttentionRecord* record = nullptr);
// One query position of one sequence without gradients (decoding), float32 on the CPU: for each of the H
// heads of q (H, hd), scores q * scale . k over the keys [first, S) of its group's key/value head, the
// softmax (maximum subtracted), and the values summed with those weights into out (H, hd). Key j of
// key/value head g is at K + g * kv_stride + j * hd, its value likewise in V. Heads are split over the
// decode threads (core/util/spin_pool.h) once a context is long enough to be worth a hand-over.
// causal_attention() takes this for a batch decoding one token (each row over its own keys) and so does
// the decode step (core/model/decode_step.h) for a sequence alone: the same arithmetic, so that a
// sequence gets the same bits alone or in the server's batch.
void attend_one_position(const float* q, const float* K, const float* V, int64_t kv_stride, int64_t first, int64_t S,
                         int64_t H, int64_t KV, int64_t hd, float scale, float* out);

// The same attention with what the blockwise kernel does not do (Gemma 2 and 3): a sliding `window`
// (> 0: query position - key position < window) and soft-capped scores (softcap > 0: scores -> softcap *
// tanh(scores / softcap) before the softmax). The plain formula, differentiable by autograd: the (B, H, T, S)
// float32 scores exist at once and stay for backward.
torch::Tensor windowed_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 const torch::Tensor& key_mask, double scale, int64_t window, double softcap);

// How many times this process has computed attention's products forward (a replay does not count): for
// tests that check a recomputation replays.
uint64_t attention_forwards_computed();
// How many times this process has copied a k or v operand into a layout whose (batch, heads) dimensions
// fold into one (the decoder's transposed rows are copied once per call; a KV cache's views never): for
// tests that check a decoding step does not copy the cache.
uint64_t attention_operand_copies();
// Backward passes that ran cpu_kernels::attention_backward_bf16 (bf16 on AMX), since the start.
uint64_t attention_tiled_backwards();

// The dtype attention's products run in: autocast's lower precision when autocast is on for q's device
// and the inputs are float32 (as torch::matmul would cast them), otherwise the inputs' common dtype.
torch::ScalarType attention_dtype(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

// Query rows per block for B x H heads, T queries over S keys: equal blocks whose float32 scores take at
// most about 16 MB, unless forced. Forcing (rows > 0; 0 returns to automatic) is for tests and benchmarks
// and holds for the whole process.
int64_t attention_block_rows(int64_t batch, int64_t heads, int64_t queries, int64_t keys);
// The same where cpu_kernels' softmax runs (fused_attention_available()): blocks of about 1.5M scores with
// at least 64 rows while a block stays under 8M scores, never more rows than attention_block_rows.
int64_t fused_attention_block_rows(int64_t batch, int64_t heads, int64_t queries, int64_t keys);
// Whether attention on a `device` tensor of float32 or bf16 runs the fused softmax (a CPU with AVX-512 or AVX2 + FMA).
bool fused_attention_available(const torch::Device& device);
void force_attention_block_rows(int64_t rows);

}  // namespace lathe
