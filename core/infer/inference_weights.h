// Weights for inference (chat, generation, predictions, serving): the frozen projections and the embedding
// table held as float32, bfloat16 or int8 (Q8_0) and read by the kernels of core/infer/gemv.h.
//
//   f32   4 bytes a weight: exact.
//   bf16  2 bytes: the checkpoint's own values when it is stored in bf16 (as most are), else rounded.
//   int8  1.125 bytes: Q8_0 (blocks of 32 along the input, one float scale each), as llama.cpp's Q8_0.
//   auto  what the checkpoint holds: bf16 for a BF16 file, f32 otherwise (LLaMA-Factory's infer_dtype auto).
//
// Loading maps the safetensors files and uses float32 and bfloat16 tensors in place when they are already
// in the wanted form: no copy, no read until a token needs them, and the pages are the page cache's
// (shared, dropped under pressure, free when several processes load the same model). Norms and biases are
// small and copied. Packed models are for inference only: they cannot be trained or saved.
#pragma once
#include "core/model/linear.h"
#include "core/model/model_folder.h"

#include <torch/torch.h>

#include <memory>
#include <string>

namespace lathe {

enum class WeightFormat { Auto, F32, BF16, Int8 };

// "auto", "f32" (fp32, float32), "bf16" (bfloat16), "int8" (q8_0); ConfigError naming the choices otherwise.
WeightFormat parse_weight_format(const std::string& name);
const char* weight_format_name(WeightFormat f);  // "auto", "f32", "bf16", "int8"

// A frozen (out, in) weight in bf16 or Q8_0, computed with core/infer/gemv.h for a few rows and with
// dequantized float32 tiles and sgemm for many (prompts).
class PackedWeight : public WeightStorage {
public:
    // From a dense weight of any floating dtype. A contiguous bf16 CPU tensor is used as it is (no copy:
    // a tensor mapped from a file stays mapped). Int8 needs `in` to be a multiple of 32 (ConfigError).
    static std::shared_ptr<PackedWeight> pack(const torch::Tensor& weight, WeightFormat format);

    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias) const override;
    torch::Tensor dense(torch::ScalarType dtype) const override;
    torch::Tensor rows(const torch::Tensor& ids) const override;
    bool has_row_product() const override { return true; }
    void row_product(const float* x, float* y) const override;
    // Where a prompt's rows go to the AMX tiles (kernels::amx_enabled(), more than kGemvMaxRows rows, no
    // gradient) and `up` is a PackedWeight of this format and shape (or nullptr and this weight's rows are
    // [gate; up]): kernels::gated_*_amx with SwiGLU. Otherwise undefined.
    torch::Tensor swiglu_product(const WeightStorage* up, const torch::Tensor& x) const override;
    torch::ScalarType dtype() const override { return torch::kFloat; }  // activations stay float32
    torch::Device device() const override { return torch::kCPU; }
    int64_t bytes() const override;

    WeightFormat format() const { return format_; }
    const torch::Tensor& data() const { return data_; }  // (out, in) bf16 or int8
    const torch::Tensor& scales() const { return scales_; }  // Q8_0: (out, in / 32) float; undefined for bf16
    int64_t out_features() const { return data_.size(0); }
    int64_t in_features() const { return data_.size(1); }

private:
    PackedWeight(WeightFormat f, torch::Tensor data, torch::Tensor scales);
    // Rows [begin, begin + n) of the weight as float32 (n, in).
    torch::Tensor dequantize_rows(int64_t begin, int64_t n) const;
    WeightFormat format_;
    torch::Tensor data_;    // bf16 (out, in) or int8 (out, in)
    torch::Tensor scales_;  // Q8_0: float (out, in / 32)
};

struct InferenceOptions {
    WeightFormat weights = WeightFormat::Auto;
    torch::Device device = torch::kCPU;
    // LoRA/DoRA adapter folders (LLaMA-Factory's adapter_name_or_path list) merged in order into float32
    // weights, which are then held as `weights` asks. Empty: the folder's weights as they are.
    std::vector<std::string> adapters;
};

struct InferenceReport {
    WeightFormat weights = WeightFormat::F32;  // what `auto` resolved to
    std::string file_dtype;                    // "BF16", "F32", "mixed"...
    int64_t weight_bytes = 0;                  // bytes the model's weights take as held
    int64_t mapped_bytes = 0;                  // of those, used in place from the mapped files
    int64_t packed_tensors = 0;                // projections and tables held in bf16/int8
    int64_t dense_tensors = 0;                 // kept in float32 (norms, biases, int8-incompatible shapes)
    double load_seconds = 0;
    std::vector<std::string> unused_tensors;
    // "bf16 weights, 942 MB (942 MB used in place from the files)", and where packed bf16 weights meet
    // activations rounded to bf16 (AVX512-BF16), ", activations rounded to bf16 for the products (...)"
    std::string describe() const;
};

// `requested` for the checkpoint in `dir` on `device`: auto becomes bf16 for a BF16 checkpoint and f32
// otherwise; int8 off the CPU is a ConfigError.
WeightFormat resolve_weight_format(const std::string& dir, WeightFormat requested, torch::Device device);

// Loads a model folder for inference. On the CPU: f32 keeps F32 tensors mapped in place; bf16 keeps BF16
// tensors mapped in place and rounds others; int8 quantizes while reading. On CUDA: f32/bf16 load as
// that compute dtype (auto: the file's); int8 is a ConfigError (its kernels are the CPU's). With adapters,
// the model is read whole in float32 first (the merge needs it), so nothing stays mapped in place.
CausalLM load_for_inference(const std::string& dir, const InferenceOptions& options, InferenceReport* report = nullptr);

// Packs the projections, the output head and the embedding table of a model already in memory (a model
// just trained, an adapter merged in). f32 and auto leave it as it is. The model must be on the CPU.
InferenceReport pack_for_inference(CausalLMImpl& model, WeightFormat format);

// The format a model's weights are held in for inference (F32 for a model never packed).
WeightFormat inference_format(CausalLMImpl& model);

}  // namespace lathe
