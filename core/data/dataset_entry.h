// One entry of dataset_info.json: where a dataset lives and how its records map onto samples.
// Defaults follow LLaMA-Factory exactly, including one subtlety: when an entry has a "columns"
// (or "tags") object, every column (tag) it does not list is unset, not defaulted. So
// {"columns": {"prompt": "text"}} reads no "input" and no "output".
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace lathe {

enum class DatasetFormat { Alpaca, Sharegpt };

// Column names inside the records; "" = the dataset has no such column.
struct DatasetColumns {
    std::string prompt = "instruction";      // alpaca
    std::string query = "input";             // alpaca
    std::string response = "output";         // alpaca
    std::string history;                     // alpaca: [[query, response], ...]
    std::string messages = "conversations";  // sharegpt
    std::string system;
    std::string tools;
    std::string chosen;    // ranking
    std::string rejected;  // ranking
    std::string kto_tag;   // kto: a boolean column
};

// sharegpt message keys and role values; "" = that role is not accepted.
struct SharegptTags {
    std::string role = "from";
    std::string content = "value";
    std::string user = "human";
    std::string assistant = "gpt";
    std::string observation = "observation";
    std::string function = "function_call";
    std::string system = "system";
};

struct DatasetEntry {
    std::string name;
    std::string file_name;  // file or folder inside dataset_dir; "" for a hub-only entry
    std::string remote;     // e.g. "hf_hub_url 'org/data'" when the entry only names a hub dataset
    DatasetFormat formatting = DatasetFormat::Alpaca;
    bool ranking = false;
    DatasetColumns columns;
    SharegptTags tags;
    std::optional<size_t> num_samples;  // resample to this many records (seeded), as LLaMA-Factory does
    nlohmann::json raw;                 // the entry as written, unknown keys included

    bool is_local() const { return !file_name.empty(); }
};

const char* format_name(DatasetFormat f);  // "alpaca", "sharegpt"

}  // namespace lathe
