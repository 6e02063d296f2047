// The settings of one export, under LLaMA-Factory's key names where one exists. The same YAML file is
// read by `lathe-cli export` and saved by the studio's export tab.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lathe {

struct Problem;

struct ExportConfig {
    std::string model_name_or_path;    // base model folder, or a full checkpoint
    std::string adapter_name_or_path;  // comma list of LoRA folders, merged in this order
    std::string export_dir;
    std::string export_size = "5GB";   // max bytes of tensor data per safetensors shard ("2GB", "500MB")
    std::string export_format = "hf";  // hf | gguf
    std::string export_quantization = "";  // hf: f32|f16|bf16 (default bf16); gguf: f32|f16|bf16|q8_0|q4_0|q4_k_m (default f16)
    std::string template_name;         // YAML key "template"; "" = picked from the model
    bool export_overwrite = false;     // replace a non-empty export_dir
    std::string model_name;            // general.name / model card title; "" = export_dir's name
    int threads = 0;                   // CPU threads for merging and quantizing (0 = all cores)

    static ExportConfig from_yaml_file(const std::string& path);
    static ExportConfig from_yaml(const std::string& text, const std::string& origin);
    // "key=value" as on the command line.
    void apply_override(const std::string& assignment);
    // Unknown keys throw ConfigError naming the key and the closest known one.
    void set(const std::string& key, const std::string& value, const std::string& origin = "");
    std::string get(const std::string& key) const;
    std::string to_yaml() const;
    static std::vector<std::string> keys();

    // Throws ConfigError naming the key for a missing or contradictory setting (no file is read).
    // Every problem of the settings on their own, in the order they are checked; validate() throws the
    // first as a ConfigError.
    std::vector<Problem> problems() const;
    void validate() const;

    // Derived values.
    std::vector<std::string> adapters() const;  // adapter_name_or_path split on commas, trimmed
    std::string quantization() const;           // export_quantization or the format's default, lower case
    uint64_t shard_bytes() const;               // parse_size(export_size); 0 = one file
};

}  // namespace lathe
