// QLoRA's frozen base: a Linear whose weight lives as NF4 or int8 codes (core/peft/quantize.h) and is
// dequantized on the fly. Adapters (LoRA, DoRA) sit on top through LinearImpl's two hooks.
#pragma once
#include "core/peft/quantize.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace lathe {

class CausalLMImpl;
class LinearImpl;
class WeightStorage;

struct QuantizeReport {
    int64_t modules = 0;          // Linears quantized
    int64_t elements = 0;         // weight elements they hold
    int64_t dense_bytes = 0;      // their weights before, in the model's dtype
    int64_t quantized_bytes = 0;  // after: codes + scales
    double ratio_to_fp32() const { return elements ? double(quantized_bytes) / double(4 * elements) : 0.0; }
};

// bits: 4 (NF4, 64-element blocks, optional double quantization) or 8 (int8 absmax per row).
// Every Linear except lm_head gets its dense weight replaced (and freed); its bias stays dense.
// Quantize after moving the model to its device: Module::to() does not move quantized storage.
// Throws ConfigError for other bit widths or a Linear that is already quantized.
QuantizeReport quantize_base_weights(CausalLMImpl& model, int bits, bool double_quant = true);
// The same for one Linear; returns the bytes now held.
int64_t quantize_linear(LinearImpl& linear, int bits, bool double_quant = true);

// The storage for a quantized tensor (what quantize_linear installs).
std::shared_ptr<WeightStorage> make_quantized_storage(QuantizedTensor q);
// The quantized weight of `linear`, or nullptr when it is dense (or held by another storage).
const QuantizedTensor* quantized_weight(const LinearImpl& linear);
// Sets the dtype `linear`'s quantized weight dequantizes to, which its products compute in outside
// autocast (no-op for a dense Linear). A run holds it in its frozen dtype: quantized from a bf16
// checkpoint, a float32 run must not compute in bf16, which a processor without AVX512-BF16 emulates
// about 30x slower than float32.
void set_quantized_dtype(LinearImpl& linear, at::ScalarType dtype);

// For autograd nodes that dequantize again in backward instead of keeping the dense weight: q's tensors
// (views of the storage, undefined where q has none) and its layout, to save, and q rebuilt from them.
std::vector<at::Tensor> quantized_tensors(const QuantizedTensor& q);
std::vector<int64_t> quantized_layout(const QuantizedTensor& q);
QuantizedTensor rebuild_quantized(const std::vector<at::Tensor>& tensors, const std::vector<int64_t>& layout);

// x (..., in) -> x W^T + bias (..., out) with W = q.dequantize(x's dtype), through a custom autograd
// Function that saves only q's tensors and dequantizes again in backward for grad_input. The weight
// is frozen: no gradient for it. `bias` may be undefined; it gets a gradient when it requires one.
at::Tensor quantized_linear(const at::Tensor& x, const QuantizedTensor& q, const at::Tensor& bias);

}  // namespace lathe
