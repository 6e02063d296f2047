#include "core/data/dataset_registry.h"

#include "core/data/file_readers.h"
#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <algorithm>

namespace lathe {

const char* format_name(DatasetFormat f) { return f == DatasetFormat::Sharegpt ? "sharegpt" : "alpaca"; }

namespace {

using json = nlohmann::json;

// Which columns an entry's "columns" object sets, per format (LLaMA-Factory's parser.py):
// the common ones always, the alpaca or sharegpt ones only for that format.
struct ColumnKey {
    const char* key;
    std::string DatasetColumns::*member;
    bool alpaca, sharegpt;
};
const ColumnKey kColumns[] = {
    {"system", &DatasetColumns::system, true, true},
    {"tools", &DatasetColumns::tools, true, true},
    {"chosen", &DatasetColumns::chosen, true, true},
    {"rejected", &DatasetColumns::rejected, true, true},
    {"kto_tag", &DatasetColumns::kto_tag, true, true},
    {"prompt", &DatasetColumns::prompt, true, false},
    {"query", &DatasetColumns::query, true, false},
    {"response", &DatasetColumns::response, true, false},
    {"history", &DatasetColumns::history, true, false},
    {"messages", &DatasetColumns::messages, false, true},
};

const std::pair<const char*, std::string SharegptTags::*> kTags[] = {
    {"role_tag", &SharegptTags::role},         {"content_tag", &SharegptTags::content},
    {"user_tag", &SharegptTags::user},         {"assistant_tag", &SharegptTags::assistant},
    {"observation_tag", &SharegptTags::observation}, {"function_tag", &SharegptTags::function},
    {"system_tag", &SharegptTags::system},
};

// Keys that place a dataset on a hub instead of in dataset_dir; Lathe reads local files only.
const char* const kRemoteKeys[] = {"hf_hub_url", "ms_hub_url", "om_hub_url", "script_url"};


class EntryParser {
public:
    EntryParser(const std::string& origin, const std::string& name, const json& value)
        : origin_(origin), name_(name), value_(value) {
        entry_.name = name;
        entry_.raw = value;
    }

    DatasetEntry parse() {
        if (!value_.is_object()) fail("registry_entry_not_object", {json_type_phrase(value_)});
        parse_location();
        parse_formatting();
        if (const json* r = get("ranking", json::value_t::boolean, "true or false")) entry_.ranking = r->get<bool>();
        parse_num_samples();
        if (const json* c = get("columns", json::value_t::object, "an object")) parse_columns(*c);
        if (const json* t = get("tags", json::value_t::object, "an object")) parse_tags(*t);
        return std::move(entry_);
    }

private:
    // A problem with this entry, placed at dataset_info.json; the entry's name is the first argument.
    [[noreturn]] void fail(const std::string& id, std::vector<std::string> args) const {
        args.insert(args.begin(), name_);
        throw DataError(file_problem(origin_, 0, 0, id, std::move(args)));
    }

    // The value of `key` when present and not null, checked against `type`.
    const json* get(const char* key, json::value_t type, const char* expected) const {
        auto it = value_.find(key);
        if (it == value_.end() || it->is_null()) return nullptr;
        if (it->type() != type)
            fail("registry_entry_field_type", {key, json_type_phrase(*it), expected});
        return &*it;
    }

    void parse_location() {
        if (const json* f = get("file_name", json::value_t::string, "a string"))
            entry_.file_name = f->get<std::string>();
        for (const char* key : kRemoteKeys) {
            auto it = value_.find(key);
            if (it != value_.end() && it->is_string()) {
                entry_.remote = std::string(key) + " '" + it->get<std::string>() + "'";
                break;
            }
        }
        if (entry_.file_name.empty() && entry_.remote.empty())
            fail("registry_entry_no_file_name", {});
    }

    void parse_formatting() {
        const json* f = get("formatting", json::value_t::string, "\"alpaca\" or \"sharegpt\"");
        if (!f) return;
        const std::string v = f->get<std::string>();
        if (v == "alpaca") entry_.formatting = DatasetFormat::Alpaca;
        else if (v == "sharegpt") entry_.formatting = DatasetFormat::Sharegpt;
        else fail("registry_entry_formatting", {v});
    }

