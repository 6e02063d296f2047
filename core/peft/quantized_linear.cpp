#include "core/peft/quantized_linear.h"

#include "core/model/transformer.h"
#include "core/peft/params.h"
#include "core/util/autocast.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/cancel.h"

namespace lathe {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Saves the quantized tensors (views of the storage, no copies) and the shape; never the dequantized
// weight, which would cost as much memory as the dense layer QLoRA is there to avoid.
class DequantizedLinear : public torch::autograd::Function<DequantizedLinear> {
public:
    // `bias` is optional rather than undefined: autograd records every defined-or-not Tensor argument
    // as an input with a device, which an undefined tensor lacks.
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const QuantizedTensor* q,
                                 const c10::optional<torch::Tensor>& bias_arg) {
        const torch::Tensor bias = bias_arg.value_or(torch::Tensor());
        ctx->save_for_backward(quantized_tensors(*q));
        ctx->saved_data["layout"] = quantized_layout(*q);
        ctx->saved_data["x_grad"] = x.requires_grad();
        ctx->saved_data["bias_grad"] = bias.defined() && bias.requires_grad();
        // Autocast does not see through a custom Function: dequantize straight into the dtype it computes
        // in (bf16), not into the input's float32 for autocast to copy once more.
        const torch::ScalarType autocast = autocast_dtype(x.device());
        const torch::ScalarType dtype = autocast != torch::kFloat ? autocast : x.scalar_type();
        return dense_linear(x.to(dtype), q->dequantize(dtype), bias.defined() ? bias.to(dtype) : bias);  // (..., out)
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto& g = grads[0];  // (..., out)
        torch::Tensor grad_x, grad_bias;
        if (ctx->saved_data["x_grad"].toBool()) {
            const QuantizedTensor q = rebuild_quantized(ctx->get_saved_variables(), ctx->saved_data["layout"].toIntVector());
            grad_x = torch::matmul(g, q.dequantize(g.scalar_type()));  // (..., out) @ (out, in) -> (..., in)
        }
        if (ctx->saved_data["bias_grad"].toBool()) grad_bias = g.reshape({-1, g.size(-1)}).sum(0);
        return {grad_x, torch::Tensor(), grad_bias};
    }
};

class QuantizedWeight : public WeightStorage {
public:
    explicit QuantizedWeight(QuantizedTensor q) : q_(std::move(q)) {}
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias) const override {
        return quantized_linear(x, q_, bias);
    }
    torch::Tensor dense(torch::ScalarType dtype) const override { return q_.dequantize(dtype); }
    torch::ScalarType dtype() const override { return q_.dtype; }
    torch::Device device() const override { return q_.data.device(); }
    int64_t bytes() const override { return q_.bytes(); }
    const QuantizedTensor& tensor() const { return q_; }
    void set_dtype(torch::ScalarType dtype) { q_.dtype = dtype; }

private:
    QuantizedTensor q_;
};

}  // namespace

std::vector<torch::Tensor> quantized_tensors(const QuantizedTensor& q) {
    return {q.data, q.absmax, q.absmax_scale, q.absmax_offset};
}

std::vector<int64_t> quantized_layout(const QuantizedTensor& q) {
    return {int64_t(q.type), q.rows, q.cols, q.block_size, q.double_quant ? 1 : 0, int64_t(q.dtype)};
}

QuantizedTensor rebuild_quantized(const std::vector<torch::Tensor>& tensors, const std::vector<int64_t>& layout) {
    if (tensors.size() < 4 || layout.size() != 6) throw std::logic_error("rebuild_quantized: not a saved quantized tensor");
    QuantizedTensor q;
    q.type = QuantType(layout[0]);
    q.rows = layout[1];
    q.cols = layout[2];
    q.block_size = layout[3];
    q.double_quant = layout[4] != 0;
    q.dtype = torch::ScalarType(layout[5]);
    q.data = tensors[0];
    q.absmax = tensors[1];
    q.absmax_scale = tensors[2];
    q.absmax_offset = tensors[3];
    return q;
}

torch::Tensor quantized_linear(const torch::Tensor& x, const QuantizedTensor& q, const torch::Tensor& bias) {
    return DequantizedLinear::apply(x, &q, bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt);
}

std::shared_ptr<WeightStorage> make_quantized_storage(QuantizedTensor q) {
    return std::make_shared<QuantizedWeight>(std::move(q));
}

const QuantizedTensor* quantized_weight(const LinearImpl& linear) {
    auto* s = dynamic_cast<const QuantizedWeight*>(linear.storage.get());
    return s ? &s->tensor() : nullptr;
}

void set_quantized_dtype(LinearImpl& linear, at::ScalarType dtype) {
    if (auto* s = dynamic_cast<QuantizedWeight*>(linear.storage.get())) s->set_dtype(dtype);
}

int64_t quantize_linear(LinearImpl& linear, int bits, bool double_quant) {
    if (bits != 4 && bits != 8)
        throw ConfigError(plain_problem("quantization_bit_choice", {std::to_string(bits)}));
    if (linear.storage) throw ConfigError("this Linear is already quantized");
    QuantizedTensor q = bits == 4 ? quantize_nf4(linear.weight.detach(), double_quant) : quantize_int8(linear.weight.detach());
    linear.set_storage(make_quantized_storage(std::move(q)));
    return linear.storage->bytes();
}

QuantizeReport quantize_base_weights(CausalLMImpl& model, int bits, bool double_quant) {
    if (bits != 4 && bits != 8)
        throw ConfigError(plain_problem("quantization_bit_choice", {std::to_string(bits)}));
    QuantizeReport report;
    for (auto& [name, linear] : named_linears(model)) {
        throw_if_cancelled();
        if (name == "lm_head") continue;  // as bitsandbytes in transformers: the output head stays dense
        if (linear->storage) throw ConfigError("'" + name + "' is already quantized");
        report.elements += linear->weight.numel();
        report.dense_bytes += linear->weight.numel() * int64_t(linear->weight.element_size());
        report.quantized_bytes += quantize_linear(*linear, bits, double_quant);
        ++report.modules;
    }
    return report;
}

}  // namespace lathe
