// The projection layer every decoder uses. PEFT methods (LoRA, DoRA, quantized bases) plug in as an
// adapter that takes over forward(), so model code never changes when a method is added.
#pragma once
#include <torch/torch.h>

namespace lathe {

class LinearImpl;

class LinearAdapter {
public:
    virtual ~LinearAdapter() = default;
    // x: (..., in) -> (..., out). `base` gives access to the frozen weight/bias.
    virtual torch::Tensor forward(LinearImpl& base, const torch::Tensor& x) = 0;
};

class LinearImpl : public torch::nn::Module {
public:
    LinearImpl(int64_t in_features, int64_t out_features, bool with_bias);

    torch::Tensor forward(const torch::Tensor& x);
    // The plain projection with the stored weight, ignoring any adapter.
    torch::Tensor base_forward(const torch::Tensor& x) const;

    int64_t in_features, out_features;
    torch::Tensor weight;  // (out, in); may be empty when an adapter holds a quantized copy
    torch::Tensor bias;    // (out) or undefined
    std::shared_ptr<LinearAdapter> adapter;
};
TORCH_MODULE(Linear);

}  // namespace lathe