    void parse_num_samples() {
        auto it = value_.find("num_samples");
        if (it == value_.end() || it->is_null()) return;
        if (!it->is_number_integer() || it->get<long long>() < 1)
            fail("registry_entry_num_samples", {it->dump()});
        entry_.num_samples = it->get<size_t>();
    }

    void parse_columns(const json& columns) {
        const bool alpaca = entry_.formatting == DatasetFormat::Alpaca;
        for (const ColumnKey& c : kColumns) {
            if (!(alpaca ? c.alpaca : c.sharegpt)) continue;
            entry_.columns.*c.member = name_in(columns, c.key, "columns");
        }
    }

    void parse_tags(const json& tags) {
        if (entry_.formatting != DatasetFormat::Sharegpt) return;  // LLaMA-Factory ignores them for alpaca
        for (const auto& [key, member] : kTags) entry_.tags.*member = name_in(tags, key, "tags");
    }

    // A column or tag name: a string, or null/absent for "none".
    std::string name_in(const json& obj, const char* key, const char* section) const {
        auto it = obj.find(key);
        if (it == obj.end() || it->is_null()) return "";
        if (!it->is_string())
            fail("registry_entry_field_type", {std::string(section) + "." + key, json_type_phrase(*it), "a string"});
        return it->get<std::string>();
    }

    std::string origin_, name_;
    const json& value_;
    DatasetEntry entry_;
};

}  // namespace

DatasetRegistry DatasetRegistry::load(const std::string& dataset_dir) {
    if (!dir_exists(dataset_dir)) throw DataError(plain_problem("dataset_dir_not_found", {dataset_dir}));
    const std::string path = path_join(dataset_dir, "dataset_info.json");
    if (!file_exists(path))
        throw DataError(plain_problem("dataset_dir_no_info", {dataset_dir}));
    return from_json(read_json_file(path), dataset_dir, path);
}

DatasetRegistry DatasetRegistry::from_json(const nlohmann::json& info, const std::string& dataset_dir,
                                           const std::string& origin) {
    if (!info.is_object())
        throw DataError(file_problem(origin, 0, 0, "registry_not_object", {json_type_phrase(info)}));
    DatasetRegistry reg;
    reg.dir_ = dataset_dir;
    reg.path_ = origin;
    for (auto it = info.begin(); it != info.end(); ++it)  // nlohmann::json keeps keys sorted
        reg.entries_.push_back(EntryParser(origin, it.key(), it.value()).parse());
    return reg;
}

const DatasetEntry* DatasetRegistry::find(const std::string& name) const {
    for (const auto& e : entries_)
        if (e.name == name) return &e;
    return nullptr;
}

const DatasetEntry& DatasetRegistry::get(const std::string& name) const {
    if (const DatasetEntry* e = find(name)) return *e;
    const DatasetEntry* best = nullptr;
    size_t best_d = 0;
    for (const auto& e : entries_) {
        const size_t d = edit_distance(name, e.name);
        if (!best || d < best_d) best = &e, best_d = d;
    }
    // Only suggest a name that is plausibly a typo of the one asked for.
    if (best && best_d <= std::max<size_t>(2, name.size() / 3))
        throw DataError(plain_problem("unknown_dataset_did_you_mean", {name, path_, best->name}));
    if (entries_.empty()) throw DataError(plain_problem("unknown_dataset_empty_registry", {name, path_}));
    throw DataError(plain_problem("unknown_dataset", {name, path_}));
}

std::vector<std::string> DatasetRegistry::names_for_stage(Stage stage) const {
    std::vector<std::string> out;
    for (const auto& e : entries_)
        if (e.is_local() && entry_fits_stage(e, stage)) out.push_back(e.name);
    return out;
}

bool entry_fits_stage(const DatasetEntry& entry, Stage stage) { return stage_mismatch(entry, stage).id.empty(); }

Problem stage_mismatch(const DatasetEntry& e, Stage stage) {
    const std::string s = stage_name(stage);
    if (stage_uses_pairs(stage) && !e.ranking) return plain_problem("stage_needs_ranking_dataset", {s, e.name});
    if (!stage_uses_pairs(stage) && e.ranking) return plain_problem("stage_needs_plain_dataset", {e.name, s});
    if (stage == Stage::Kto && e.columns.kto_tag.empty()) return plain_problem("kto_dataset_without_tag", {e.name});
    return {};
}

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

}  // namespace lathe
