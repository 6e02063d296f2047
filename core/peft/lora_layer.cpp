#include "core/peft/lora_layer.h"

#include "core/infer/gemv.h"
#include "core/model/fused_kernels_cpu_tensor.h"

#include "core/peft/quantized_linear.h"
#include "core/util/autocast.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

#include <cmath>

namespace lathe {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Whether DoRA's per-column scaling runs in cpu_kernels: a CPU (N, out) matrix of float32 or bf16 on a
// processor with AVX-512 or AVX2 + FMA.
bool column_kernels(const torch::Tensor& t) { return cpu_kernels::takes(t) && t.dim() == 2 && t.is_contiguous(); }

using cpu_kernels::elem_of;

// B^T (r, out) in `dtype`, laid out row by row. The rank-r products (N, r) x (r, out) and their gradients
// are given to oneDNN with both operands contiguous: with B^T as a transposed view (or A x as a column
// slice) its bf16 matmul picks its slow gemm path, 5-7 ms for one (2048, 8) x (8, 2048) product against
// about 1 ms (ONEDNN_VERBOSE; a LoRA step of bench-train's 85m shape, bf16, ran about a fifth faster).
torch::Tensor b_transposed(const torch::Tensor& B, torch::ScalarType dtype) { return B.to(dtype).t().contiguous(); }

// dB = s g^T a (out, r) in `B_dtype`, computed as (a^T g)^T from a contiguous (r, N) copy of a = x A^T, for
// the same reason.
torch::Tensor b_gradient(const torch::Tensor& a, const torch::Tensor& g, double s, torch::ScalarType B_dtype) {
    return torch::mm(a.t().contiguous(), g).mul_(s).to(B_dtype).t().contiguous();
}

// The adapter's products that LoRA's and DoRA's nodes share, in `dtype` with autocast off:
//   forward  y = x W^T (+ b) + s (x A^T) B^T, keeping x (N, in) and a = x A^T (N, r) for backward;
//   backward from g = dL/dy (N, out): dx = g W + (s g B) A written once (addmm_), dA = (s g B)^T x,
//   dB = s g^T a. The chain of autograd nodes this replaces made two (N, in) input gradients and added
//   them, and scaled full-size tensors by s where the (N, r) products carry it here.
struct AdapterForward {
    torch::Tensor x2, a, y;  // (N, in) in dtype, (N, r), (N, out)
};

// Without `output` (LinearImpl::graph_only) only what backward keeps: x and x A^T, y left undefined.
AdapterForward adapter_forward(const torch::Tensor& x, const torch::Tensor& w, const c10::optional<torch::Tensor>& bias,
                               const torch::Tensor& A, const torch::Tensor& B, double s, torch::ScalarType dtype,
                               bool output = true) {
    AdapterForward f;
    f.x2 = x.reshape({-1, x.size(-1)}).to(dtype);
    f.a = torch::mm(f.x2, A.to(dtype).t());
    if (!output) return f;
    f.y = bias ? torch::addmm(bias->to(dtype), f.x2, w.t()) : torch::mm(f.x2, w.t());
    f.y.addmm_(f.a, b_transposed(B, dtype), 1.0, s);
    return f;
}

struct AdapterGrads {
    torch::Tensor dx, dA, dB;
};

// `g` (N, out) in the forward's dtype; dx takes x_shape (the input's, in features last).
AdapterGrads adapter_backward(AutogradContext* ctx, const torch::Tensor& g, const AdapterForward& f,
                              const torch::Tensor& A, const torch::Tensor& B, const torch::Tensor& w, double s,
                              c10::IntArrayRef x_shape) {
    const auto dtype = f.x2.scalar_type();
    const auto gb = torch::mm(g, B.to(dtype)).mul_(s);  // s (g B): (N, r)
    AdapterGrads r;
    if (ctx->needs_input_grad(0)) {
        auto dx2 = torch::mm(g, w.to(dtype));  // (N, in)
        dx2.addmm_(gb, A.to(dtype));
        r.dx = dx2.view(x_shape);
    }
    if (ctx->needs_input_grad(1)) r.dA = torch::mm(gb.t().contiguous(), f.x2).to(A.scalar_type());  // (r, in)
    if (ctx->needs_input_grad(2)) r.dB = b_gradient(f.a, g, s, B.scalar_type());  // (out, r)
    return r;
}

// (N, out) as the input's leading dimensions.
torch::Tensor as_output(const torch::Tensor& y, const torch::Tensor& x) {
    auto shape = x.sizes().vec();
    shape.back() = y.size(1);
    return y.view(shape);
}

// What both nodes keep besides tensors; save_for_backward holds x2 and a first, as saved_products reads.
void save_settings(AutogradContext* ctx, double scaling, const torch::Tensor& x, const c10::optional<torch::Tensor>& bias) {
    ctx->saved_data["scaling"] = scaling;
    ctx->saved_data["x_shape"] = x.sizes().vec();
    ctx->saved_data["bias_grad"] = bias.has_value() && bias->requires_grad();
}

AdapterForward saved_products(const variable_list& saved) {
    AdapterForward f;
    f.x2 = saved[0];
    f.a = saved[1];
    return f;
}

// DoRA's output from its pre-scale product (N, out): y = pre * scale + b, one pass in cpu_kernels where
// it takes the matrix. `scale` (out) = m / norm in the products' dtype.
torch::Tensor dora_scaled(const torch::Tensor& pre, const torch::Tensor& scale, const c10::optional<torch::Tensor>& bias) {
    if (column_kernels(pre)) {
        auto y = torch::empty_like(pre);
        const auto scale_f = scale.to(torch::kFloat).contiguous();
        const auto bias_f = bias ? bias->to(torch::kFloat).contiguous() : torch::Tensor();
        cpu_kernels::column_scale_forward(elem_of(pre), pre.data_ptr(), scale_f.data_ptr<float>(),
                                          bias_f.defined() ? bias_f.data_ptr<float>() : nullptr, y.data_ptr(),
                                          pre.size(0), pre.size(1));
        return y;
    }
    auto y = pre * scale;
    if (bias) y.add_(bias->to(pre.scalar_type()));
    return y;
}

struct DoraGrads {
    torch::Tensor gs;  // d(pre) = g * scale (N, out)
    torch::Tensor dm;  // colsum(g * pre) / norm in `m_dtype`; undefined without `need_dm`
};

// DoRA's backward through y = pre * scale + b from g = dL/dy (N, out), in one pass where cpu_kernels take it.
DoraGrads dora_scale_backward(const torch::Tensor& g, const torch::Tensor& pre, const torch::Tensor& scale,
                              const torch::Tensor& norm, torch::ScalarType m_dtype, bool need_dm) {
    DoraGrads r;
    if (column_kernels(g) && pre.is_contiguous() && g.scalar_type() == pre.scalar_type()) {
        r.gs = torch::empty_like(g);
        auto dscale = torch::empty({g.size(1)}, g.options().dtype(torch::kFloat));
        const auto scale_f = scale.to(torch::kFloat).contiguous();
        cpu_kernels::column_scale_backward(elem_of(g), g.data_ptr(), pre.data_ptr(), scale_f.data_ptr<float>(),
                                           r.gs.data_ptr(), dscale.data_ptr<float>(), g.size(0), g.size(1));
        if (need_dm) r.dm = (dscale / norm).to(m_dtype);
        return r;
    }
    if (need_dm) r.dm = (torch::sum(g * pre, {0}, false, torch::kFloat) / norm).to(m_dtype);
    r.gs = g * scale;
    return r;
}

// PEFT's nn.Dropout on the adapter's input, x * mask with the mask (0 or 1 / (1 - p)) from
// cpu_kernels::dropout_mask where the kernels take x: one seed drawn from the default generator instead of
// a Bernoulli draw per element, so gradient checkpointing's recomputation (which restores the generator)
// gets the same mask. torch::dropout elsewhere. In bf16 the mask's 1 / (1 - p) is rounded to bf16 (1.0547
// for p = 0.05), as LibTorch 1.13's torch::dropout rounds it (checked on 1000 values: all equal).
torch::Tensor lora_dropout(const torch::Tensor& x, double p) {
    if (!cpu_kernels::takes(x)) return torch::dropout(x, p, /*train=*/true);
    uint64_t seed;
    {
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        seed = at::check_generator<at::CPUGeneratorImpl>(gen)->random64();
    }
    auto mask = torch::empty(x.sizes(), x.options());
    cpu_kernels::dropout_mask(elem_of(mask), seed, static_cast<float>(p), mask.data_ptr(), mask.numel());
    return x * mask;
}

// DoRA with its magnitude folded into the operands. y = scale * (x W^T + s (x A^T) B^T) + b equals
//   z + b with z = x W'^T + s (x A^T) B'^T, W' = diag(scale) W and B' = diag(scale) B,
// so the products make the scaled output directly: one pass over W (out, in) where scaling the product
// was one over (N, out) and kept the unscaled product besides the output. Backward is unchanged but for
// dm = colsum(g * pre) / norm = colsum(g * z) / (scale * norm): z is kept in pre's place (without the
// bias, as precise as pre was) and scale * norm in norm's (dora_scale_backward). Where a scale is 0 or
// extreme z cannot stand for the product: those linears keep scaling the product (dora_foldable).
// scale = m / norm in `dtype` (the products'), as float32.
torch::Tensor dora_scale(const torch::Tensor& m, const torch::Tensor& norm, torch::ScalarType dtype) {
    return (m.to(torch::kFloat) / norm).to(dtype).to(torch::kFloat);
}

bool dora_foldable(const torch::Tensor& scale) {
    if (scale.device().is_cpu() && scale.is_contiguous()) {  // (out) floats: no LibTorch calls
        const float* p = scale.data_ptr<float>();
        for (int64_t i = 0; i < scale.numel(); ++i)
            if (!(std::abs(p[i]) >= 1e-6f && std::abs(p[i]) <= 1e6f)) return false;
        return true;
    }
    const auto a = scale.abs();
    return (a >= 1e-6).logical_and_(a <= 1e6).all().item<bool>();
}

// diag(scale) W in `dtype`: one pass where cpu_kernels take W (held in dtype).
torch::Tensor rows_scaled(const torch::Tensor& w, const torch::Tensor& scale, torch::ScalarType dtype) {
    if (w.scalar_type() == dtype && column_kernels(w)) {
        auto y = torch::empty_like(w);
        const auto scale_f = scale.contiguous();
        cpu_kernels::row_scale(elem_of(w), w.data_ptr(), scale_f.data_ptr<float>(), y.data_ptr(), w.size(0), w.size(1));
        return y;
    }
    return (w.to(torch::kFloat) * scale.unsqueeze(1)).to(dtype);
}

// B' = diag(scale) B, float32 (out, r).
torch::Tensor b_scaled(const torch::Tensor& B, const torch::Tensor& scale) {
    return B.to(torch::kFloat) * scale.unsqueeze(1);
}

// The folded output from z: z itself, or z + b in a new tensor (z is kept for backward).
torch::Tensor dora_folded_output(const torch::Tensor& z, const c10::optional<torch::Tensor>& bias) {
    if (!bias) return z;
    return dora_scaled(z, torch::ones({z.size(1)}, z.options().dtype(torch::kFloat)), bias);
}

// LoRA on a frozen W as one autograd node: y = x W^T + b + s (x A^T) B^T in `dtype` (autocast's, or the
// base weight's outside autocast). Saves x (in `dtype`) and x A^T (N, r), as the chain does.
class LoraLinearFunction : public torch::autograd::Function<LoraLinearFunction> {
public:
    // The frozen weight is `weight` (dense) or, when `q` is set (QLoRA), q's codes: dequantized here and
    // again in backward, never kept. With `graph_only` (LinearImpl::graph_only) the output is left
    // unspecified and neither the base product nor the dequantization runs.
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& A,
                                 const torch::Tensor& B, const c10::optional<torch::Tensor>& weight_arg,
                                 const QuantizedTensor* q, const c10::optional<torch::Tensor>& bias_arg, double scaling,
                                 int64_t dtype_code, bool graph_only) {
        c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
        const torch::Tensor weight = weight_arg.value_or(torch::Tensor());  // optional: an undefined input has no device
        const auto dtype = static_cast<torch::ScalarType>(dtype_code);
        torch::Tensor w;  // (out, in): the parameter itself when held in dtype
        if (!graph_only) w = q ? q->dequantize(dtype) : weight.to(dtype);
        AdapterForward f = adapter_forward(x, w, bias_arg, A, B, scaling, dtype, !graph_only);
        if (graph_only) f.y = torch::empty({f.x2.size(0), B.size(0)}, f.x2.options());
        std::vector<torch::Tensor> saved = {f.x2, f.a, A, B, q ? torch::Tensor() : weight};
        if (q) {
            for (auto& t : quantized_tensors(*q)) saved.push_back(t);
            ctx->saved_data["layout"] = quantized_layout(*q);
        }
        ctx->save_for_backward(saved);
        save_settings(ctx, scaling, x, bias_arg);
        return as_output(f.y, x);
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
        const auto saved = ctx->get_saved_variables();
        const AdapterForward f = saved_products(saved);
        const auto &A = saved[2], &B = saved[3];
        const auto dtype = f.x2.scalar_type();
        torch::Tensor weight = saved[4];
        if (ctx->saved_data.count("layout"))
            weight = rebuild_quantized({saved.begin() + 5, saved.end()}, ctx->saved_data["layout"].toIntVector()).dequantize(dtype);
        const auto g = grads[0].reshape({-1, weight.size(0)}).to(dtype);  // (N, out)
        const AdapterGrads r = adapter_backward(ctx, g, f, A, B, weight, ctx->saved_data["scaling"].toDouble(),
                                                ctx->saved_data["x_shape"].toIntVector());
        torch::Tensor dbias;
        if (ctx->saved_data["bias_grad"].toBool()) dbias = g.sum(0);
        return {r.dx, r.dA, r.dB, torch::Tensor(), torch::Tensor(), dbias, torch::Tensor(), torch::Tensor(),
                torch::Tensor()};
    }
};

