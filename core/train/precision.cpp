#include "core/train/precision.h"

#include "core/model/transformer.h"
#include "core/peft/params.h"
#include "core/peft/quantized_linear.h"
#include "core/util/device.h"
#include "core/util/error.h"

namespace lathe {

namespace {

// Whether the device runs bf16 natively, and the fact that says so ("this CPU has AVX512-BF16").
struct Bf16Fact {
    bool fast = false;
    std::string text;
};

Bf16Fact cpu_fact(const CpuFeatures& f) {
    if (f.usable_avx512_bf16() && f.usable_amx_bf16()) return {true, "this CPU has AVX512-BF16 and AMX-BF16"};
    if (f.usable_avx512_bf16()) return {true, "this CPU has AVX512-BF16"};
    if (f.usable_amx_bf16()) return {true, "this CPU has AMX-BF16"};
    if (f.avx512_bf16) return {false, "this CPU has AVX512-BF16, but the operating system has not enabled AVX-512"};
    if (f.amx_bf16) return {false, "this CPU has AMX-BF16, but the operating system has not enabled AMX"};
    return {false, "this CPU has no bf16 instructions"};
}

Bf16Fact cuda_fact(const c10::Device& device, const HardwareProbe& p) {
    const std::string name = device.str();
    if (p.cuda_major <= 0) return {false, "the compute capability of " + name + " is unknown"};
    const std::string cc = std::to_string(p.cuda_major) + "." + std::to_string(p.cuda_minor);
    if (p.cuda_major >= 8) return {true, name + " has compute capability " + cc};
    return {false, name + " has compute capability " + cc + ", bf16 needs 8.0"};
}

Bf16Fact device_fact(const c10::Device& device, const HardwareProbe& p) {
    if (device.is_cpu()) return cpu_fact(p.cpu);
    if (device.is_cuda()) return cuda_fact(device, p);
    return {false, "Lathe cannot tell whether " + device.str() + " has bf16"};
}

std::string slow_warning(const std::string& setting, const Bf16Fact& fact) {
    return setting + " was asked for, but " + fact.text +
           ": LibTorch emulates bf16 there, usually slower than fp32 (bf16: auto would choose fp32)";
}

}  // namespace

HardwareProbe probe_hardware(const c10::Device& device) {
    HardwareProbe p;
    p.cpu = cpu_features();
    if (device.is_cuda()) {
        const CudaCapability c = cuda_capability(device);
        p.cuda_major = c.major;
        p.cuda_minor = c.minor;
        p.cuda_name = c.name;
    }
    return p;
}

std::string Precision::name() const {
    switch (mode) {
        case PrecisionMode::Fp32: return "fp32";
        case PrecisionMode::Bf16: return "bf16";
        case PrecisionMode::PureBf16: return "pure bf16";
    }
    return "fp32";
}

c10::ScalarType Precision::autocast_dtype() const {
    return mode == PrecisionMode::Bf16 ? c10::kBFloat16 : c10::kFloat;
}

c10::ScalarType Precision::frozen_dtype() const { return bf16() ? c10::kBFloat16 : c10::kFloat; }

c10::ScalarType Precision::trainable_dtype() const {
    return mode == PrecisionMode::PureBf16 ? c10::kBFloat16 : c10::kFloat;
}

Precision decide_precision(Toggle bf16, bool pure_bf16, const c10::Device& device, const HardwareProbe& probe) {
    const Bf16Fact fact = device_fact(device, probe);
    Precision p;
    if (pure_bf16) {  // LLaMA-Factory: pure_bf16 implies bf16 whatever bf16 says
        p.mode = PrecisionMode::PureBf16;
        p.reason = "pure bf16 (pure_bf16: true)";
        if (!fact.fast) p.warning = slow_warning("pure_bf16", fact);
    } else if (bf16 == Toggle::On) {
        p.mode = PrecisionMode::Bf16;
        p.reason = "bf16 (bf16: true)";
        if (!fact.fast) p.warning = slow_warning("bf16", fact);
    } else if (bf16 == Toggle::Off) {
        p.mode = PrecisionMode::Fp32;
        p.reason = "fp32 (bf16: false)";
    } else {
        p.mode = fact.fast ? PrecisionMode::Bf16 : PrecisionMode::Fp32;
        p.reason = p.name() + " (auto: " + fact.text + ")";
    }
    return p;
}

Precision decide_precision(const TrainConfig& c, const c10::Device& device) {
    return decide_precision(c.bf16, c.pure_bf16, device, probe_hardware(device));
}

Precision decide_precision(const TrainConfig& c) { return decide_precision(c, parse_device(c.device)); }

std::string precision_details(const Precision& p, Method method, int quantization_bit) {
    const std::string quantized =
        quantization_bit ? "base quantized to " + std::to_string(quantization_bit) + " bits from bf16, computed in bf16; " : "";
    if (p.mode == PrecisionMode::Fp32) return "weights, gradients and AdamW state in float32";
    if (p.mode == PrecisionMode::PureBf16)
        return (quantization_bit ? quantized : "") + "every weight, gradient and the AdamW state in bf16 (no float32 copy)";
    const std::string products = "; matrix products in bf16 (autocast)";
    if (method == Method::Lora)
        return (quantization_bit ? quantized : "frozen base weights in bf16; ") +
               "LoRA weights, their gradients and AdamW state in float32" + products;
    if (method == Method::Freeze) return "frozen weights in bf16; trainable layers and AdamW state in float32" + products;
    return "weights and AdamW state in float32" + products;
}

void hold_weights(CausalLMImpl& model, const Precision& precision) {
    torch::NoGradGuard no_grad;
    for (auto& p : model.parameters()) {
        if (!p.is_floating_point()) continue;
        const auto dtype = p.requires_grad() ? precision.trainable_dtype() : precision.frozen_dtype();
        if (p.scalar_type() != dtype) p.set_data(p.detach().to(dtype));
    }
    for (auto& [name, linear] : named_linears(model)) set_quantized_dtype(*linear, precision.frozen_dtype());
}

std::string WeightDtypes::summary() const {
    std::string out;
    auto add = [&](int64_t n, const std::string& what) {
        out += (out.empty() ? "weights held: " : "; ") + with_commas(n) + " " + what;
    };
    for (const auto& [dtype, n] : trainable) add(n, dtype + " trainable");
    for (const auto& [dtype, n] : frozen) add(n, dtype + " frozen");
    for (const auto& [dtype, n] : quantized) add(n, "quantized frozen (" + dtype + " products)");
    return out.empty() ? "weights held: none" : out;
}

WeightDtypes weight_dtypes(CausalLMImpl& model) {
    auto label = [](c10::ScalarType t) -> std::string {
        return t == c10::kFloat ? "float32" : t == c10::kBFloat16 ? "bf16" : t == c10::kHalf ? "fp16" : c10::toString(t);
    };
    WeightDtypes w;
    for (const auto& p : model.parameters()) (p.requires_grad() ? w.trainable : w.frozen)[label(p.scalar_type())] += p.numel();
    for (const auto& [name, linear] : named_linears(model))
        if (linear->storage) w.quantized[label(linear->storage->dtype())] += linear->in_features * linear->out_features;
    return w;
}

void refuse_fp16(const TrainConfig& c) {
    if (c.fp16)
        throw ConfigError("fp16: float16 training needs loss scaling, which Lathe does not do; use bf16 instead");
}

}  // namespace lathe
