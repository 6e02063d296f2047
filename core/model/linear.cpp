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
    if (storage) return storage->forward(x, bias);
    return torch::nn::functional::linear(x, weight, bias);
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
