// What an export will read and write, resolved and checked before any weights are loaded
// (shared by precheck_export, estimate_export and run_export).
#pragma once
#include "core/export/export_config.h"
#include "core/model/config.h"
#include "core/peft/adapter_io.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace lathe {

struct ChatTemplate;
class Tokenizer;

struct ExportPlan {
    ExportConfig config;
    std::string format;        // "hf" | "gguf"
    std::string quantization;  // "bf16", "q4_k_m", ...
    std::string source_dir;    // model_name_or_path
    std::string target_dir;    // export_dir
    std::string name;          // model name for general.name, file names and the card
    ModelConfig model;
    nlohmann::json base_config;  // the source config.json, keys Lathe does not model kept
    std::unique_ptr<Tokenizer> tokenizer;
    const ChatTemplate* chat = nullptr;
    std::vector<std::string> adapter_dirs;
    std::vector<AdapterConfig> adapters;
    std::vector<Problem> warnings;  // as data; English in .message
    // Checkpoint tensors (name, shape) in the source's files, sorted by name.
    std::vector<std::pair<std::string, std::vector<int64_t>>> source_tensors;

    ExportPlan();
    ~ExportPlan();
    ExportPlan(ExportPlan&&) noexcept;
};

// Resolves and checks everything; throws the first problem (ConfigError, ModelError, IoError,
// TokenizerError) with a message naming the folder, file or key.
ExportPlan plan_export(const ExportConfig& config);

// The file name of the GGUF inside export_dir: "<name>-<Q4_K_M>.gguf".
std::string gguf_file_name(const ExportPlan& plan);

}  // namespace lathe
