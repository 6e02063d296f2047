#include "core/train/precision.h"

#include "core/model/transformer.h"
#include "core/peft/params.h"
#include "core/peft/quantized_linear.h"
#include "core/util/device.h"
#include "core/util/error.h"
#include "core/util/messages.h"

namespace lathe {

namespace {

// Whether the device runs bf16 natively, and the fact that says so ("this CPU has AVX512-BF16").
struct Bf16Fact {
    bool fast = false;
    Problem text;
};

Bf16Fact cpu_fact(const CpuFeatures& f) {
    if (f.usable_avx512_bf16() && f.usable_amx_bf16()) return {true, note("bf16_cpu_avx512_amx")};
    if (f.usable_avx512_bf16()) return {true, note("bf16_cpu_avx512")};
    if (f.usable_amx_bf16()) return {true, note("bf16_cpu_amx")};
    if (f.avx512_bf16) return {false, note("bf16_cpu_avx512_disabled")};
    if (f.amx_bf16) return {false, note("bf16_cpu_amx_disabled")};
    return {false, note("bf16_cpu_none")};
}

Bf16Fact cuda_fact(const c10::Device& device, const HardwareProbe& p) {
    const std::string name = device.str();
    if (p.cuda_major <= 0) return {false, note("bf16_cuda_unknown", {name})};
    const std::string cc = std::to_string(p.cuda_major) + "." + std::to_string(p.cuda_minor);
    if (p.cuda_major >= 8) return {true, note("bf16_cuda_capable", {name, cc})};
    return {false, note("bf16_cuda_too_old", {name, cc})};
}

Bf16Fact device_fact(const c10::Device& device, const HardwareProbe& p) {
    if (device.is_cpu()) return cpu_fact(p.cpu);
    if (device.is_cuda()) return cuda_fact(device, p);
    return {false, note("bf16_device_unknown", {device.str()})};
}

Problem slow_warning(const std::string& setting, const Bf16Fact& fact) {
    return composed("bf16_slow", {verbatim(setting), fact.text});
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
        p.reason = note("precision_pure_asked");
        if (!fact.fast) p.warning = slow_warning("pure_bf16", fact);
    } else if (bf16 == Toggle::On) {
        p.mode = PrecisionMode::Bf16;
        p.reason = note("precision_bf16_asked");
        if (!fact.fast) p.warning = slow_warning("bf16", fact);
    } else if (bf16 == Toggle::Off) {
        p.mode = PrecisionMode::Fp32;
        p.reason = note("precision_fp32_asked");
    } else {
        p.mode = fact.fast ? PrecisionMode::Bf16 : PrecisionMode::Fp32;
        p.reason = composed("precision_auto", {verbatim(p.name()), fact.text});
    }
    return p;
}

Precision decide_precision(const TrainConfig& c, const c10::Device& device) {
    return decide_precision(c.bf16, c.pure_bf16, device, probe_hardware(device));
}

Precision decide_precision(const TrainConfig& c) { return decide_precision(c, parse_device(c.device)); }

Problem precision_details(const Precision& p, Method method, int quantization_bit) {
    const std::vector<std::string> bits{std::to_string(quantization_bit)};
    if (p.mode == PrecisionMode::Fp32) return note("precision_held_fp32");
    if (p.mode == PrecisionMode::PureBf16)
        return quantization_bit ? note("precision_held_pure_quantized", bits) : note("precision_held_pure");
    if (method == Method::Lora)
        return quantization_bit ? note("precision_held_qlora", bits) : note("precision_held_lora");
    if (method == Method::Freeze) return note("precision_held_freeze");
    return note("precision_held_full");
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

Problem WeightDtypes::note() const {
    std::vector<Problem> parts;
    for (const auto& [dtype, n] : trainable) parts.push_back(lathe::note("weights_trainable", {with_commas(n), dtype}));
    for (const auto& [dtype, n] : frozen) parts.push_back(lathe::note("weights_frozen", {with_commas(n), dtype}));
    for (const auto& [dtype, n] : quantized) parts.push_back(lathe::note("weights_quantized", {with_commas(n), dtype}));
    return parts.empty() ? lathe::note("weights_held_none") : composed("weights_held", {joined(std::move(parts))});
}

std::string WeightDtypes::summary() const { return note().message; }

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
        throw ConfigError(config_problem("fp16", "fp16_refused"));
}

}  // namespace lathe
