#include "core/peft/quantize.h"

#include "core/model/fused_kernels_cpu_tensor.h"

#include "core/util/error.h"
#include "core/util/messages.h"

#include <torch/torch.h>

#include <cmath>
#include <map>
#include <mutex>

namespace lathe {

namespace {

// bitsandbytes/functional.py get_4bit_type("nf4") (the normal quantiles of create_normal_map(0.9677083),
// scaled to [-1, 1]); the same constants as its CUDA kernel dDequantizeNF4.
const float kNF4[16] = {-1.0f,
                        -0.6961928009986877f,
                        -0.5250730514526367f,
                        -0.39491748809814453f,
                        -0.28444138169288635f,
                        -0.18477343022823334f,
                        -0.09105003625154495f,
                        0.0f,
                        0.07958029955625534f,
                        0.16093020141124725f,
                        0.24611230194568634f,
                        0.33791524171829224f,
                        0.44070982933044434f,
                        0.5626170039176941f,
                        0.7229568362236023f,
                        1.0f};

constexpr int64_t kChunk = int64_t(1) << 22;  // elements per quantization step: bounds temporary memory
constexpr int64_t kScaleBlock = 256;           // bitsandbytes' fixed block size for double quantization
constexpr double kInv127 = 7.874015718698502e-3;  // bitsandbytes' int8_vectorwise_dequant constant

// create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8), step by step in float32 torch ops
// as bitsandbytes computes it: for each exponent, the midpoints of a linspace(0.1, 1) scaled by 10^e.
torch::Tensor build_dynamic_map() {
    std::vector<torch::Tensor> parts;
    const int max_exponent_bits = 7, non_sign_bits = 7;
    for (int i = 0; i < max_exponent_bits; ++i) {
        const int64_t items = (int64_t(1) << (i + non_sign_bits - max_exponent_bits)) + 1;
        auto b = torch::linspace(0.1, 1.0, items, torch::kFloat);
        auto means = (b.slice(0, 0, items - 1) + b.slice(0, 1)) / 2.0;
        const double scale = std::pow(10.0, -(max_exponent_bits - 1) + i);
        parts.push_back(means * scale);
        parts.push_back(means * -scale);
    }
    // additional_items = 2^(7 - 7) - 1 = 0 for the signed 8-bit map: nothing more.
    parts.push_back(torch::tensor({0.0f, 1.0f}));
    auto all = torch::cat(parts);
    TORCH_CHECK(all.numel() == 256, "dynamic map has ", all.numel(), " values");
    return std::get<0>(all.sort());
}

torch::Tensor midpoints(const torch::Tensor& code) {
    return (code.slice(0, 0, code.numel() - 1) + code.slice(0, 1)) / 2.0;  // decision boundaries between codes
}

torch::Tensor build_table(const std::string& which) {
    auto nf4 = torch::from_blob(const_cast<float*>(kNF4), {16}, torch::kFloat).clone();
    if (which == "nf4") return nf4;
    if (which == "nf4-mid") return midpoints(nf4);
    if (which == "dynamic") return build_dynamic_map();
    // byte -> (value of its high nibble, value of its low nibble), so dequantization is one gather.
    auto bytes = torch::arange(256, torch::kLong);
    return torch::stack({nf4.index_select(0, bytes.div(16, "floor")), nf4.index_select(0, bytes.remainder(16))}, 1);
}

// Tables are small; keep one copy per device so GPU steps do not re-upload them.
torch::Tensor cached(const std::string& which, const torch::Device& device) {
    static std::mutex mutex;
    static std::map<std::string, torch::Tensor> cache;
    std::lock_guard<std::mutex> lock(mutex);
    auto& t = cache[which + "@" + device.str()];
    if (!t.defined()) t = build_table(which).to(device);
    return t;
}

// Nearest code of each value in `x` (already scaled to [-1, 1]); ties go to the lower code. NF4's 15
// midpoints on a CPU with AVX-512 or AVX2 go through cpu_kernels::nearest_codes (one pass, 15 compares a
// vector) instead of bucketize's binary search, which took ~9 ns a weight (15 s for a 1.5B model).
torch::Tensor nearest_code(const torch::Tensor& x, const torch::Tensor& midpoints) {
    if (x.device().is_cpu() && x.scalar_type() == torch::kFloat && midpoints.numel() <= 16 && cpu_kernels::available()) {
        const auto xc = x.contiguous();
        const auto mid = midpoints.to(torch::kFloat).contiguous();
        auto codes = torch::empty(xc.sizes(), xc.options().dtype(torch::kByte));
        cpu_kernels::nearest_codes(xc.data_ptr<float>(), xc.numel(), mid.data_ptr<float>(), int(mid.numel()),
                                   codes.data_ptr<uint8_t>());
        return codes;
    }
    return torch::bucketize(x, midpoints, /*out_int32=*/true, /*right=*/false).to(torch::kByte);
}

// x (blocks, block) float -> scaled to [-1, 1] by each row's absmax, as bitsandbytes: x * (1 / absmax).
std::pair<torch::Tensor, torch::Tensor> scale_blocks(const torch::Tensor& x) {
    auto absmax = x.abs().amax(1);                                                         // (blocks)
    auto inv = torch::where(absmax > 0, absmax.reciprocal(), torch::zeros_like(absmax));  // zero blocks -> code of 0
    return {(x * inv.unsqueeze(1)).clamp(-1.0, 1.0), absmax};
}

void check_weight(const torch::Tensor& w, const char* what) {
    if (!w.defined() || w.dim() != 2 || !w.is_floating_point())
        throw ConfigError(std::string(what) + ": expected a 2-D floating point weight, got " +
                          (w.defined() ? std::to_string(w.dim()) + "-D " + std::string(c10::toString(w.scalar_type()))
                                       : std::string("an undefined tensor")));
}

int64_t bytes_of(const torch::Tensor& t) { return t.defined() ? t.numel() * int64_t(t.element_size()) : 0; }

}  // namespace

std::string quant_type_name(QuantType t) { return t == QuantType::NF4 ? "nf4" : "int8"; }

torch::Tensor nf4_table(const torch::Device& device) { return cached("nf4", device); }
torch::Tensor dynamic_map(const torch::Device& device) { return cached("dynamic", device); }

std::pair<torch::Tensor, torch::Tensor> quantize_blockwise(const torch::Tensor& x, const torch::Tensor& code,
                                                           int64_t block) {
    const int64_t n = x.numel(), blocks = (n + block - 1) / block;
    auto flat = torch::constant_pad_nd(x.reshape(-1).to(torch::kFloat), {0, blocks * block - n});
    auto [scaled, absmax] = scale_blocks(flat.view({blocks, block}));
    auto codes = nearest_code(scaled, midpoints(code).to(scaled.device())).view(-1).narrow(0, 0, n);
    return {codes, absmax};
}

torch::Tensor dequantize_blockwise(const torch::Tensor& codes, const torch::Tensor& absmax, const torch::Tensor& code,
                                   int64_t block) {
    const int64_t n = codes.numel(), blocks = absmax.numel();
    auto values = code.to(codes.device()).index_select(0, codes.reshape(-1).to(torch::kInt));
    values = torch::constant_pad_nd(values, {0, blocks * block - n});
    return (values.view({blocks, block}) * absmax.view({blocks, 1})).view(-1).narrow(0, 0, n);
}

QuantizedTensor quantize_nf4(const torch::Tensor& w, bool double_quant, int64_t block_size) {
    check_weight(w, "NF4 quantization");
    if (block_size < 16 || block_size > 4096 || (block_size & (block_size - 1)) != 0)
        throw ConfigError(plain_problem("nf4_block_size", {std::to_string(block_size)}));
    torch::NoGradGuard no_grad;
    QuantizedTensor q;
    q.type = QuantType::NF4;
    q.rows = w.size(0);
    q.cols = w.size(1);
    q.block_size = block_size;
    q.double_quant = double_quant;
    q.dtype = w.scalar_type();
    const int64_t n = q.numel();
    const auto mids = cached("nf4-mid", w.device());
    auto flat = w.reshape(-1);
    std::vector<torch::Tensor> packed, scales;
    for (int64_t start = 0; start < n; start += kChunk) {  // kChunk is a multiple of every block size
        const int64_t len = std::min(kChunk, n - start);
        const int64_t padded = (len + block_size - 1) / block_size * block_size;
        auto x = torch::constant_pad_nd(flat.narrow(0, start, len).to(torch::kFloat), {0, padded - len});
        auto [scaled, absmax] = scale_blocks(x.view({-1, block_size}));      // (blocks, bs)
        auto codes = nearest_code(scaled, mids).view({-1, 2});               // (padded / 2, 2)
        packed.push_back(codes.select(1, 0).bitwise_left_shift(4).bitwise_or(codes.select(1, 1)));
        scales.push_back(absmax);
    }
    q.data = torch::cat(packed).narrow(0, 0, (n + 1) / 2).contiguous();  // (ceil(n/2)) uint8
    auto absmax = torch::cat(scales);                                     // (blocks) float
    if (!double_quant) {
        q.absmax = absmax;
        return q;
    }
    q.absmax_offset = absmax.mean();
    auto [codes, scale] = quantize_blockwise(absmax - q.absmax_offset, dynamic_map(w.device()), kScaleBlock);
    q.absmax = codes;        // (blocks) uint8
    q.absmax_scale = scale;  // (ceil(blocks / 256)) float
    return q;
}

QuantizedTensor quantize_int8(const torch::Tensor& w) {
    check_weight(w, "int8 quantization");
    torch::NoGradGuard no_grad;
    QuantizedTensor q;
    q.type = QuantType::Int8;
    q.rows = w.size(0);
    q.cols = w.size(1);
    q.dtype = w.scalar_type();
    const int64_t step = std::max<int64_t>(1, kChunk / std::max<int64_t>(1, q.cols));
    std::vector<torch::Tensor> data, scales;
    for (int64_t r = 0; r < q.rows; r += step) {
        auto x = w.narrow(0, r, std::min(step, q.rows - r)).to(torch::kFloat);  // (chunk, cols)
        auto absmax = x.abs().amax(1);                                          // (chunk)
        auto scale = torch::where(absmax > 0, 127.0 / absmax, torch::zeros_like(absmax));
        data.push_back(torch::round(x * scale.unsqueeze(1)).to(torch::kChar));
        scales.push_back(absmax);
    }
    q.data = torch::cat(data);
    q.absmax = torch::cat(scales);
    return q;
}

int64_t QuantizedTensor::bytes() const {
    return bytes_of(data) + bytes_of(absmax) + bytes_of(absmax_scale) + bytes_of(absmax_offset);
}

torch::Tensor QuantizedTensor::dequantize(torch::ScalarType out_dtype) const {
    torch::NoGradGuard no_grad;
    if (type == QuantType::Int8)  // as bitsandbytes' int8_vectorwise_dequant: q * absmax / 127
        return (data.to(torch::kFloat) * absmax.unsqueeze(1) * kInv127).to(out_dtype);
    const int64_t n = numel(), blocks = (n + block_size - 1) / block_size;
    auto scales = absmax;
    if (double_quant)
        scales = dequantize_blockwise(absmax, absmax_scale, dynamic_map(data.device()), kScaleBlock) + absmax_offset;
    if (data.device().is_cpu() && cpu_kernels::available() && (out_dtype == torch::kFloat || out_dtype == torch::kBFloat16) &&
        block_size >= 16 && data.is_contiguous()) {
        // One pass from codes to the output dtype (cpu_kernels::nf4_dequantize) instead of a gather, a
        // multiply and a cast over float32 copies.
        auto out = torch::empty({rows, cols}, data.options().dtype(out_dtype));
        const auto s = scales.to(torch::kFloat).contiguous();
        const auto table = nf4_table(data.device()).contiguous();
        cpu_kernels::nf4_dequantize(data.data_ptr<uint8_t>(), table.data_ptr<float>(), s.data_ptr<float>(), block_size, n,
                                    cpu_kernels::elem_of(out), out.data_ptr());
        return out;
    }
    // Each byte indexes a table of value pairs: one gather, no per-nibble arithmetic.
    auto values = cached("nf4-pairs", data.device()).index_select(0, data.to(torch::kInt)).view(-1);  // (2 * bytes)
    values = torch::constant_pad_nd(values.narrow(0, 0, n), {0, blocks * block_size - n});
    values = values.view({blocks, block_size}) * scales.view({blocks, 1});
    return values.view(-1).narrow(0, 0, n).view({rows, cols}).to(out_dtype);
}

}  // namespace lathe
