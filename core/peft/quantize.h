// Quantized storage for frozen base weights (QLoRA), with bitsandbytes' numerics:
//  - NF4: 4-bit NormalFloat codes (bitsandbytes' 16-value table), one absmax scale per block of 64
//    consecutive elements of the flattened weight, two codes per byte (first element in the high
//    nibble). Double quantization (bitsandbytes' compress_statistics): the fp32 block scales minus
//    their mean are quantized to 8 bits with bitsandbytes' signed dynamic map in blocks of 256, each
//    with its own fp32 absmax; the mean is kept in fp32.
//  - Int8: one absmax scale per output row, q = round(w * 127 / absmax) (LLM.int8's vector-wise
//    quantization without its outlier decomposition: every column is quantized, none kept in fp16).
// Codes are chosen by nearest value, as bitsandbytes does; exact ties between two codes go to the lower
// one (a measure-zero case where bitsandbytes' kernels may differ by one code).
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace lathe {

enum class QuantType { NF4, Int8 };

struct QuantizedTensor {
    QuantType type = QuantType::NF4;
    int64_t rows = 0, cols = 0;     // the weight's shape (out, in)
    int64_t block_size = 64;        // NF4: elements per absmax scale
    bool double_quant = false;      // NF4: absmax stored as 8-bit codes
    at::ScalarType dtype = at::kFloat;  // dtype of the weight before quantization
    at::Tensor data;           // NF4: uint8 (ceil(n/2)); Int8: int8 (rows, cols)
    at::Tensor absmax;         // NF4: float (blocks), or uint8 (blocks) with double_quant; Int8: float (rows)
    at::Tensor absmax_scale;   // double_quant: float (ceil(blocks/256)), absmax of each group of 256 scales
    at::Tensor absmax_offset;  // double_quant: float (), the mean subtracted before quantizing the scales

    int64_t numel() const { return rows * cols; }
    int64_t bytes() const;                               // memory held by the tensors above
    at::Tensor dequantize(at::ScalarType dtype) const;   // (rows, cols) on the data's device
};

// bitsandbytes' NF4 table (16 values in [-1, 1], sorted), float32 on `device`.
at::Tensor nf4_table(const at::Device& device);
// bitsandbytes' create_dynamic_map(signed=True): 256 sorted values in [-1, 1] for 8-bit scales.
at::Tensor dynamic_map(const at::Device& device);

// w: (rows, cols) floating point on any device. Throws ConfigError for another rank or dtype.
QuantizedTensor quantize_nf4(const at::Tensor& w, bool double_quant, int64_t block_size = 64);
QuantizedTensor quantize_int8(const at::Tensor& w);

// bitsandbytes' blockwise 8-bit quantization with a code table (used for double quantization):
// x (n) float -> codes uint8 (n), absmax float (ceil(n/block)).
std::pair<at::Tensor, at::Tensor> quantize_blockwise(const at::Tensor& x, const at::Tensor& code, int64_t block);
at::Tensor dequantize_blockwise(const at::Tensor& codes, const at::Tensor& absmax, const at::Tensor& code,
                                int64_t block);

std::string quant_type_name(QuantType t);  // "nf4", "int8"

}  // namespace lathe