// Plain LoRA on several frozen linears that read the same x (q/k/v, gate/up) as one node:
//   forward  x2 = x in dtype, cast and kept once; a = x2 [A_1; ...; A_k]^T (N, r_1 + ... + r_k) in one
//            product; y_i = x2 W_i^T + b_i + s_i a_i B_i^T (a_i: a's columns of adapter i);
//   backward dx = sum_i g_i W_i + [s_1 g_1 B_1, ..., s_k g_k B_k] [A_1; ...; A_k], accumulated in one
//            (N, in) buffer; [dA_1; ...; dA_k] = [s_i g_i B_i]^T x2 in one product; dB_i = s_i g_i^T a_i.
// Separate nodes cast and kept x once each, ran two skinny products over x each, and left autograd k
// input gradients of (N, in) to add.
// DoRA members (all of the group's, given `magnitudes` m_i and constant `norms`): y_i = scale_i * pre_i + b_i
// with pre_i = x2 W_i^T + s_i a_i B_i^T and scale_i = m_i / norm_i, as DoraLinearFunction; backward turns
// g_i into d(pre_i) = g_i * scale_i (and dm_i) first, then runs as above.
class LoraGroupFunction : public torch::autograd::Function<LoraGroupFunction> {
public:
    // `weights`: the dense frozen weights, or empty where `quantized` holds them (QLoRA: dequantized here
    // and again in backward, never kept). `biases`: each linear's, or a 0-element placeholder.
    static variable_list forward(AutogradContext* ctx, const torch::Tensor& x, at::TensorList As, at::TensorList Bs,
                                 at::TensorList weights, at::TensorList biases, at::TensorList magnitudes,
                                 at::TensorList norms, const std::vector<const QuantizedTensor*>& quantized,
                                 const std::vector<double>& scalings, int64_t dtype_code) {
        c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
        const auto dtype = static_cast<torch::ScalarType>(dtype_code);
        const size_t k = As.size();
        const bool dora = !magnitudes.empty();
        const auto x2 = x.reshape({-1, x.size(-1)}).to(dtype);
        std::vector<torch::Tensor> a_rows;
        for (const auto& A : As) a_rows.push_back(A.to(dtype));
        const auto a = torch::mm(x2, torch::cat(a_rows).t());  // (N, sum r)
        std::vector<torch::Tensor> saved = {x2, a};
        saved.insert(saved.end(), As.begin(), As.end());
        saved.insert(saved.end(), Bs.begin(), Bs.end());
        std::vector<int64_t> bias_grads, counts;
        variable_list ys;
        std::vector<torch::Tensor> dora_saved;  // per member: pre (or z where folded), scale, norm, m
        std::vector<torch::Tensor> scales;      // DoRA: m / norm per member, float32
        bool folded = dora;                     // DoRA's magnitudes folded into W and B (dora_foldable)
        for (size_t i = 0; i < magnitudes.size(); ++i) {
            scales.push_back(dora_scale(magnitudes[i], norms[i], dtype));
            folded = folded && dora_foldable(scales[i]);
        }
        int64_t offset = 0;
        for (size_t i = 0; i < k; ++i) {
            auto w = quantized.empty() ? weights[i].to(dtype) : quantized[i]->dequantize(dtype);
            if (folded) w = rows_scaled(w, scales[i], dtype);
            const int64_t r = As[i].size(0);
            const bool bias_in_product = biases[i].numel() && !dora;
            auto y = bias_in_product ? torch::addmm(biases[i].to(dtype), x2, w.t()) : torch::mm(x2, w.t());
            y.addmm_(a.narrow(1, offset, r).contiguous(),
                     b_transposed(folded ? b_scaled(Bs[i], scales[i]) : Bs[i], dtype), 1.0, scalings[i]);
            if (dora) {
                const auto bias = biases[i].numel() ? c10::optional<torch::Tensor>(biases[i]) : c10::nullopt;
                if (folded) {
                    dora_saved.insert(dora_saved.end(), {y, scales[i].to(dtype), scales[i] * norms[i], magnitudes[i]});
                    y = dora_folded_output(y, bias);
                } else {
                    const auto scale = scales[i].to(dtype);
                    dora_saved.insert(dora_saved.end(), {y, scale, norms[i], magnitudes[i]});
                    y = dora_scaled(y, scale, bias);
                }
            }
            ys.push_back(as_output(y, x));
            offset += r;
            bias_grads.push_back(biases[i].numel() && biases[i].requires_grad());
            if (quantized.empty()) {
                saved.push_back(weights[i]);
            } else {
                const auto tensors = quantized_tensors(*quantized[i]);
                saved.insert(saved.end(), tensors.begin(), tensors.end());
                counts.push_back(int64_t(tensors.size()));
                ctx->saved_data["layout" + std::to_string(i)] = quantized_layout(*quantized[i]);
            }
        }
        saved.insert(saved.end(), dora_saved.begin(), dora_saved.end());
        ctx->save_for_backward(saved);
        ctx->saved_data["dora"] = dora;
        ctx->saved_data["scalings"] = scalings;
        ctx->saved_data["x_shape"] = x.sizes().vec();
        ctx->saved_data["x_dtype"] = int64_t(x.scalar_type());
        ctx->saved_data["bias_grads"] = bias_grads;
        ctx->saved_data["counts"] = counts;  // tensors per quantized weight; empty for dense ones
        ctx->saved_data["dense_inputs"] = int64_t(weights.size());
        return ys;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
        const auto saved = ctx->get_saved_variables();
        const auto scalings = ctx->saved_data["scalings"].toDoubleVector();
        const auto bias_grads = ctx->saved_data["bias_grads"].toIntVector();
        const auto counts = ctx->saved_data["counts"].toIntVector();
        const size_t k = scalings.size(), dense_inputs = size_t(ctx->saved_data["dense_inputs"].toInt());
        const bool dora = ctx->saved_data["dora"].toBool();
        const size_t dora_inputs = dora ? 2 * k : 0;  // the magnitudes and the norms
        const size_t dora_pos = saved.size() - (dora ? 4 * k : 0);
        const auto &x2 = saved[0], &a = saved[1];
        const auto dtype = x2.scalar_type();
        // x, the A's, the B's, the dense weights, the biases, the magnitudes and norms, then three settings
        // without gradients.
        variable_list result(1 + 3 * k + dense_inputs + dora_inputs + 3);
        std::vector<torch::Tensor> W(k), g(k), gb(k);
        size_t pos = 2 + 2 * k;
        for (size_t i = 0; i < k; ++i) {
            if (counts.empty()) {
                W[i] = saved[pos++].to(dtype);
            } else {
                W[i] = rebuild_quantized({saved.begin() + pos, saved.begin() + pos + counts[i]},
                                         ctx->saved_data["layout" + std::to_string(i)].toIntVector())
                           .dequantize(dtype);
                pos += size_t(counts[i]);
            }
            const auto& B = saved[2 + k + i];
            g[i] = grads[i].reshape({-1, W[i].size(0)}).to(dtype);     // (N, out_i)
            if (bias_grads[i]) result[1 + 2 * k + dense_inputs + i] = g[i].sum(0);
            if (dora) {
                const size_t m_input = 1 + 3 * k + dense_inputs + i;
                const auto* d = &saved[dora_pos + 4 * i];  // pre (or z), scale, norm (or scale * norm), m
                DoraGrads dg = dora_scale_backward(g[i], d[0], d[1], d[2], d[3].scalar_type(),
                                                   ctx->needs_input_grad(m_input));
                result[m_input] = dg.dm;
                g[i] = dg.gs;
            }
            gb[i] = torch::mm(g[i], B.to(dtype)).mul_(scalings[i]);   // s_i g_i B_i: (N, r_i)
        }
        const auto gb_all = torch::cat(gb, 1);  // (N, sum r)
        if (ctx->needs_input_grad(0)) {
            std::vector<torch::Tensor> a_rows;
            for (size_t i = 0; i < k; ++i) a_rows.push_back(saved[2 + i].to(dtype));
            auto dx = torch::mm(gb_all, torch::cat(a_rows));  // (N, in)
            const auto x_dtype = static_cast<torch::ScalarType>(ctx->saved_data["x_dtype"].toInt());
            if (x_dtype == dtype) {
                for (size_t i = 0; i < k; ++i) dx.addmm_(g[i], W[i]);
            } else {
                // A float32 x under bf16 autocast: the products summed in x's dtype, as autograd sums
                // separate nodes' gradients (bf16 partial sums lose about twice as much).
                dx = dx.to(x_dtype);
                for (size_t i = 0; i < k; ++i) dx.add_(torch::mm(g[i], W[i]));
            }
            result[0] = dx.view(ctx->saved_data["x_shape"].toIntVector());
        }
        bool any_a = false;
        for (size_t i = 0; i < k; ++i) any_a = any_a || ctx->needs_input_grad(1 + i);
        const auto dA_all = any_a ? torch::mm(gb_all.t().contiguous(), x2) : torch::Tensor();  // (sum r, in)
        int64_t offset = 0;
        for (size_t i = 0; i < k; ++i) {
            const auto &A = saved[2 + i], &B = saved[2 + k + i];
            const int64_t r = A.size(0);
            if (ctx->needs_input_grad(1 + i))
                result[1 + i] = dA_all.narrow(0, offset, r).to(A.scalar_type(), /*non_blocking=*/false, /*copy=*/true);
            if (ctx->needs_input_grad(1 + k + i))
                result[1 + k + i] = b_gradient(a.narrow(1, offset, r), g[i], scalings[i], B.scalar_type());
            offset += r;
        }
        return result;
    }
};

