#include "core/model/fused_ops.h"

#include "core/model/fused_kernels_cpu_tensor.h"

namespace lathe {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using cpu_kernels::elem_of;

// Whether cpu_kernels runs these tensors' block (else the ATen formulas below): AVX-512 or AVX2 + FMA.
bool use_kernels(std::initializer_list<const torch::Tensor*> ts) {
    for (const auto* t : ts)
        if (!cpu_kernels::takes(*t)) return false;
    return true;
}

// What autograd would record for `weight * (x * rsqrt(mean(x^2) + eps)).to(dtype)`: eight nodes, a saved
// float32 copy of x, its square and the normalised rows. Here: x and one float32 per row.
class RmsNormFunction : public torch::autograd::Function<RmsNormFunction> {
public:
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x_in, const torch::Tensor& weight_in, double eps) {
        if (use_kernels({&x_in, &weight_in}) && weight_in.dim() == 1 && x_in.dim() >= 1 &&
            x_in.size(-1) == weight_in.size(0)) {
            const auto x = x_in.contiguous(), weight = weight_in.contiguous();
            const int64_t C = x.size(-1), rows = C ? x.numel() / C : 0;
            auto out = torch::empty(x.sizes(), x.options().dtype(torch::promote_types(weight.scalar_type(), x.scalar_type())));
            auto shape = x.sizes().vec();
            shape.back() = 1;
            auto rstd = torch::empty(shape, x.options().dtype(torch::kFloat));
            cpu_kernels::rms_norm_forward(elem_of(x), x.data_ptr(), elem_of(weight), weight.data_ptr(), elem_of(out),
                                          out.data_ptr(), rstd.data_ptr<float>(), rows, C, float(eps));
            ctx->save_for_backward({x, weight, rstd});
            return out;
        }
        const auto& x = x_in;
        const auto& weight = weight_in;
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
        if (use_kernels({&x, &weight, &grads[0]}) && x.is_contiguous() && weight.is_contiguous()) {
            const auto g = grads[0].contiguous();
            const int64_t C = x.size(-1), rows = C ? x.numel() / C : 0;
            torch::Tensor dx, dweight;
            if (ctx->needs_input_grad(0)) dx = torch::empty_like(x);
            if (ctx->needs_input_grad(1)) dweight = torch::empty({C}, x.options().dtype(torch::kFloat));
            cpu_kernels::rms_norm_backward(elem_of(g), g.data_ptr(), elem_of(x), x.data_ptr(), elem_of(weight),
                                           weight.data_ptr(), rstd.data_ptr<float>(), dx.defined() ? dx.data_ptr() : nullptr,
                                           dweight.defined() ? dweight.data_ptr<float>() : nullptr, rows, C);
            if (dweight.defined()) dweight = dweight.to(weight.scalar_type());
            return {dx, dweight, torch::Tensor()};
        }
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
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& gate_in, const torch::Tensor& up_in) {
        if (use_kernels({&gate_in, &up_in}) && gate_in.sizes() == up_in.sizes() &&
            gate_in.scalar_type() == up_in.scalar_type()) {
            const auto gate = gate_in.contiguous(), up = up_in.contiguous();
            auto out = torch::empty_like(gate);
            cpu_kernels::swiglu_forward(elem_of(gate), gate.data_ptr(), up.data_ptr(), out.data_ptr(), gate.numel());
            ctx->save_for_backward({gate, up});
            return out;
        }
        ctx->save_for_backward({gate_in, up_in});
        return torch::silu(gate_in).mul_(up_in);
    }
    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto& gate = saved[0];
        const auto& up = saved[1];
        const auto& g = grads[0];
        torch::Tensor dgate, dup;
        if (use_kernels({&gate, &up, &g}) && gate.is_contiguous() && up.is_contiguous() &&
            g.scalar_type() == gate.scalar_type() && g.sizes() == gate.sizes()) {
            const auto gc = g.contiguous();
            if (ctx->needs_input_grad(0)) dgate = torch::empty_like(gate);
            if (ctx->needs_input_grad(1)) dup = torch::empty_like(up);
            cpu_kernels::swiglu_backward(elem_of(gate), gc.data_ptr(), gate.data_ptr(), up.data_ptr(),
                                         dgate.defined() ? dgate.data_ptr() : nullptr, dup.defined() ? dup.data_ptr() : nullptr,
                                         gate.numel());
            return {dgate, dup};
        }
        // Elsewhere (neither AVX-512 nor AVX2, CUDA) ATen's ops, in float32 and rounded once at the end as the kernel
        // does: ATen's bf16 silu_backward rounds inside the formula, several percent off near its zero.
        const auto f = torch::kFloat;
        const auto gf = g.to(f), gatef = gate.to(f);
        if (ctx->needs_input_grad(0)) dgate = at::silu_backward((g * up).to(f), gatef).to(gate.scalar_type());
        if (ctx->needs_input_grad(1)) dup = (gf * torch::silu(gatef).to(gate.scalar_type()).to(f)).to(up.scalar_type());
        return {dgate, dup};
    }
};

}  // namespace

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
    return RmsNormFunction::apply(x, weight, eps);
}

torch::Tensor swiglu(const torch::Tensor& gate, const torch::Tensor& up) { return SwiGluFunction::apply(gate, up); }

}  // namespace lathe
