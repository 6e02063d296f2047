// dataset_info.json: the registry of named datasets inside a dataset directory (LLaMA-Factory's
// format). Loading checks every entry, so a typo surfaces before any data is read.
#pragma once
#include "core/data/dataset_entry.h"
#include "core/data/dataset_stage.h"
#include "core/util/error.h"

#include <string>
#include <vector>

namespace lathe {

class DatasetRegistry {
public:
    // Reads <dataset_dir>/dataset_info.json. Throws DataError when the directory or the file is
    // missing or an entry is malformed (no file_name, unknown formatting, wrong types), and
    // IoError (file:line:column) when the JSON does not parse.
    static DatasetRegistry load(const std::string& dataset_dir);
    // Builds a registry from JSON already in memory; `origin` names it in messages.
    static DatasetRegistry from_json(const nlohmann::json& info, const std::string& dataset_dir,
                                     const std::string& origin);

    const std::string& dir() const { return dir_; }
    const std::string& path() const { return path_; }  // the dataset_info.json it came from
    const std::vector<DatasetEntry>& entries() const { return entries_; }  // sorted by name

    const DatasetEntry* find(const std::string& name) const;
    // Throws DataError for an unknown name, suggesting the closest registered one.
    const DatasetEntry& get(const std::string& name) const;
    // Local datasets that can train `stage`, sorted by name.
    std::vector<std::string> names_for_stage(Stage stage) const;

private:
    std::string dir_, path_;
    std::vector<DatasetEntry> entries_;
};

// Whether `entry` can feed `stage`: rm/dpo take ranking entries, kto takes non-ranking entries
// with a kto_tag column, pt/sft/ppo take non-ranking entries.
bool entry_fits_stage(const DatasetEntry& entry, Stage stage);
// Why it does not fit, as a problem to report; one without an id when it fits.
Problem stage_mismatch(const DatasetEntry& entry, Stage stage);

// Levenshtein distance in bytes, for "did you mean" suggestions.
size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace lathe
