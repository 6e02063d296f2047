// Peak memory of a training run, estimated before it starts from the model's shape and the settings:
// stage, method, precision, cutoff, batch and gradient checkpointing. The model bar, `lathe-cli info` and
// the check before Start show it; Start warns when it exceeds the memory available and says what to change.
//
// The peak is the larger of loading and training. Training's is the start of backward, when every saved
// activation is held:
//   runtime      the process before any model (LibTorch, the tokenizer, the datasets): a measured constant
//   weights      every parameter in the dtype it is held in (core/train/precision.h): float32, bf16, or a
//                quantized base's codes and scales
//   train state  gradients and AdamW's two moments of what trains (float32, bf16 under pure_bf16), and a
//                full model's frozen copy for a dpo/kto reference
//   activations  what backward needs, per token and layer, from the saved tensors of the engine's layers
//                (core/model: fused RMSNorm and SwiGLU, RoPE saves nothing, the attention kernel keeps
//                q, k, v, its output and a log-sum-exp per head), in the dtype each is computed in; with
//                gradient checkpointing a layer's input only
//   transient    backward's working set: one layer's activations and their gradients (recomputed ones
//                under gradient checkpointing), the output head's logits chunk, attention's score blocks
// docs/benchmarks.md ("Memory estimate") compares it with measured peaks on the bench shapes.
#pragma once
#include "core/data/dataset_stage.h"
#include "core/train/method.h"
#include "core/util/error.h"

#include <cstdint>
#include <string>

namespace lathe {

struct ModelConfig;
struct TrainConfig;
struct Precision;

struct MemoryEstimateInputs {
    // The model
    int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0, intermediate = 0, vocab = 0;
    int64_t parameters = 0;  // ModelConfig::parameter_count()
    bool tied = false;
    bool checkpoint_bf16 = false;  // the checkpoint is bf16 (a quantized base then loads in bf16)
    // The run
    Stage stage = Stage::Sft;
    Method method = Method::Lora;
    int quantization_bit = 0;       // 0 | 4 | 8 (lora)
    int lora_rank = 8;
    double lora_dropout = 0;
    bool dora = false;
    int freeze_trainable_layers = 2;
    bool reference_copy = false;    // dpo/kto with full or freeze and no precomputed log-probs: a frozen copy
    std::string precision = "fp32";  // fp32 | bf16 | pure bf16 (Precision::name())
    int64_t cutoff_len = 1024;
    int64_t batch = 1;              // per_device_train_batch_size
    bool gradient_checkpointing = false;
    bool fused_attention = false;   // attention's softmax runs in cpu_kernels (a CPU with AVX-512)
    // A data-parallel run: `processes` of them on this machine (nproc_per_node), `world` in all; each
    // process holds what the estimate counts, plus its gradient buckets' float32 copy; ZeRO-1 keeps
    // 1/world of the AdamW moments in each.
    int processes = 1;
    int world = 1;
    bool zero1 = false;
};

// The inputs for `model` trained with `config` under `precision`.
MemoryEstimateInputs memory_estimate_inputs(const ModelConfig& model, const TrainConfig& config, const Precision& precision);

// Saved activations cost more resident memory than their bytes: backward frees them layer by layer while
// allocating gradients of other sizes, and glibc keeps the freed blocks below its mmap threshold (32 MB)
// in the heap. Calibrated on the bench shapes (docs/benchmarks.md, "Memory estimate").
// Full and freeze: torch's linear saves the input it is given, and the decoder's blocks are single nodes
// (the 1.5 above was their slack while norms, SwiGLU and RoPE were chains). Measured full fine-tuning
// peaks of one configuration differ by 20% between processors (85m, fp32: 3380 MiB with AVX-512, 2789
// without): 1.2 sits between them.
constexpr double kPlainLinearSlack = 1.2;
// LoRA, QLoRA and DoRA without dropout train each linear (or group of linears reading one input) as one
// autograd node (core/peft/lora_layer.cpp) that saves only the tensors counted here: no slack. With
// dropout they run a chain of autograd ops whose intermediates are counted one by one (dropout's output
// and mask per adapter, DoRA's two outputs): measured without slack too (85m, bf16 and fp32, 2026-12-08;
// a slack of 1.5 there overestimated the peak by 61-73%).
constexpr double kFusedAdapterSlack = 1.0;
// The slack that applies to `in`: kFusedAdapterSlack for LoRA, QLoRA and DoRA, kPlainLinearSlack for full
// and freeze.
double saved_activation_slack(const MemoryEstimateInputs& in);

struct MemoryEstimate {
    uint64_t runtime = 0, weights = 0, train_state = 0, activations = 0, transient = 0;
    uint64_t load_peak = 0;  // while loading: runtime + the weights as loaded (before quantizing, converting)
    uint64_t training() const { return runtime + weights + train_state + activations + transient; }
    uint64_t peak() const { return training() > load_peak ? training() : load_peak; }
};

// Bytes of saved activations per token and layer (what the estimate multiplies by tokens and layers).
uint64_t activation_bytes_per_token_layer(const MemoryEstimateInputs& in);
MemoryEstimate estimate_memory(const MemoryEstimateInputs& in);

// "≈ 4.2 GB peak (weights 1.9 GB, activations 1.7 GB, ...)" for logs and tooltips.
std::string describe_memory_estimate(const MemoryEstimate& e);
Problem memory_estimate_note(const MemoryEstimate& e);  // the same as data

// Memory the system can give without swapping (MemAvailable of /proc/meminfo), 0 when unknown.
uint64_t available_memory_bytes();
// Makes available_memory_bytes() return `bytes` (tests: a machine too small for a run); 0 reads again.
void override_available_memory(uint64_t bytes);

// Empty when `estimate` (times the processes of this machine) fits in `available` (or available is 0:
// unknown); otherwise a warning that says by how much it does not fit and what to change, each with the
// estimate it would give: gradient checkpointing, a shorter cutoff_len or smaller batch, QLoRA (4-bit),
// LoRA instead of full, fewer processes.
Problem memory_warning(const MemoryEstimateInputs& in, uint64_t available);

// The whole check for a config, as the session, the studio and the CLI make it: the model's shape (its
// config.json, or the create_new_model preset), the precision decided for this machine, the estimate,
// the memory available now and the warning. Throws the engine's Error when the model cannot be read.
struct RunMemory {
    MemoryEstimateInputs inputs;
    MemoryEstimate estimate;
    uint64_t available = 0;
    Problem warning;  // memory_warning(inputs, available)
};
RunMemory estimate_run_memory(const TrainConfig& config);
// The same under a precision already decided (the session's).
RunMemory estimate_run_memory(const TrainConfig& config, const Precision& precision);

}  // namespace lathe
