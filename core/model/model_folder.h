// Hugging Face model folders: config.json + model.safetensors (or shards + index). Loading checks every
// tensor against the config and names the file, the tensor and both shapes when they disagree.
#pragma once
#include "core/model/config.h"
#include "core/model/transformer.h"

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace lathe {

struct LoadOptions {
    torch::Device device = torch::kCPU;
    torch::ScalarType dtype = torch::kFloat;  // compute dtype; weights are converted on load
};

// Reads `dir`/config.json; throws ModelError when the folder or the file is missing.
ModelConfig read_model_config(const std::string& dir);

struct LoadReport {
    std::vector<std::string> unused_tensors;  // in the files but not in the model (reported, not fatal)
    std::string weights_dtype;                // "BF16", "F32", "mixed"...
    uint64_t file_bytes = 0;
};

CausalLM load_causal_lm(const std::string& dir, const LoadOptions& options = {}, LoadReport* report = nullptr);

// Copies tensors from the folder into an existing model (same checks as load_causal_lm).
void load_weights(CausalLMImpl& model, const std::string& dir, LoadReport* report = nullptr);

// What a loader that places some tensors itself (core/infer/inference_weights.h) did with one.
enum class TensorUse {
    Copy,    // not taken: copy it into the parameter as usual
    Taken,   // converted into another form: the mapped pages may be dropped
    InPlace  // the mapped tensor itself is in use: its pages must stay
};
// Called with each checkpoint tensor as mapped from its file (CPU, the file's dtype), after the name and
// shape checks and before the copy.
using TensorSink = std::function<TensorUse(const std::string& name, const torch::Tensor& mapped)>;
void load_weights(CausalLMImpl& model, const std::string& dir, LoadReport* report, const TensorSink& sink);

// Writes config.json and the weights (in `dtype`, sharded at `max_shard_bytes`, 0 = one file) into
// `dir`, each file atomically. `base_config` keeps keys of the source config.json that Lathe does not
// model. Tied models do not write lm_head.
void save_causal_lm(CausalLMImpl& model, const std::string& dir, torch::ScalarType dtype = torch::kFloat,
                    uint64_t max_shard_bytes = 0, const nlohmann::json* base_config = nullptr);

// The model's tensors as they are stored in a checkpoint (names as HF, converted to `dtype` on CPU).
std::vector<std::pair<std::string, torch::Tensor>> state_tensors(CausalLMImpl& model, torch::ScalarType dtype);

torch::ScalarType parse_dtype(const std::string& name);  // "fp32"/"float32", "fp16", "bf16"...
std::string dtype_label(torch::ScalarType t);              // "float32", "bfloat16", ...

}  // namespace lathe