// DoRA on a frozen W (dense, or QLoRA's codes) as one node: y = scale * (x W^T + s (x A^T) B^T) + b with
// scale = m / norm (out) and norm = ||W + s B A||_row given as a constant, which is PEFT's
//   base(x) + (scale - 1) * (x W^T) + scale * s * B(A(x))
// rearranged: one elementwise product forward and one backward where the chain ran about a dozen
// float32 passes over (N, out). Saves x, x A^T and the pre-scale product (z where the magnitude folds in).
class DoraLinearFunction : public torch::autograd::Function<DoraLinearFunction> {
public:
    // The frozen weight is `weight` (dense) or, when `q` is set (QLoRA with DoRA), q's codes: dequantized
    // here and again in backward, never kept.
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& A,
                                 const torch::Tensor& B, const torch::Tensor& m,
                                 const c10::optional<torch::Tensor>& weight_arg, const QuantizedTensor* q,
                                 const c10::optional<torch::Tensor>& bias_arg, const torch::Tensor& norm,
                                 double scaling, int64_t dtype_code) {
        c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
        const auto dtype = static_cast<torch::ScalarType>(dtype_code);
        const torch::Tensor weight = weight_arg.value_or(torch::Tensor());
        const torch::Tensor w = q ? q->dequantize(dtype) : weight.to(dtype);
        const auto scale_f = dora_scale(m, norm, dtype);  // (out)
        torch::Tensor y;
        std::vector<torch::Tensor> saved;
        if (dora_foldable(scale_f)) {
            const AdapterForward f = adapter_forward(x, rows_scaled(w, scale_f, dtype), c10::nullopt, A,
                                                     b_scaled(B, scale_f), scaling, dtype);
            y = dora_folded_output(f.y, bias_arg);
            saved = {f.x2, f.a, A, B, m, weight, f.y, scale_f.to(dtype), scale_f * norm};
        } else {
            const AdapterForward f = adapter_forward(x, w, c10::nullopt, A, B, scaling, dtype);
            const auto& pre = f.y;  // (N, out), before the magnitude's scale
            const auto scale = scale_f.to(dtype);
            y = dora_scaled(pre, scale, bias_arg);
            saved = {f.x2, f.a, A, B, m, weight, pre, scale, norm};
        }
        if (q) {
            for (auto& t : quantized_tensors(*q)) saved.push_back(t);
            ctx->saved_data["layout"] = quantized_layout(*q);
        }
        ctx->save_for_backward(saved);
        save_settings(ctx, scaling, x, bias_arg);
        return as_output(y, x);
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::autocast_dispatch_keyset);
        const auto saved = ctx->get_saved_variables();
        const AdapterForward f = saved_products(saved);
        const auto &A = saved[2], &B = saved[3], &m = saved[4], &pre = saved[6], &scale = saved[7], &norm = saved[8];
        torch::Tensor weight = saved[5];
        if (ctx->saved_data.count("layout"))
            weight = rebuild_quantized({saved.begin() + 9, saved.end()}, ctx->saved_data["layout"].toIntVector())
                         .dequantize(f.x2.scalar_type());
        const auto g = grads[0].reshape({-1, weight.size(0)}).to(f.x2.scalar_type());  // (N, out)
        torch::Tensor dbias;
        if (ctx->saved_data["bias_grad"].toBool()) dbias = g.sum(0);
        // pre and norm: z and scale * norm where the forward folded the magnitude in.
        const DoraGrads d = dora_scale_backward(g, pre, scale, norm, m.scalar_type(), ctx->needs_input_grad(3));
        const AdapterGrads r = adapter_backward(ctx, d.gs, f, A, B, weight, ctx->saved_data["scaling"].toDouble(),
                                                ctx->saved_data["x_shape"].toIntVector());
        // x, A, B, m, then the weight, its codes, the bias, the norm and two settings.
        return {r.dx, r.dA, r.dB, d.dm, torch::Tensor(), torch::Tensor(), dbias, torch::Tensor(), torch::Tensor(),
                torch::Tensor()};
    }
};

