#include "core/model/linear.h"

#include "core/infer/gemv.h"
#include "core/train/autocast.h"

namespace lathe {

torch::Tensor dense_linear(const torch::Tensor& x_in, const torch::Tensor& weight, const torch::Tensor& bias_in) {
    // A model may hold weights in two dtypes (bf16 frozen, float32 trainable): outside autocast the input
    // takes the weight's dtype; inside it, autocast casts both.
    torch::Tensor x = x_in, bias = bias_in;
    if (autocast_dtype(x.device()) == torch::kFloat) {
        if (x.scalar_type() != weight.scalar_type()) x = x.to(weight.scalar_type());
        if (bias.defined() && bias.scalar_type() != weight.scalar_type()) bias = bias.to(weight.scalar_type());
    }
    const int64_t in = weight.dim() == 2 ? weight.size(1) : -1;
    if (x.dim() == 0 || in <= 0 || x.numel() % in != 0 || x.scalar_type() != weight.scalar_type())
        return torch::nn::functional::linear(x, weight, bias);
    const int64_t rows = x.numel() / in;
    auto shape = x.sizes().vec();
    shape.back() = weight.size(0);
    // Decoding on the CPU without autograd: Lathe's own kernel, which reads each weight row once for all
    // rows and splits the output over the threads (faster than OpenBLAS's sgemv at decode shapes).
    const bool no_grad = !torch::GradMode::is_enabled() || (!x.requires_grad() && !weight.requires_grad());
    if (rows <= kernels::kGemvMaxRows && no_grad && x.device().is_cpu() && weight.device().is_cpu() &&
        weight.scalar_type() == torch::kFloat && weight.is_contiguous()) {
        auto xc = x.contiguous();
        auto y = torch::empty({rows, weight.size(0)}, x.options());
        kernels::gemv_f32(weight.data_ptr<float>(), weight.size(0), in, xc.data_ptr<float>(), rows,
                          y.data_ptr<float>());
        if (bias.defined()) y.add_(bias);
        return y.reshape(shape);
    }
    if (rows != 1) return torch::nn::functional::linear(x, weight, bias);
    auto y = torch::mv(weight, x.reshape({in}));  // (out)
    if (bias.defined()) y = y + bias;
    return y.reshape(shape);
}

torch::Tensor WeightStorage::rows(const torch::Tensor& ids) const {
    auto shape = ids.sizes().vec();
    auto w = dense(dtype());
    shape.push_back(w.size(1));
    return w.index_select(0, ids.reshape(-1).to(w.device())).view(shape);
}

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias) : in_features(in), out_features(out) {
    weight = register_parameter("weight", torch::empty({out, in}));
    if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
    if (adapter) return adapter->forward(*this, x);
    return base_forward(x);
}

torch::Tensor LinearImpl::base_forward(const torch::Tensor& x) const {
    if (storage) return storage->forward(x, bias);
    return dense_linear(x, weight, bias);
}

torch::Tensor LinearImpl::dense_weight() const {
    if (storage) return storage->dense(storage->dtype());
    return weight;
}

void LinearImpl::set_storage(std::shared_ptr<WeightStorage> s) {
    storage = std::move(s);
    // torch::nn::Module cannot unregister a parameter, but parameters_ is ours to edit.
    if (parameters_.contains("weight")) parameters_.erase("weight");
    weight = torch::Tensor();
}

}  // namespace lathe
