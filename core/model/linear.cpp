#include "core/model/linear.h"

namespace lathe {

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias) : in_features(in), out_features(out) {
    weight = register_parameter("weight", torch::empty({out, in}));
    if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
    if (adapter) return adapter->forward(*this, x);
    return base_forward(x);
}

torch::Tensor LinearImpl::base_forward(const torch::Tensor& x) const {
    return torch::nn::functional::linear(x, weight, bias);
}

}  // namespace lathe