// The frozen product x W^T without bias, through the storage when there is one (so a quantized base
// keeps saving only its codes for backward).
torch::Tensor base_product(const LinearImpl& base, const torch::Tensor& x) {
    if (base.storage) return base.storage->forward(x, torch::Tensor());
    return dense_linear(x.to(base.weight.scalar_type()), base.weight);
}

torch::Device device_of(const LinearImpl& base) { return base.storage ? base.storage->device() : base.weight.device(); }

}  // namespace

double LoraLayerOptions::scaling() const {
    return use_rslora ? alpha / std::sqrt(double(rank)) : alpha / double(rank);
}

DoraMagnitudeImpl::DoraMagnitudeImpl(int64_t out_features) {
    weight = register_parameter("weight", torch::ones({out_features}));
}

LoraLinear::LoraLinear(LinearImpl& base, const LoraLayerOptions& options, at::Generator gen)
    : options_(options), scaling_(options.scaling()) {
    const int64_t in = base.in_features, out = base.out_features, r = options.rank;
    // float32 whatever the base holds: a bf16 base with float32 adapters is mixed precision, as PEFT under
    // LLaMA-Factory ("upcasting trainable params to float32"); pure bf16 casts them down afterwards.
    const auto opts = torch::TensorOptions().device(device_of(base)).dtype(torch::kFloat);
    lora_A = base.register_module("lora_A", torch::nn::Linear(torch::nn::LinearOptions(in, r).bias(false)));
    lora_B = base.register_module("lora_B", torch::nn::Linear(torch::nn::LinearOptions(r, out).bias(false)));
    torch::NoGradGuard no_grad;
    // kaiming_uniform_(a=sqrt(5)), fan_in mode: gain sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / in) = 1/sqrt(in).
    auto a = torch::zeros({r, in}, torch::kFloat);
    if (gen.defined()) a.uniform_(-1.0 / std::sqrt(double(in)), 1.0 / std::sqrt(double(in)), gen);
    lora_A->weight.set_data(a.to(opts));
    lora_B->weight.set_data(torch::zeros({out, r}, opts));
    if (options.use_dora) {
        magnitude = base.register_module("lora_magnitude_vector", DoraMagnitude(out));
        magnitude->weight.set_data(torch::ones({out}, opts));
        if (gen.defined()) init_magnitude(base);
    }
}

