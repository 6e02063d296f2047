#include "core/peft/lora_layer.h"

#include "core/peft/quantized_linear.h"
#include "core/train/autocast.h"
#include "core/util/error.h"

#include <cmath>

namespace lathe {

namespace {

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

torch::Tensor LoraLinear::forward(LinearImpl& base, const torch::Tensor& x) {
    auto result = base.base_forward(x);  // (..., out)
    if (!enabled) return result;
    // Under autocast the products cast x themselves: no float32 copy of a bf16 activation to keep for A.
    auto xl = autocast_dtype(x.device()) != torch::kFloat ? x : x.to(lora_A->weight.scalar_type());
    const bool dropped = options_.dropout > 0 && base.is_training();
    if (dropped) xl = torch::dropout(xl, options_.dropout, /*train=*/true);
    auto a = lora_A(xl);  // (..., r)
    if (!magnitude) {
        // result + s * a B^T as one GEMM (beta = 1, alpha = s): no (..., out) temporaries for the scaled
        // product and the sum, in forward or backward, where a separate mul and add cost as much as the
        // adapter's matmuls (docs/benchmarks.md, "LoRA's cost").
        const int64_t out_features = result.size(-1), r = a.size(-1);
        const auto dtype = result.scalar_type();
        auto out = torch::addmm(result.reshape({-1, out_features}), a.reshape({-1, r}).to(dtype),
                                lora_B->weight.t().to(dtype), 1.0, scaling_);  // (N, out)
        return out.view(result.sizes());
    }
    auto lora_out = lora_B(a);  // (..., r) -> (..., out)
    return (result + dora_forward(base, xl, result, lora_out, dropped)).to(result.scalar_type());
}

torch::Tensor LoraLinear::dora_forward(LinearImpl& base, const torch::Tensor& x, const torch::Tensor& base_out,
                                       const torch::Tensor& lora_out, bool dropped) {
    torch::Tensor norm;  // ||W + s B A|| per output row, a constant for autograd
    {
        torch::NoGradGuard no_grad;
        // float32 whatever x is (bf16 under autocast): the norm divides every output
        auto w = base.dense_weight().to(torch::kFloat);                                                     // (out, in)
        auto lora_w = torch::matmul(lora_B->weight.to(torch::kFloat), lora_A->weight.to(torch::kFloat));  // (out, in)
        norm = (w + scaling_ * lora_w).norm(2, {1});                                        // (out)
    }
    auto scale = (magnitude->weight / norm).view({1, -1});  // (1, out): broadcasts over (..., out)
    // Without dropout the base product is the base result minus its bias; with dropout PEFT recomputes it
    // on the dropped input.
    torch::Tensor product;
    if (dropped) product = base_product(base, x);
    else product = base.bias.defined() ? base_out - base.bias : base_out;
    return (scale - 1) * product + scale * lora_out * scaling_;
}

std::shared_ptr<LoraLinear> add_lora(LinearImpl& linear, const LoraLayerOptions& options, at::Generator gen) {
    if (linear.adapter) throw ConfigError("this Linear already has an adapter; merge or remove it first");
    if (options.rank <= 0) throw ConfigError("lora_rank must be positive, got " + std::to_string(options.rank));
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
