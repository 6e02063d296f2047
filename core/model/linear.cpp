#include "core/model/linear.h"

#include "core/infer/gemv.h"
#include "core/util/autocast.h"

#include <ATen/autocast_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

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

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// A dense projection's node without its product: backward gives what linear's would (in `dtype`, autocast's
// or the weight's), dx = g W, dW = g^T x, db = sum g; forward only keeps x in `dtype`.
struct DenseGraphFunction : public torch::autograd::Function<DenseGraphFunction> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                                 const c10::optional<torch::Tensor>& bias, int64_t dtype_code) {
        c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
        const auto dtype = static_cast<torch::ScalarType>(dtype_code);
        ctx->save_for_backward({x.reshape({-1, x.size(-1)}).to(dtype), weight});
        ctx->saved_data["x_shape"] = x.sizes().vec();
        ctx->saved_data["bias_grad"] = bias.has_value() && bias->requires_grad();
        auto shape = x.sizes().vec();
        shape.back() = weight.size(0);
        return torch::empty(shape, x.options().dtype(dtype));
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
        const auto saved = ctx->get_saved_variables();
        const auto &x2 = saved[0], &weight = saved[1];
        const auto g = grads[0].reshape({-1, weight.size(0)}).to(x2.scalar_type());  // (N, out)
        torch::Tensor dx, dw, db;
        if (ctx->needs_input_grad(0)) dx = torch::mm(g, weight.to(x2.scalar_type())).view(ctx->saved_data["x_shape"].toIntVector());
        if (ctx->needs_input_grad(1)) dw = torch::mm(g.t(), x2).to(weight.scalar_type());
        if (ctx->saved_data["bias_grad"].toBool()) db = g.sum(0);
        return {dx, dw, db, torch::Tensor()};
    }
};

}  // namespace

LinearImpl::LinearImpl(int64_t in, int64_t out, bool with_bias) : in_features(in), out_features(out) {
    weight = register_parameter("weight", torch::empty({out, in}));
    if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
    if (adapter) return adapter->forward(*this, x);
    return base_forward(x);
}

torch::Tensor LinearImpl::graph_only(const torch::Tensor& x) {
    if (adapter) return adapter->graph_only(*this, x);
    const bool grads = torch::GradMode::is_enabled() && weight.defined() &&
                       (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
    if (storage || !grads || x.dim() == 0 || !x.is_floating_point() || x.size(-1) != in_features) return forward(x);
    const auto autocast = autocast_dtype(x.device());
    const auto dtype = autocast != torch::kFloat ? autocast : weight.scalar_type();  // as dense_linear casts
    return DenseGraphFunction::apply(x, weight, bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt,
                                     int64_t(dtype));
}

std::vector<torch::Tensor> forward_shared_input(const std::vector<LinearImpl*>& group, const torch::Tensor& x) {
    std::vector<torch::Tensor> ys;
    for (auto* linear : group) {
        if (!linear->adapter) continue;
        ys = linear->adapter->forward_group(group, x);  // the first adapter decides for the group
        break;
    }
    ys.resize(group.size());
    for (size_t i = 0; i < group.size(); ++i)
        if (!ys[i].defined()) ys[i] = group[i]->forward(x);
    return ys;
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