void LoraLinear::init_magnitude(const LinearImpl& base) {
    torch::NoGradGuard no_grad;
    auto w = base.dense_weight().to(torch::kFloat) + delta_weight();  // (out, in)
    magnitude->weight.copy_(w.norm(2, {1}).to(magnitude->weight.scalar_type()));
}

torch::Tensor LoraLinear::delta_weight() const {
    torch::NoGradGuard no_grad;
    return torch::matmul(lora_B->weight.to(torch::kFloat), lora_A->weight.to(torch::kFloat)) * scaling_;  // (out, in)
}

torch::Tensor LoraLinear::merged_weight(const LinearImpl& base) const {
    torch::NoGradGuard no_grad;
    auto w = base.dense_weight().to(torch::kFloat) + delta_weight();  // (out, in)
    if (!magnitude) return w;
    auto norm = w.norm(2, {1}, /*keepdim=*/true);  // (out, 1)
    return magnitude->weight.to(torch::kFloat).unsqueeze(1) / norm * w;
}

c10::optional<torch::ScalarType> LoraLinear::node_dtype(const LinearImpl& base, const torch::Tensor& x) const {
    const bool dropped = options_.dropout > 0 && base.is_training();
    const QuantizedTensor* q = quantized_weight(base);
    if (!enabled || magnitude || dropped || !(q || (!base.storage && base.weight.defined())) || x.dim() < 1 ||
        !torch::GradMode::is_enabled() ||
        !(x.requires_grad() || lora_A->weight.requires_grad() || lora_B->weight.requires_grad()))
        return c10::nullopt;
    const auto autocast = autocast_dtype(x.device());
    const auto held = q ? q->dtype : base.weight.scalar_type();
    return autocast != torch::kFloat && x.is_floating_point() ? autocast : held;
}

