// tests/data/tokenizer/reference_ids.json (written by tests/tools/tokenizer_reference): inputs with the
// ids and text the JavaScript port of Hugging Face tokenizers gives for the real tokenizers in
// ../shared/tokenizers, and for variants of them built by editing their tokenizer.json.
#pragma once
#include "core/io/json_file.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/fs.h"
#include "tests/registry.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace lathe::test {

struct ReferenceCase {
    std::string name, text;
    std::vector<int32_t> ids, ids_special;
    bool has_decode = false;
    std::string decoded, decoded_skip;
};

inline std::vector<ReferenceCase> reference_cases(const nlohmann::json& cases) {
    std::vector<ReferenceCase> out;
    for (const auto& c : cases) {
        ReferenceCase r;
        r.name = c.at("name").get<std::string>();
        r.text = c.at("text").get<std::string>();
        r.ids = c.at("ids").get<std::vector<int32_t>>();
        r.ids_special = c.at("ids_special").get<std::vector<int32_t>>();
        r.has_decode = c.contains("decoded");
        if (r.has_decode) {
            r.decoded = c.at("decoded").get<std::string>();
            r.decoded_skip = c.at("decoded_skip").get<std::string>();
        }
        out.push_back(std::move(r));
    }
    return out;
}

inline const nlohmann::json& reference_fixture() {
    static const nlohmann::json j = read_json_file(data_dir() + "/tokenizer/reference_ids.json");
    return j;
}

inline std::vector<ReferenceCase> reference_cases_for(const std::string& tokenizer) {
    return reference_cases(reference_fixture().at("tokenizers").at(tokenizer).at("cases"));
}

// Writes a copy of shared tokenizer `base` into a scratch folder with the variant's edits applied to
// tokenizer.json, and returns the folder.
inline std::string write_variant_dir(const nlohmann::json& variant) {
    const std::string base = shared_tokenizer_dir(variant.at("base").get<std::string>());
    const std::string dir = scratch_dir() + "/variant-" + variant.at("name").get<std::string>();
    std::filesystem::create_directories(dir);
    nlohmann::json tj = read_json_file(base + "/tokenizer.json");
    if (variant.contains("replace"))
        for (const auto& [key, value] : variant.at("replace").items()) tj[key] = value;
    if (variant.contains("added_token_flags")) {
        for (const auto& [content, flags] : variant.at("added_token_flags").items())
            for (auto& t : tj.at("added_tokens"))
                if (t.at("content") == content)
                    for (const auto& [flag, value] : flags.items()) t[flag] = value;
    }
    write_json_file(dir + "/tokenizer.json", tj, -1);
    if (file_exists(base + "/tokenizer_config.json"))
        write_file_atomic(dir + "/tokenizer_config.json", read_file(base + "/tokenizer_config.json"));
    return dir;
}

inline std::string format_ids(const std::vector<int32_t>& ids) {
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < ids.size(); ++i) s << (i ? "," : "") << ids[i];
    s << "]";
    return s.str();
}

// "" when the tokenizer agrees with every case, else one line per disagreement.
inline std::string compare_with_reference(const Tokenizer& tok, const std::vector<ReferenceCase>& cases) {
    std::string failures;
    for (const auto& c : cases) {
        const auto ids = tok.encode(c.text, false);
        const auto ids_special = tok.encode(c.text, true);
        if (ids != c.ids) failures += c.name + ": ids " + format_ids(ids) + " expected " + format_ids(c.ids) + "\n";
        if (ids_special != c.ids_special)
            failures += c.name + ": ids_special " + format_ids(ids_special) + " expected " + format_ids(c.ids_special) + "\n";
        if (!c.has_decode) continue;
        const std::string decoded = tok.decode(c.ids_special, false);
        const std::string decoded_skip = tok.decode(c.ids_special, true);
        if (decoded != c.decoded) failures += c.name + ": decoded \"" + decoded + "\" expected \"" + c.decoded + "\"\n";
        if (decoded_skip != c.decoded_skip)
            failures += c.name + ": decoded_skip \"" + decoded_skip + "\" expected \"" + c.decoded_skip + "\"\n";
    }
    return failures;
}

}  // namespace lathe::test
