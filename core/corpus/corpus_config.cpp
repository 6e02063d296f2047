#include "core/corpus/corpus_config.h"

#include "core/io/yaml_config.h"
#include "core/util/config_keys.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"
#include "core/util/strings.h"


#include <algorithm>

namespace lathe {

namespace {

using Key = ConfigKey<CorpusConfig>;

const std::vector<Key>& key_table() {
    static const std::vector<Key> table = {
        {"data_files", &CorpusConfig::data_files},
        {"data_format", &CorpusConfig::data_format},
        {"text_column", &CorpusConfig::text_column},
        {"columns", &CorpusConfig::columns},
        {"dataset", &CorpusConfig::dataset},
        {"dataset_dir", &CorpusConfig::dataset_dir},
        {"output_dir", &CorpusConfig::output_dir},
        {"output_format", &CorpusConfig::output_format},
        {"dataset_name", &CorpusConfig::dataset_name},
        {"steps", &CorpusConfig::steps},
        {"normalize", &CorpusConfig::normalize},
        {"clean_whitespace", &CorpusConfig::clean_whitespace},
        {"dedup", &CorpusConfig::dedup},
        {"minhash_threshold", &CorpusConfig::minhash_threshold},
        {"minhash_num_perm", &CorpusConfig::minhash_num_perm},
        {"minhash_ngram", &CorpusConfig::minhash_ngram},
        {"pii", &CorpusConfig::pii},
        {"min_chars", &CorpusConfig::min_chars},
        {"max_chars", &CorpusConfig::max_chars},
        {"quality_filters", &CorpusConfig::quality_filters},
        {"script_filter", &CorpusConfig::script_filter},
        {"min_script_share", &CorpusConfig::min_script_share},
        {"train_tokenizer", &CorpusConfig::train_tokenizer},
        {"tokenizer_type", &CorpusConfig::tokenizer_type},
        {"tokenizer_vocab_size", &CorpusConfig::tokenizer_vocab_size},
        {"character_coverage", &CorpusConfig::character_coverage},
        {"byte_fallback", &CorpusConfig::byte_fallback},
        {"special_tokens", &CorpusConfig::special_tokens},
        {"compare_tokenizers", &CorpusConfig::compare_tokenizers},
        {"tokenizer_sentence", &CorpusConfig::tokenizer_sentence},
        {"examples", &CorpusConfig::examples},
        {"threads", &CorpusConfig::threads},
    };
    return table;
}

const std::vector<std::pair<CorpusStep, const char*>>& step_names() {
    static const std::vector<std::pair<CorpusStep, const char*>> names = {
        {CorpusStep::Normalize, "normalize"}, {CorpusStep::Clean, "clean"},     {CorpusStep::Pii, "pii"},
        {CorpusStep::Length, "length"},       {CorpusStep::Quality, "quality"}, {CorpusStep::Script, "script"},
        {CorpusStep::Dedup, "dedup"},
    };
    return names;
}

bool one_of(const std::string& value, const std::vector<std::string>& allowed) {
    return std::find(allowed.begin(), allowed.end(), lower_ascii(value)) != allowed.end();
}

std::string joined(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
    return out;
}

}  // namespace

const char* corpus_step_name(CorpusStep step) {
    for (const auto& [s, name] : step_names())
        if (s == step) return name;
    return "?";
}

// Normalise before anything looks at the text; scrub before deduplicating (records that differ only in an
// e-mail address are duplicates); filter before deduplicating (fewer records to remember).
const std::vector<CorpusStep>& corpus_default_steps() {
    static const std::vector<CorpusStep> order = {CorpusStep::Normalize, CorpusStep::Clean,  CorpusStep::Pii,
                                                  CorpusStep::Length,    CorpusStep::Quality, CorpusStep::Script,
                                                  CorpusStep::Dedup};
    return order;
}

std::vector<std::string> CorpusConfig::keys() { return config_key_names(key_table()); }

void CorpusConfig::set(const std::string& key, const std::string& value, const std::string& origin) {
    const Key* k = find_config_key(key_table(), key);
    if (!k) {
        throw_unknown_config_key(key, keys(), origin);
    }
    assign_config_key(*this, *k, value, origin);
}

std::string CorpusConfig::get(const std::string& key) const {
    const Key* k = find_config_key(key_table(), key);
    if (!k) throw ConfigError(plain_problem("unknown_config_key", {key}));
    return config_key_text(*this, *k);
}

void CorpusConfig::apply_override(const std::string& assignment) {
    const auto [key, value] = split_assignment(assignment);
    set(key, value, "command line");
}

CorpusConfig CorpusConfig::from_yaml(const std::string& text, const std::string& origin) {
    CorpusConfig c;
    for (const YamlEntry& e : read_flat_yaml(text, origin)) {
        if (e.is_mapping) throw ConfigError(plain_problem("config_value_is_mapping", {e.at, e.key}));
        c.set(e.key, e.value, e.at);
    }
    return c;
}

CorpusConfig CorpusConfig::from_yaml_file(const std::string& path) { return from_yaml(read_file(path), path); }

std::string CorpusConfig::to_yaml() const {
    return write_flat_yaml(config_fields(*this, key_table()));
}

std::vector<std::string> CorpusConfig::files() const { return split_list(data_files); }

std::vector<std::pair<std::string, std::string>> CorpusConfig::column_renames() const {
    static const std::vector<std::string> targets = {"text", "instruction", "input", "output", "system", "conversations"};
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& pair : split_list(columns)) {
        const auto eq = pair.find('=');
        const std::string target = eq == std::string::npos ? "" : trim(pair.substr(0, eq));
        const std::string source = eq == std::string::npos ? "" : trim(pair.substr(eq + 1));
        if (target.empty() || source.empty())
            throw ConfigError(config_problem("columns", "columns_pair", {pair}));
        if (std::find(targets.begin(), targets.end(), target) == targets.end())
            throw ConfigError(config_problem("columns", "not_one_of", {target, joined(targets)}));
        out.emplace_back(source, target);
    }
    return out;
}