c10::optional<torch::ScalarType> LoraLinear::dora_dtype(const LinearImpl& base, const torch::Tensor& x) const {
    const bool dropped = options_.dropout > 0 && base.is_training();
    const QuantizedTensor* q = quantized_weight(base);
    if (!enabled || !magnitude || dropped || !(q || (!base.storage && base.weight.defined())) || x.dim() < 1)
        return c10::nullopt;
    const bool recording = torch::GradMode::is_enabled() &&
                           (x.requires_grad() || lora_A->weight.requires_grad() || lora_B->weight.requires_grad() ||
                            magnitude->weight.requires_grad());
    if (!recording && !base.is_training()) return c10::nullopt;
    const auto autocast = autocast_dtype(x.device());
    const auto held = q ? q->dtype : base.weight.scalar_type();
    return autocast != torch::kFloat && x.is_floating_point() ? autocast : held;
}

torch::Tensor LoraLinear::lora_node(LinearImpl& base, const torch::Tensor& x, bool graph_only) {
    const auto dtype = node_dtype(base, x);
    if (!dtype) return {};
    const QuantizedTensor* q = quantized_weight(base);
    return LoraLinearFunction::apply(x, lora_A->weight, lora_B->weight,
                                     q ? c10::nullopt : c10::optional<torch::Tensor>(base.weight), q,
                                     base.bias.defined() ? c10::optional<torch::Tensor>(base.bias) : c10::nullopt,
                                     scaling_, int64_t(*dtype), graph_only);
}

std::vector<torch::Tensor> LoraLinear::forward_group(const std::vector<LinearImpl*>& group, const torch::Tensor& x) {
    // The members whose plain-LoRA node (or DoRA node) applies, in one dtype, all dense or all quantized,
    // all LoRA or all DoRA: the first decides.
    std::vector<size_t> taken;
    torch::ScalarType dtype = torch::kFloat;
    bool quantized = false, dora = false;
    for (size_t i = 0; i < group.size(); ++i) {
        const auto lora = lora_of(*group[i]);
        if (!lora) continue;
        const bool is_dora = !lora->magnitude.is_empty();
        const auto d = is_dora ? lora->dora_dtype(*group[i], x) : lora->node_dtype(*group[i], x);
        if (!d) continue;
        const bool q = quantized_weight(*group[i]) != nullptr;
        if (taken.empty()) {
            dtype = *d;
            quantized = q;
            dora = is_dora;
        } else if (*d != dtype || q != quantized || is_dora != dora) {
            continue;
        }
        taken.push_back(i);
    }
    if (taken.size() < 2) return {};
    std::vector<torch::Tensor> As, Bs, weights, biases, magnitudes, norms;
    std::vector<const QuantizedTensor*> qs;
    std::vector<double> scalings;
    for (size_t i : taken) {
        const LinearImpl& base = *group[i];
        const auto lora = lora_of(base);
        As.push_back(lora->lora_A->weight);
        Bs.push_back(lora->lora_B->weight);
        if (quantized) qs.push_back(quantized_weight(base));
        else weights.push_back(base.weight);
        biases.push_back(base.bias.defined() ? base.bias : torch::empty({0}, x.options()));
        scalings.push_back(lora->scaling());
        if (dora) {
            magnitudes.push_back(lora->magnitude->weight);
            norms.push_back(lora->dora_norm(base));
        }
    }
    const auto ys = LoraGroupFunction::apply(x, at::TensorList(As), at::TensorList(Bs), at::TensorList(weights),
                                             at::TensorList(biases), at::TensorList(magnitudes), at::TensorList(norms),
                                             qs, scalings, int64_t(dtype));
    std::vector<torch::Tensor> out(group.size());
    for (size_t j = 0; j < taken.size(); ++j) out[taken[j]] = ys[j];
    return out;
}

torch::Tensor LoraLinear::graph_only(LinearImpl& base, const torch::Tensor& x) {
    auto y = lora_node(base, x, true);
    return y.defined() ? y : forward(base, x);
}

