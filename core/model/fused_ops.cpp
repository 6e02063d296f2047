#include "core/model/fused_ops.h"

namespace lathe {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// What autograd would record for `weight * (x * rsqrt(mean(x^2) + eps)).to(dtype)`: eight nodes, a saved
// float32 copy of x, its square and the normalised rows. Here: x and one float32 per row.
class RmsNormFunction : public torch::autograd::Function<RmsNormFunction> {
public:
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight, double eps) {
        const auto xf = x.to(torch::kFloat);                                        // (..., C)
        const auto rstd = torch::rsqrt(xf.square().mean(-1, /*keepdim=*/true).add_(eps));  // (..., 1)
        auto normed = (xf * rstd).to(x.scalar_type());                              // (..., C)
        ctx->save_for_backward({x, weight, rstd});
        if (normed.scalar_type() == torch::promote_types(weight.scalar_type(), x.scalar_type()))
            return normed.mul_(weight);
        return weight * normed;
    }

    // With n = x * rstd and gw = g * weight (float32):
    //   dx = rstd * (gw - n * mean(gw * n)) = rstd * gw - x * (rstd^3 * mean(gw * x))
    //   dweight = sum over rows of g * n.to(dtype)
    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto& x = saved[0];
        const auto& weight = saved[1];
        const auto& rstd = saved[2];
        const auto xf = x.to(torch::kFloat);
        const auto g = grads[0];
        torch::Tensor dx, dweight;
        if (ctx->needs_input_grad(0)) {
            const auto gw = g.to(torch::kFloat) * weight.to(torch::kFloat);               // (..., C)
            const auto s = (gw * xf).mean(-1, /*keepdim=*/true);                          // (..., 1)
            dx = torch::addcmul(gw * rstd, xf, s * rstd.pow(3), -1.0).to(x.scalar_type());
        }
        if (ctx->needs_input_grad(1)) {
            const auto n = (xf * rstd).to(x.scalar_type());
            dweight = (g * n).reshape({-1, x.size(-1)}).sum(0).to(weight.scalar_type());  // (C)
        }
        return {dx, dweight, torch::Tensor()};
    }
};

// silu(gate) * up: autograd would save gate, silu(gate) and up; this saves gate and up and uses
// ATen's fused silu_backward.
class SwiGluFunction : public torch::autograd::Function<SwiGluFunction> {
public:
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& gate, const torch::Tensor& up) {
        ctx->save_for_backward({gate, up});
        return torch::silu(gate).mul_(up);
    }
    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto& gate = saved[0];
        const auto& up = saved[1];
        const auto& g = grads[0];
        torch::Tensor dgate, dup;
        if (ctx->needs_input_grad(0)) dgate = at::silu_backward(g * up, gate);
        if (ctx->needs_input_grad(1)) dup = g * torch::silu(gate);
        return {dgate, dup};
    }
};

}  // namespace

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
    return RmsNormFunction::apply(x, weight, eps);
}

torch::Tensor swiglu(const torch::Tensor& gate, const torch::Tensor& up) { return SwiGluFunction::apply(gate, up); }

}  // namespace lathe
