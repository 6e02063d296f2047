// A cheap summary of a model folder for the studio's model bar: read from config.json and the file
// sizes only (no weights, no tokenizer), so it can run on every keystroke of the folder field.
#pragma once
#include <cstdint>
#include <string>

namespace lathe {

struct ModelInfo {
    std::string dir;
    std::string model_type;        // "llama", "qwen2", ...
    std::string architecture;      // "LlamaForCausalLM"
    int64_t parameters = 0;        // ModelConfig::parameter_count()
    int64_t layers = 0, hidden = 0, vocab = 0, context = 0;
    uint64_t weight_file_bytes = 0;  // *.safetensors in the folder (0 when none)
    std::string torch_dtype;         // as config.json says
    bool has_tokenizer = false;      // tokenizer.json or tokenizer.model present
    bool is_adapter = false;         // the folder is a LoRA adapter (adapter_config.json), not a model
    std::string adapter_base;        // base_model_name_or_path of an adapter ("" when null)
};

// Reads `dir`/config.json (or adapter_config.json for an adapter folder). Throws ModelError / IoError
// with the engine's messages when the folder is not a model the engine can load.
ModelInfo read_model_info(const std::string& dir);

// Training's memory depends on the run's settings too: core/train/memory_estimate.h.
// The memory to load the model for chat (fp32 weights + a KV cache of `context` tokens).
uint64_t estimate_inference_memory(const ModelInfo& info, int64_t context_tokens = 2048);

// "1.2B", "494M", "5.3M", "812K".
std::string format_parameter_count(int64_t n);
// "3.4 GB", "512 MB", "12 KB" (powers of 1024).
std::string format_bytes(uint64_t bytes);

}  // namespace lathe
