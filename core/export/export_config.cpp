#include "core/export/export_config.h"

#include "core/io/safetensors.h"
#include "core/io/yaml_config.h"
#include "core/util/config_keys.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"
#include "core/util/strings.h"


#include <algorithm>

namespace lathe {

namespace {

using Key = ConfigKey<ExportConfig>;

const std::vector<Key>& key_table() {
    static const std::vector<Key> table = {
        {"model_name_or_path", &ExportConfig::model_name_or_path},
        {"adapter_name_or_path", &ExportConfig::adapter_name_or_path},
        {"template", &ExportConfig::template_name},
        {"export_dir", &ExportConfig::export_dir},
        {"export_size", &ExportConfig::export_size},
        {"export_format", &ExportConfig::export_format},
        {"export_quantization", &ExportConfig::export_quantization},
        {"export_overwrite", &ExportConfig::export_overwrite},
        {"model_name", &ExportConfig::model_name},
        {"threads", &ExportConfig::threads},
    };
    return table;
}

// LLaMA-Factory export keys that mean nothing here; accepted so its YAML files load unchanged.
const std::vector<std::string>& ignored_keys() {
    static const std::vector<std::string> keys = {"export_device", "export_legacy_format", "export_hub_model_id",
                                                  "trust_remote_code", "finetuning_type", "infer_dtype"};
    return keys;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

}  // namespace

std::vector<std::string> ExportConfig::keys() { return config_key_names(key_table()); }

void ExportConfig::set(const std::string& key, const std::string& value, const std::string& origin) {
    const Key* k = find_config_key(key_table(), key);
    if (!k) {
        const auto& ig = ignored_keys();
        if (std::find(ig.begin(), ig.end(), key) != ig.end()) return;
        if (key == "export_quantization_bit")
            throw ConfigError(origin.empty() ? config_problem(key, "export_gptq_unsupported")
                                             : from_origin(plain_problem("export_gptq_unsupported_key", {key}), origin));
        throw_unknown_config_key(key, keys(), origin);
    }
    assign_config_key(*this, *k, value, origin);
}

std::string ExportConfig::get(const std::string& key) const {
    const Key* k = find_config_key(key_table(), key);
    if (!k) throw ConfigError(plain_problem("unknown_config_key", {key}));
    return config_key_text(*this, *k);
}

void ExportConfig::apply_override(const std::string& assignment) {
    const auto [key, value] = split_assignment(assignment);
    set(key, value, "command line");
}

ExportConfig ExportConfig::from_yaml(const std::string& text, const std::string& origin) {
    ExportConfig c;
    for (const YamlEntry& e : read_flat_yaml(text, origin)) {
        if (e.is_mapping) throw ConfigError(plain_problem("config_value_is_mapping", {e.at, e.key}));
        c.set(e.key, e.value, e.at);
    }
    return c;
}

ExportConfig ExportConfig::from_yaml_file(const std::string& path) { return from_yaml(read_file(path), path); }

std::string ExportConfig::to_yaml() const {
    const ExportConfig defaults;
    std::vector<ConfigField> fields;
    for (ConfigField& f : config_fields(*this, key_table()))  // the format always; the rest when not the default
        if (f.key == "export_format" || f.text != defaults.get(f.key)) fields.push_back(std::move(f));
    return write_flat_yaml(fields);
}

std::vector<std::string> ExportConfig::adapters() const { return split_list(adapter_name_or_path); }

std::string ExportConfig::quantization() const {
    if (!export_quantization.empty()) return lower(export_quantization);
    return lower(export_format) == "gguf" ? "f16" : "bf16";
}

uint64_t ExportConfig::shard_bytes() const {
    if (export_size.empty() || export_size == "0") return 0;
    const std::string s = trim(export_size);
    // LLaMA-Factory writes export_size as a bare number of GB (export_size: 5).
    if (!s.empty() && s.find_first_not_of("0123456789.") == std::string::npos) return parse_size(s + "GB");
    return parse_size(s);
}

std::vector<Problem> ExportConfig::problems() const {
    std::vector<Problem> out;
    auto fail = [&](const std::string& key, const std::string& id, std::vector<std::string> args = {}) {
        out.push_back(config_problem(key, id, std::move(args)));
    };
    if (model_name_or_path.empty()) fail("model_name_or_path", "export_no_model");
    if (export_dir.empty()) fail("export_dir", "no_export_dir");
    const std::string format = lower(export_format);
    if (format != "hf" && format != "gguf") fail("export_format", "not_one_of", {export_format, "hf, gguf"});
    const std::string q = quantization();
    static const std::vector<std::string> hf = {"f32", "f16", "bf16"};
    static const std::vector<std::string> gguf = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_k_m"};
    const auto& allowed = format == "hf" ? hf : gguf;
    if ((format == "hf" || format == "gguf") && std::find(allowed.begin(), allowed.end(), q) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        const bool gguf_type = format == "hf" && std::find(gguf.begin(), gguf.end(), q) != gguf.end();
        fail("export_quantization", gguf_type ? "export_quantization_hf" : "export_quantization",
             {export_quantization, list, format});
    }
    try {
        (void)shard_bytes();
    } catch (const ConfigError& e) {
        Problem p = e.problem();
        p.key = "export_size";
        p.message = "export_size: " + p.message;
        out.push_back(std::move(p));
    }
    if (threads < 0) fail("threads", "must_be_non_negative_all_cores");
    for (const std::string& a : adapters()) {
        if (a != model_name_or_path) continue;
        fail("adapter_name_or_path", "adapter_is_model", {a});
        break;
    }
    return out;
}

void ExportConfig::validate() const {
    const std::vector<Problem> found = problems();
    if (!found.empty()) throw ConfigError(found.front());
}

}  // namespace lathe
