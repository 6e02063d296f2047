#include "core/model/model_info.h"

#include "core/model/config.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace lathe {

namespace {

uint64_t safetensors_bytes(const std::string& dir) {
    uint64_t total = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file(ec) && e.path().extension() == ".safetensors") total += e.file_size(ec);
    return total;
}

ModelInfo read_adapter_info(const std::string& dir) {
    ModelInfo info;
    info.dir = dir;
    info.is_adapter = true;
    const std::string path = path_join(dir, "adapter_config.json");
    std::ifstream in(path);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw IoError(file_problem(path, 0, 0, "json_not_object"));
    if (j.contains("base_model_name_or_path") && j["base_model_name_or_path"].is_string())
        info.adapter_base = j["base_model_name_or_path"].get<std::string>();
    info.model_type = "lora";
    info.architecture = j.value("peft_type", std::string("LORA"));
    info.weight_file_bytes = safetensors_bytes(dir);
    return info;
}

}  // namespace

ModelInfo read_model_info(const std::string& dir) {
    if (dir_exists(dir) && !file_exists(path_join(dir, "config.json")) && file_exists(path_join(dir, "adapter_config.json")))
        return read_adapter_info(dir);
    require_model_folder(dir);
    const ModelConfig c = ModelConfig::from_file(path_join(dir, "config.json"));
    ModelInfo info;
    info.dir = dir;
    info.model_type = c.model_type;
    info.architecture = c.arch().hf_class;
    info.parameters = c.parameter_count();
    info.layers = c.num_hidden_layers;
    info.hidden = c.hidden_size;
    info.vocab = c.vocab_size;
    info.context = c.max_position_embeddings;
    info.torch_dtype = c.torch_dtype;
    info.weight_file_bytes = safetensors_bytes(dir);
    info.has_tokenizer = file_exists(path_join(dir, "tokenizer.json")) || file_exists(path_join(dir, "tokenizer.model"));
    return info;
}

uint64_t estimate_inference_memory(const ModelInfo& info, int64_t context_tokens) {
    // KV cache: 2 (k, v) x layers x context x hidden x 4 bytes (an upper bound: GQA stores less).
    const double kv = 2.0 * static_cast<double>(info.layers) * static_cast<double>(context_tokens) *
                      static_cast<double>(info.hidden) * 4.0;
    return static_cast<uint64_t>(static_cast<double>(info.parameters) * 4.0 + kv);
}

std::string format_parameter_count(int64_t n) {
    char buf[32];
    const double d = static_cast<double>(n);
    if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.1fB", d / 1e9);
    else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.1fM", d / 1e6);
    else if (n >= 1000) std::snprintf(buf, sizeof buf, "%.0fK", d / 1e3);
    else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
    return buf;
}

std::string format_bytes(uint64_t bytes) {
    char buf[32];
    const double d = static_cast<double>(bytes);
    if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GB", d / (1ull << 30));
    else if (bytes >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.0f MB", d / (1ull << 20));
    else std::snprintf(buf, sizeof buf, "%.0f KB", d / 1024.0);
    return buf;
}

}  // namespace lathe
