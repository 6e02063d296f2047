#include "core/tokenizer/tokenizer_config.h"

#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>

namespace lathe {

namespace {

using json = nlohmann::json;

json read_json_or_throw(const std::string& path) {
    try {
        return read_json_file(path);
    } catch (const IoError& e) {
        throw TokenizerError(e.problem());  // the reader's problem, as a tokenizer error
    }
}

// A token may be written as "<s>", as {"content": "<s>", ...} (an AddedToken) or as null.
std::optional<std::string> token_name(const json& cfg, const char* key, const std::string& file) {
    auto it = cfg.find(key);
    if (it == cfg.end()) return std::nullopt;
    if (it->is_null()) return std::string();
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object() && it->contains("content") && it->at("content").is_string()) return it->at("content").get<std::string>();
    throw TokenizerError(file_problem(file, 0, 0, "tokenizer_config_token_type", {key, it->dump()}));
}

std::optional<bool> flag(const json& cfg, const char* key, const std::string& file) {
    auto it = cfg.find(key);
    if (it == cfg.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) throw TokenizerError(file_problem(file, 0, 0, "tokenizer_config_flag_type", {key, it->dump()}));
    return it->get<bool>();
}

// A string, or a list of {"name", "template"} of which Lathe takes "default".
std::string chat_template_of(const json& cfg, const std::string& file) {
    auto it = cfg.find("chat_template");
    if (it == cfg.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {
        for (const json& entry : *it) {
            if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") ||
                !entry.at("name").is_string() || !entry.at("template").is_string())
                throw TokenizerError(file_problem(file, 0, 0, "tokenizer_config_template_entry", {entry.dump()}));
            if (entry.at("name").get<std::string>() == "default") return entry.at("template").get<std::string>();
        }
        return {};
    }
    throw TokenizerError(file_problem(file, 0, 0, "tokenizer_config_template_type", {it->type_name()}));
}

void read_token_names(const json& j, const std::string& file, TokenizerConfig& cfg) {
    if (!j.is_object()) throw TokenizerError(file_problem(file, 0, 0, "json_not_object"));
    if (auto v = token_name(j, "bos_token", file)) cfg.bos = v;
    if (auto v = token_name(j, "eos_token", file)) cfg.eos = v;
    if (auto v = token_name(j, "pad_token", file)) cfg.pad = v;
    if (auto v = token_name(j, "unk_token", file)) cfg.unk = v;
}

}  // namespace

TokenizerConfig read_tokenizer_config(const std::string& dir) {
    TokenizerConfig cfg;
    const std::string config_path = path_join(dir, "tokenizer_config.json");
    if (file_exists(config_path)) {
        const json j = read_json_or_throw(config_path);
        read_token_names(j, config_path, cfg);
        cfg.add_bos = flag(j, "add_bos_token", config_path);
        cfg.add_eos = flag(j, "add_eos_token", config_path);
        cfg.chat_template = chat_template_of(j, config_path);
        if (j.contains("tokenizer_class") && j.at("tokenizer_class").is_string())
            cfg.tokenizer_class = j.at("tokenizer_class").get<std::string>();
    }
    const std::string map_path = path_join(dir, "special_tokens_map.json");
    if (file_exists(map_path)) read_token_names(read_json_or_throw(map_path), map_path, cfg);
    const std::string jinja_path = path_join(dir, "chat_template.jinja");
    if (cfg.chat_template.empty() && file_exists(jinja_path)) cfg.chat_template = read_file(jinja_path);
    return cfg;
}

void apply_special_token_names(const TokenizerConfig& cfg, const std::function<int32_t(std::string_view)>& token_to_id,
                               SpecialTokens& special) {
    auto set = [&](const std::optional<std::string>& name, std::string& out_name, int32_t& out_id) {
        if (!name) return;
        out_name = *name;
        out_id = name->empty() ? -1 : token_to_id(*name);
    };
    set(cfg.bos, special.bos, special.bos_id);
    set(cfg.eos, special.eos, special.eos_id);
    set(cfg.pad, special.pad, special.pad_id);
    set(cfg.unk, special.unk, special.unk_id);
}

}  // namespace lathe
