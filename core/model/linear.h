// The projection layer every decoder uses. PEFT methods plug in through two hooks, so model code never
// changes when a method is added:
//  - `storage` replaces the dense frozen weight by another form (a quantized copy) that still computes
//    the base projection x W^T + b;
//  - `adapter` takes over forward() and adds to the base projection (LoRA, DoRA).
// The two compose: LoRA on a quantized base (QLoRA) is an adapter over a storage.
#pragma once
#include <torch/torch.h>

namespace lathe {

class LinearImpl;

class LinearAdapter {
public:
    virtual ~LinearAdapter() = default;
    // x: (..., in) -> (..., out). `base` gives access to the frozen projection (base_forward).
    virtual torch::Tensor forward(LinearImpl& base, const torch::Tensor& x) = 0;
    // LinearImpl::graph_only's work; by default forward(), where the method cannot skip its products.
    virtual torch::Tensor graph_only(LinearImpl& base, const torch::Tensor& x) { return forward(base, x); }
    // forward() of several linears that read the same x (q/k/v, gate/up), this adapter being the first in
    // the group:
    // one output per linear, computed together where the method can share work between them, and left
    // undefined for those it leaves to their own forward(). Empty: none taken (the default).
    virtual std::vector<torch::Tensor> forward_group(const std::vector<LinearImpl*>& group, const torch::Tensor& x) {
        return {};
    }
    // For the decode step (core/model/decode_step.h): whether row_delta can run on `base` (the default: no,
    // the step leaves the layer to forward()), and y (out), base's output for one row x (in) with its bias,
    // turned into the adapter's (LoRA adds to it, DoRA also rescales it), float32 on the CPU, without
    // LibTorch. Where an adapter has it, its forward() of a single row at inference does the same, so the
    // layers the step runs and those it leaves give the same bits.
    virtual bool has_row_delta(const LinearImpl& base) const { return false; }
    virtual void row_delta(const LinearImpl& base, const float* x, float* y) const {}
};

// A frozen weight held in another form than a dense parameter.
class WeightStorage {
public:
    virtual ~WeightStorage() = default;
    // x (..., in) -> x W^T + bias (..., out); `bias` may be undefined.
    virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias) const = 0;
    // The weight as a dense (out, in) tensor in `dtype`, on the storage's device.
    virtual torch::Tensor dense(torch::ScalarType dtype) const = 0;
    // Rows `ids` (any shape) of the weight, as an embedding lookup: (ids..., in) in dtype().
    virtual torch::Tensor rows(const torch::Tensor& ids) const;
    // One row without LibTorch, for the decode step (core/model/decode_step.h): y (out) = W x (in), no
    // bias, float32 on the CPU. Storages without such a kernel say false (the default) and are not asked.
    virtual bool has_row_product() const { return false; }
    virtual void row_product(const float* x, float* y) const {}
    // SwiGLU's gate and up products and the activation, silu(x W^T) * (x U^T), in one pass where this
    // storage (the gate) and `up` (nullptr: this storage holds rows [gate; up], Phi-3's gate_up_proj) can
    // run them so; an undefined tensor where they cannot (the default): the caller runs the two products
    // and swiglu.
    virtual torch::Tensor swiglu_product(const WeightStorage* up, const torch::Tensor& x) const { return {}; }
    virtual torch::ScalarType dtype() const = 0;  // the dtype of the weight it replaced
    virtual torch::Device device() const = 0;
    virtual int64_t bytes() const = 0;           // memory held
};

// x (..., in) @ weight (out, in)^T + bias: torch's linear, except that a single row (decoding) goes
// through a matrix-vector product. OpenBLAS's sgemm with one row runs 4-10x slower than its sgemv on
// the same weights (docs/benchmarks.md, decode).
torch::Tensor dense_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias = {});

class LinearImpl : public torch::nn::Module {
public:
    LinearImpl(int64_t in_features, int64_t out_features, bool with_bias);

    torch::Tensor forward(const torch::Tensor& x);
    // forward(x)'s autograd graph without its product, for a recomputation whose output backward never
    // reads (gradient checkpointing, a layer's last projection): a tensor of the output's shape whose
    // values are unspecified and whose backward is forward's, gradients equal. Where a method cannot skip
    // its product (DoRA, dropout, a quantized base without adapter) or nothing needs a gradient, forward(x).
    torch::Tensor graph_only(const torch::Tensor& x);
    // The plain projection with the frozen weight (dense or storage), ignoring any adapter.
    torch::Tensor base_forward(const torch::Tensor& x) const;
    // The frozen weight as a dense (out, in) tensor (dequantized when a storage holds it).
    torch::Tensor dense_weight() const;
    // Replaces the dense weight by `storage`: "weight" leaves named_parameters() and its memory is freed.
    void set_storage(std::shared_ptr<WeightStorage> storage);

    int64_t in_features, out_features;
    torch::Tensor weight;  // (out, in); undefined once a storage holds the weight
    torch::Tensor bias;    // (out) or undefined
    std::shared_ptr<WeightStorage> storage;
    std::shared_ptr<LinearAdapter> adapter;
};
TORCH_MODULE(Linear);

// forward(x) of each linear in `group`, all reading the same x (q/k/v, gate/up): through the first
// adapter's forward_group (the first member that has one) where it takes them (LoRA in training: one
// node, x cast and kept once, one input gradient), the rest one by one.
std::vector<torch::Tensor> forward_shared_input(const std::vector<LinearImpl*>& group, const torch::Tensor& x);

}  // namespace lathe