torch::Tensor LoraLinear::forward(LinearImpl& base, const torch::Tensor& x) {
    if (!enabled) return base.base_forward(x);
    const bool dropped = options_.dropout > 0 && base.is_training();
    // Training a plain LoRA on a dense base: one node (LoraLinearFunction). Inference (no grad) keeps the
    // chain below, whose base product is the decode kernel for a single row.
    if (auto y = lora_node(base, x, false); y.defined()) return y;
    if (const auto dtype = dora_dtype(base, x)) {
        const QuantizedTensor* q = quantized_weight(base);
        return DoraLinearFunction::apply(x, lora_A->weight, lora_B->weight, magnitude->weight,
                                         q ? c10::nullopt : c10::optional<torch::Tensor>(base.weight), q,
                                         base.bias.defined() ? c10::optional<torch::Tensor>(base.bias) : c10::nullopt,
                                         dora_norm(base), scaling_, int64_t(*dtype));
    }
    const bool recording = torch::GradMode::is_enabled() &&
                           (x.requires_grad() || lora_A->weight.requires_grad() || lora_B->weight.requires_grad() ||
                            (magnitude && magnitude->weight.requires_grad()));
    auto result = base.base_forward(x);  // (..., out)
    // One row at inference (a projection the decode step leaves to forward()): the step's arithmetic.
    if (!recording && !dropped && x.numel() == base.in_features && x.device().is_cpu() &&
        x.scalar_type() == torch::kFloat && result.scalar_type() == torch::kFloat && result.is_contiguous() &&
        result.numel() == base.out_features && has_row_delta(base)) {
        row_delta(base, x.contiguous().data_ptr<float>(), result.data_ptr<float>());
        return result;
    }
    // Under autocast the products cast x themselves: no float32 copy of a bf16 activation to keep for A.
    auto xl = autocast_dtype(x.device()) != torch::kFloat ? x : x.to(lora_A->weight.scalar_type());
    if (dropped) xl = lora_dropout(xl, options_.dropout);
    auto a = lora_A(xl);  // (..., r)
    if (!magnitude) {
        // result + s * a B^T as one GEMM (beta = 1, alpha = s): no (..., out) temporaries for the scaled
        // product and the sum, in forward or backward, where a separate mul and add cost as much as the
        // adapter's matmuls (docs/benchmarks.md, "LoRA's cost").
        const int64_t out_features = result.size(-1), r = a.size(-1);
        const auto dtype = result.scalar_type();
        auto out = torch::addmm(result.reshape({-1, out_features}), a.reshape({-1, r}).to(dtype),
                                b_transposed(lora_B->weight, dtype), 1.0, scaling_);  // (N, out)
        return out.view(result.sizes());
    }
    auto lora_out = lora_B(a);  // (..., r) -> (..., out)
    return (result + dora_forward(base, xl, result, lora_out, dropped)).to(result.scalar_type());
}

bool LoraLinear::has_row_delta(const LinearImpl& base) const {
    if (!enabled) return true;
    if (options_.dropout > 0 && base.is_training()) return false;
    auto cpu_f32 = [](const torch::Tensor& w) {
        return w.defined() && w.device().is_cpu() && w.scalar_type() == torch::kFloat && w.is_contiguous();
    };
    if (!cpu_f32(lora_A->weight) || !cpu_f32(lora_B->weight)) return false;
    // DoRA rescales the base's product: its magnitude and the bias it takes out of y, float32 too.
    if (magnitude && (!cpu_f32(magnitude->weight) || (base.bias.defined() && !cpu_f32(base.bias)))) return false;
    return true;
}

void LoraLinear::row_delta(const LinearImpl& base, const float* x, float* y) const {
    if (!enabled) return;
    const auto &A = lora_A->weight, &B = lora_B->weight;
    const int64_t r = A.size(0), in = A.size(1), out = B.size(0);
    const float* b_t = nullptr;
    if (!B.is_inference()) {  // an inference tensor keeps no version to check a copy against
        std::lock_guard<std::mutex> lock(b_t_mutex_);
        if (!b_t_.defined() || b_t_ptr_ != B.data_ptr() || b_t_version_ != int64_t(B._version())) {
            b_t_ = B.detach().t().contiguous();
            b_t_ptr_ = B.data_ptr();
            b_t_version_ = int64_t(B._version());
        }
        b_t = b_t_.data_ptr<float>();
    }
    // Per thread: the server decodes several requests at once.
    thread_local std::vector<float> a, b;
    a.resize(static_cast<size_t>(r));
    b.resize(static_cast<size_t>(out));
    kernels::gemv_f32(A.data_ptr<float>(), r, in, x, 1, a.data());  // one thread below 128K weights (rank 8: all)
    if (b_t) kernels::weighted_rows_f32(b_t, r, out, a.data(), b.data());
    else kernels::gemv_f32(B.data_ptr<float>(), out, r, a.data(), 1, b.data());
    const float s = static_cast<float>(scaling_);
    if (!magnitude) {
        for (int64_t o = 0; o < out; ++o) y[o] += s * b[o];
        return;
    }
    // DoRA: y = scale * (x W^T + s B A x) + bias with scale = m / ||W + s B A|| (kept: dora_norm).
    const auto norm = dora_norm(base);
    const float* n = norm.data_ptr<float>();
    const float* m = magnitude->weight.data_ptr<float>();
    const float* bias = base.bias.defined() ? base.bias.data_ptr<float>() : nullptr;
    for (int64_t o = 0; o < out; ++o) {
        const float bo = bias ? bias[o] : 0.0f;
        y[o] = m[o] / n[o] * (y[o] - bo + s * b[o]) + bo;
    }
}