std::vector<CorpusStep> CorpusConfig::enabled_steps() const {
    std::vector<CorpusStep> order;
    if (trim(steps).empty()) {
        order = corpus_default_steps();
    } else {
        for (const std::string& name : split_list(steps))
            for (const auto& [s, n] : step_names())
                if (lower_ascii(name) == n && std::find(order.begin(), order.end(), s) == order.end()) order.push_back(s);
    }
    std::vector<CorpusStep> out;
    for (CorpusStep s : order) {
        bool on = false;
        switch (s) {
            case CorpusStep::Normalize: on = lower_ascii(normalize) != "none"; break;
            case CorpusStep::Clean: on = clean_whitespace; break;
            case CorpusStep::Pii: on = lower_ascii(pii) != "none"; break;
            case CorpusStep::Length: on = min_chars > 0 || max_chars > 0; break;
            case CorpusStep::Quality: on = quality_filters; break;
            case CorpusStep::Script: on = lower_ascii(script_filter) != "none"; break;
            case CorpusStep::Dedup: on = lower_ascii(dedup) != "none"; break;
        }
        if (on) out.push_back(s);
    }
    return out;
}

std::vector<Problem> CorpusConfig::problems() const {
    std::vector<Problem> out;
    auto fail = [&](const std::string& key, const std::string& id, std::vector<std::string> args = {}) {
        out.push_back(config_problem(key, id, std::move(args)));
    };
    auto choice = [&](const char* key, const std::string& value, const std::vector<std::string>& allowed) {
        if (!one_of(value, allowed)) fail(key, "not_one_of", {value, joined(allowed)});
    };
    if (files().empty() && split_list(dataset).empty()) fail("data_files", "no_data_files");
    try {
        (void)column_renames();
    } catch (const ConfigError& e) {
        out.push_back(e.problem());
    }
    choice("data_format", data_format, {"auto", "text", "json", "jsonl", "csv", "tsv"});
    if (trim(text_column).empty()) fail("text_column", "no_text_column");
    if (trim(output_dir).empty()) fail("output_dir", "no_output_dir");
    choice("output_format", output_format, {"text", "alpaca", "sharegpt"});
    if (trim(dataset_name).empty()) fail("dataset_name", "no_dataset_name");
    else if (dataset_name.find_first_of("/\\") != std::string::npos || dataset_name[0] == '.')
        fail("dataset_name", "dataset_name_file", {dataset_name});
    std::vector<std::string> step_list;
    for (const auto& [s, n] : step_names()) step_list.emplace_back(n);
    for (const std::string& name : split_list(steps))
        if (!one_of(name, step_list)) {
            fail("steps", "not_one_of", {name, joined(step_list)});
            break;
        }
    choice("normalize", normalize, {"none", "nfc", "nfkc"});
    choice("dedup", dedup, {"none", "exact", "minhash"});
    if (!(minhash_threshold > 0 && minhash_threshold <= 1)) fail("minhash_threshold", "must_be_in", {"(0, 1]"});
    if (minhash_num_perm < 16 || minhash_num_perm > 1024) fail("minhash_num_perm", "must_be_in", {"[16, 1024]"});
    if (minhash_ngram < 1 || minhash_ngram > 32) fail("minhash_ngram", "must_be_in", {"[1, 32]"});
    choice("pii", pii, {"none", "mask", "drop"});
    if (min_chars < 0) fail("min_chars", "must_be_non_negative_no_limit");
    if (max_chars < 0) fail("max_chars", "must_be_non_negative_no_limit");
    if (min_chars > 0 && max_chars > 0 && min_chars > max_chars)
        fail("max_chars", "must_be_at_least", {std::to_string(min_chars) + " (min_chars)"});
    choice("script_filter", script_filter, {"none", "hangul", "latin", "cjk"});
    if (!(min_script_share >= 0 && min_script_share <= 1)) fail("min_script_share", "must_be_in", {"[0, 1]"});
    choice("tokenizer_type", tokenizer_type, {"bpe", "unigram", "byte_bpe"});
    if (tokenizer_vocab_size < 100) fail("tokenizer_vocab_size", "must_be_at_least", {"100"});
    if (!(character_coverage >= 0.9 && character_coverage <= 1)) fail("character_coverage", "must_be_in", {"[0.9, 1]"});
    if (examples < 0) fail("examples", "must_be_non_negative");
    if (threads < 0) fail("threads", "must_be_non_negative_all_cores");
    return out;
}

void CorpusConfig::validate() const {
    const std::vector<Problem> found = problems();
    if (!found.empty()) throw ConfigError(found.front());
}

}  // namespace lathe
