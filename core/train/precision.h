// Which precision a run computes and holds its weights in, and why. One pure decision from the settings
// (bf16: auto | true | false, pure_bf16), the device and what the hardware offers, so that the run log,
// the CLI and the studio's model bar say the same thing, and tests can inject any hardware.
//   fp32       everything float32.
//   bf16       matrix products autocast to bf16; weights nothing trains (the frozen base of LoRA, QLoRA and
//              freeze) held in bf16; trainable weights and AdamW state float32 (mixed precision, as
//              LLaMA-Factory's bf16 with its "upcasting trainable params to float32").
//   pure bf16  every weight and the AdamW state in bf16, no float32 copy (LLaMA-Factory's pure_bf16).
// docs/precision.md says which tensor is in which dtype and what that changes numerically.
#pragma once
#include "core/train/train_config.h"
#include "core/util/cpu_features.h"
#include "core/util/error.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <map>
#include <string>

namespace lathe {

class CausalLMImpl;

// What the decision needs to know about the hardware: probe_hardware() reads it, tests write it.
struct HardwareProbe {
    CpuFeatures cpu;
    int cuda_major = 0, cuda_minor = 0;  // compute capability of the CUDA device trained on; 0 = unknown
    std::string cuda_name;
};
HardwareProbe probe_hardware(const c10::Device& device);

enum class PrecisionMode { Fp32, Bf16, PureBf16 };

struct Precision {
    PrecisionMode mode = PrecisionMode::Fp32;
    // Why, as data the studio words in its language; .message in English: "bf16 (auto: this CPU has AVX512-BF16)".
    Problem reason;
    Problem warning;  // message "" unless an explicit setting will run slower than fp32 on this device

    bool bf16() const { return mode != PrecisionMode::Fp32; }
    std::string name() const;  // "fp32" | "bf16" | "pure bf16"
    // The dtype autocast runs matrix products in: bf16 in bf16 mode, float32 (= no autocast) otherwise.
    c10::ScalarType autocast_dtype() const;
    // Weights that nothing trains: bf16 whenever bf16 runs.
    c10::ScalarType frozen_dtype() const;
    // Trainable weights and their AdamW state (and a full model's checkpoints): float32 unless pure bf16.
    c10::ScalarType trainable_dtype() const;
};

// Decides. Never throws: an explicit bf16 where the device lacks it runs, with `warning` set (LibTorch
// emulates bf16 there, correctly but usually slower than fp32).
Precision decide_precision(Toggle bf16, bool pure_bf16, const c10::Device& device, const HardwareProbe& probe);
// The same with this machine's hardware, on `device` or on the one config.device names (throws
// ConfigError when that is not a device here).
Precision decide_precision(const TrainConfig& config, const c10::Device& device);
Precision decide_precision(const TrainConfig& config);

// Which tensors end up in which dtype for this method, for the log and the studio:
// "frozen base weights in bf16; LoRA weights and AdamW state in float32; matrix products in bf16".
Problem precision_details(const Precision& precision, Method method, int quantization_bit);

// Puts each weight of `model` in the dtype `precision` holds it in: trainable ones (requires_grad) in
// trainable_dtype(), the others in frozen_dtype(). Call after the method has chosen what trains.
void hold_weights(CausalLMImpl& model, const Precision& precision);

// Elements of the model's weights by dtype and by whether they train, for the run log (and tests, which
// check that a run holds what the precision says).
struct WeightDtypes {
    std::map<std::string, int64_t> trainable, frozen;  // "float32" | "bf16" | ... -> elements
    std::map<std::string, int64_t> quantized;           // frozen weights held as 4- or 8-bit codes, by the
                                                        // dtype they dequantize to
    // "weights held: 8,192 float32 trainable; 1,234,567 bf16 frozen; 2,097,152 quantized frozen (bf16 products)"
    std::string summary() const;
    Problem note() const;  // the same as data
};
WeightDtypes weight_dtypes(CausalLMImpl& model);

// fp16 needs loss scaling, which Lathe does not do: throws ConfigError with that message when it is set.
void refuse_fp16(const TrainConfig& config);

}  // namespace lathe