torch::Tensor LoraLinear::dora_forward(LinearImpl& base, const torch::Tensor& x, const torch::Tensor& base_out,
                                       const torch::Tensor& lora_out, bool dropped) {
    const torch::Tensor norm = dora_norm(base);  // ||W + s B A|| per output row, a constant for autograd
    auto scale = (magnitude->weight / norm).view({1, -1});  // (1, out): broadcasts over (..., out)
    // Without dropout the base product is the base result minus its bias; with dropout PEFT recomputes it
    // on the dropped input.
    torch::Tensor product;
    if (dropped) product = base_product(base, x);
    else product = base.bias.defined() ? base_out - base.bias : base_out;
    return (scale - 1) * product + scale * lora_out * scaling_;
}

bool LoraLinear::NormSource::operator==(const NormSource& o) const {
    for (int i = 0; i < 3; ++i)
        if (data[i] != o.data[i] || version[i] != o.version[i]) return false;
    return true;
}

torch::Tensor LoraLinear::dora_norm(const LinearImpl& base) const {
    torch::NoGradGuard no_grad;
    NormSource source;
    // A base held by a storage (inference's packed weights, QLoRA's codes) is never changed in place: a
    // merge or a repack sets a new one, so the storage's address stands for its data.
    // Inference tensors keep no version: those are read as they are.
    const torch::Tensor* t[3] = {&base.weight, &lora_A->weight, &lora_B->weight};
    bool cache = base.storage || base.weight.defined();
    for (int i = base.storage ? 1 : 0; i < 3; ++i) cache = cache && !t[i]->is_inference();
    if (cache) {
        for (int i = base.storage ? 1 : 0; i < 3; ++i) {
            source.data[i] = t[i]->data_ptr();
            source.version[i] = int64_t(t[i]->_version());
        }
        if (base.storage) source.data[0] = base.storage.get();
        std::lock_guard<std::mutex> lock(norm_mutex_);
        if (norm_.defined() && norm_source_ == source) return norm_;
    }
    const auto norm = compute_dora_norm(base);
    if (cache) {
        std::lock_guard<std::mutex> lock(norm_mutex_);
        norm_ = norm;
        norm_source_ = source;
    }
    return norm;
}

torch::Tensor LoraLinear::compute_dora_norm(const LinearImpl& base) const {
    const auto w = base.dense_weight();  // (out, in), in the dtype the base holds
    if (column_kernels(w)) {  // one pass over W, V's elements summed in float32 (cpu_kernels::dora_row_norms)
        const auto A = lora_A->weight.to(torch::kFloat).contiguous(), B = lora_B->weight.to(torch::kFloat).contiguous();
        auto norm = torch::empty({w.size(0)}, w.options().dtype(torch::kFloat));
        cpu_kernels::dora_row_norms(elem_of(w), w.data_ptr(), A.data_ptr<float>(), B.data_ptr<float>(),
                                    static_cast<float>(scaling_), norm.data_ptr<float>(), w.size(0), w.size(1),
                                    A.size(0));
        return norm;
    }
    // Elsewhere ||W + s B A||^2 = ||W||^2 + 2 s rowsum(B * (W A^T)) + s^2 rowsum((B A A^T) * B): (out, r) products
    // instead of an (out, in) float32 copy of W + s B A per forward. ||W||^2 is kept while the frozen
    // weight is unchanged (same tensor, same version). W A^T runs in W's dtype (bf16 for a bf16 base).
    const bool cacheable = !base.storage && base.weight.defined();
    if (!cacheable || !weight_sq_norm_.defined() || weight_ptr_ != base.weight.data_ptr() ||
        weight_version_ != int64_t(base.weight._version())) {
        weight_sq_norm_ = w.to(torch::kFloat).square().sum(1);  // (out)
        weight_ptr_ = cacheable ? base.weight.data_ptr() : nullptr;
        weight_version_ = cacheable ? int64_t(base.weight._version()) : -1;
    }
    const auto A = lora_A->weight.to(torch::kFloat), B = lora_B->weight.to(torch::kFloat);
    const auto wa = torch::mm(w, lora_A->weight.to(w.scalar_type()).t()).to(torch::kFloat);  // (out, r)
    const auto cross = (B * wa).sum(1);                                                      // (out)
    const auto quad = (torch::mm(B, torch::mm(A, A.t())) * B).sum(1);                        // (out)
    return (weight_sq_norm_ + (2.0 * scaling_) * cross + (scaling_ * scaling_) * quad).clamp_min_(0).sqrt_();
}

std::shared_ptr<LoraLinear> add_lora(LinearImpl& linear, const LoraLayerOptions& options, at::Generator gen) {
    if (linear.adapter) throw ConfigError("this Linear already has an adapter; merge or remove it first");
    if (options.rank <= 0) throw ConfigError(config_problem("lora_rank", "must_be_positive_got", {std::to_string(options.rank)}));
    auto adapter = std::make_shared<LoraLinear>(linear, options, gen);
    linear.adapter = adapter;
    return adapter;
}

std::shared_ptr<LoraLinear> lora_of(const LinearImpl& linear) {
    return std::dynamic_pointer_cast<LoraLinear>(linear.adapter);
}

void remove_lora(LinearImpl& linear) {
    auto lora = lora_of(linear);
    if (!lora) return;
    linear.unregister_module("lora_A");
    linear.unregister_module("lora_B");
    if (lora->magnitude) linear.unregister_module("lora_magnitude_vector");
    linear.adapter.reset();
}

void merge_lora(LinearImpl& linear) {
    auto lora = lora_of(linear);
    if (!lora) return;
    torch::NoGradGuard no_grad;
    auto merged = lora->merged_weight(linear);  // (out, in) float32
    if (const QuantizedTensor* q = quantized_weight(linear)) {
        const auto dtype = q->dtype;
        QuantizedTensor requantized = q->type == QuantType::NF4
                                          ? quantize_nf4(merged.to(dtype), q->double_quant, q->block_size)
                                          : quantize_int8(merged.to(dtype));
        linear.storage = make_quantized_storage(std::move(requantized));
    } else if (linear.storage) {
        throw ConfigError("cannot merge into a Linear whose weight is held by an unknown storage");
    } else {
        linear.weight.copy_(merged.to(linear.weight.scalar_type()));
    }
    remove_lora(linear);
}

}  // namespace lathe
