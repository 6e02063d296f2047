// LoRA and DoRA on one lathe::Linear, numerically as Hugging Face PEFT's lora.Linear (layer.py) and
// DoraLinearLayer (dora.py):
//   LoRA:  y = base(x) + B(A(dropout(x))) * s,  s = alpha / r (rsLoRA: alpha / sqrt(r))
//   DoRA:  y = base(x) + (m / ||W + s B A||_row - 1) * (x' W^T) + m / ||W + s B A||_row * B(A(x')) * s
//          with x' = dropout(x), the norm detached from the graph (DoRA paper, section 4.3), and
//          x' W^T = base(x) - bias when dropout is off (PEFT reuses the base result the same way).
// The adapter's modules are registered on the Linear, so named_parameters() yields PEFT's names minus
// the adapter name: "...q_proj.lora_A.weight", "...q_proj.lora_B.weight",
// "...q_proj.lora_magnitude_vector.weight" (saved by PEFT as "...q_proj.lora_magnitude_vector").
#pragma once
#include "core/model/linear.h"

#include <torch/torch.h>

#include <mutex>

namespace lathe {

struct LoraLayerOptions {
    int64_t rank = 8;
    double alpha = 16.0;
    double dropout = 0.0;
    bool use_rslora = false;
    bool use_dora = false;
    double scaling() const;  // alpha / r, or alpha / sqrt(r) with rsLoRA
};

// DoRA's magnitude vector m (out), a module of its own so that it can be registered and removed.
class DoraMagnitudeImpl : public torch::nn::Module {
public:
    explicit DoraMagnitudeImpl(int64_t out_features);
    torch::Tensor weight;
};
TORCH_MODULE(DoraMagnitude);

class LoraLinear : public LinearAdapter {
public:
    // Registers lora_A (r, in), lora_B (out, r) (and DoRA's magnitude) on `base`, on its device, in
    // float32 whatever the base's dtype. A is kaiming-uniform with a = sqrt(5), as PEFT (U(-1/sqrt(in), 1/sqrt(in))), drawn
    // from `gen` on the CPU; B is zero; m = ||W + s B A||_row = ||W||_row. With `gen` undefined A is
    // left at zero (the caller loads saved tensors) and m is not initialised either.
    LoraLinear(LinearImpl& base, const LoraLayerOptions& options, at::Generator gen);

    torch::Tensor forward(LinearImpl& base, const torch::Tensor& x) override;
    torch::Tensor graph_only(LinearImpl& base, const torch::Tensor& x) override;
    // Training plain LoRA on two or more of `group` (dense or all quantized bases), or DoRA on two or more
    // dense ones: one node for them (LoraGroupFunction); the others, and everything outside training, are
    // left to forward().
    std::vector<torch::Tensor> forward_group(const std::vector<LinearImpl*>& group, const torch::Tensor& x) override;
    // Plain LoRA (no DoRA, no dropout in effect) with float32 A and B on the CPU, or the adapter switched
    // off: y += s * B (A x) for one row, on the calling thread: A x through kernels::gemv_f32, B's product
    // through kernels::weighted_rows_f32 over B^T (kept while B stays the same tensor at the same version:
    // a product with rank-long rows cost more per row than the whole row delta does this way).
    bool has_row_delta(const LinearImpl& base) const override;
    void row_delta(const LinearImpl& base, const float* x, float* y) const override;

    // s * B @ A as an (out, in) float32 tensor.
    torch::Tensor delta_weight() const;
    // The merged weight (out, in) float32: W + s B A, or for DoRA m / ||W + s B A||_row * (W + s B A).
    torch::Tensor merged_weight(const LinearImpl& base) const;
    // DoRA: m = ||W + s B A||_row (what construction does; call again after loading A and B to redo it).
    void init_magnitude(const LinearImpl& base);

    const LoraLayerOptions& options() const { return options_; }
    double scaling() const { return scaling_; }

    torch::nn::Linear lora_A{nullptr}, lora_B{nullptr};
    DoraMagnitude magnitude{nullptr};  // null without DoRA
    bool enabled = true;               // false: forward is exactly base_forward

private:
    // Training a plain LoRA (no DoRA, no dropout) on a dense or quantized base: one autograd node
    // (LoraLinearFunction), its product skipped with `graph_only`; undefined where the node does not apply.
    torch::Tensor lora_node(LinearImpl& base, const torch::Tensor& x, bool graph_only);
    // The dtype that node computes in, or none where it does not apply.
    c10::optional<torch::ScalarType> node_dtype(const LinearImpl& base, const torch::Tensor& x) const;
    // The dtype DoRA's node (DoraLinearFunction, or a group's) computes in, or none where the chain runs:
    // DoRA without dropout on a dense or quantized base while training, also where nothing records (gradient
    // checkpointing's first pass): the chain costs several float32 passes over (N, out) more, and its result
    // would differ in the last bits from the recomputation's, which runs the node.
    c10::optional<torch::ScalarType> dora_dtype(const LinearImpl& base, const torch::Tensor& x) const;
    // DoRA's ||W + s B A|| per output row (out), float32, without autograd.
    torch::Tensor dora_norm(const LinearImpl& base) const;
    torch::Tensor compute_dora_norm(const LinearImpl& base) const;
    torch::Tensor dora_forward(LinearImpl& base, const torch::Tensor& x, const torch::Tensor& base_out,
                               const torch::Tensor& lora_out, bool dropped);
    LoraLayerOptions options_;
    double scaling_;
    mutable torch::Tensor weight_sq_norm_;  // DoRA: ||W||^2 per row of the frozen weight it was computed from
    mutable const void* weight_ptr_ = nullptr;
    mutable int64_t weight_version_ = -1;
    // dora_norm's last result and the data and versions of W (or its storage), A and B it was computed
    // from: the recomputation under gradient checkpointing, and every decode step of an unmerged adapter,
    // find it again instead of reading (or unpacking) W once more.
    struct NormSource {
        const void* data[3] = {nullptr, nullptr, nullptr};
        int64_t version[3] = {-1, -1, -1};
        bool operator==(const NormSource& o) const;
    };
    mutable std::mutex norm_mutex_;
    mutable torch::Tensor norm_;
    mutable NormSource norm_source_;
    // row_delta's B^T (r, out), and which B it was made from.
    mutable std::mutex b_t_mutex_;
    mutable torch::Tensor b_t_;
    mutable const void* b_t_ptr_ = nullptr;
    mutable int64_t b_t_version_ = -1;
};

// Installs a LoraLinear on `linear` (throws ConfigError when it already has an adapter).
std::shared_ptr<LoraLinear> add_lora(LinearImpl& linear, const LoraLayerOptions& options, at::Generator gen);
// The LoraLinear of `linear`, or nullptr.
std::shared_ptr<LoraLinear> lora_of(const LinearImpl& linear);
// Removes the adapter and its modules, leaving the base weight as it is.
void remove_lora(LinearImpl& linear);
// Folds the adapter into the base weight (dense, or re-quantized in the same format when the base is
// quantized: lossy, as PEFT's merge into a bitsandbytes layer), then removes it.
void merge_lora(LinearImpl& linear);

}  // namespace lathe
