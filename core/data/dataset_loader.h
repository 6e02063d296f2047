// Loads named datasets for a training stage: registry lookup, file reading, conversion,
// validation, num_samples/max_samples, placeholders. Every record either becomes a Sample or
// fails loudly; with skip_invalid it is skipped and counted in the report, never silently.
#pragma once
#include "core/data/dataset_registry.h"
#include "core/data/dataset_stage.h"
#include "core/data/record.h"
#include "core/util/error.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lathe {

struct DatasetLoadOptions {
    std::optional<size_t> max_samples;  // per dataset, as LLaMA-Factory; counts kept samples; >= 1
    bool skip_invalid = false;          // skip bad records (counted, first reasons kept) instead of failing
    std::string name;                   // fills {{name}} when not empty
    std::string author;                 // fills {{author}} when not empty
    uint64_t seed = 42;                 // for entries with num_samples
};

struct DatasetReport {
    static constexpr size_t kMaxReasons = 5;
    std::string name;
    std::string path;           // the file or folder read
    size_t records_read = 0;    // records looked at (reading stops early once max_samples are kept)
    size_t kept = 0;            // samples contributed, after num_samples and max_samples
    size_t skipped = 0;         // invalid records skipped (only with skip_invalid)
    std::vector<Problem> skip_reasons;  // the first kMaxReasons problems, each with file and record
};

struct DatasetLoadReport {
    std::vector<DatasetReport> datasets;
    size_t total_kept() const;
    size_t total_skipped() const;
    std::string summary() const;  // one line per dataset, then the first skip reasons
    Problem note() const;         // the same as data
};

struct LoadedDatasets {
    std::vector<Sample> samples;  // datasets in the order named, records in file order
    DatasetLoadReport report;
};

// Checks every name, its stage fit, columns and files before reading any record, then reads the
// datasets in order. Throws DataError: unknown name (with a suggestion), a dataset that does not
// fit `stage`, a missing file (the path looked for), unreadable JSON/CSV (file:line:column), an
// invalid record without skip_invalid (file, record, field), a dataset with no records, or one
// where no valid sample remains. ConfigError for bad options.
LoadedDatasets load_datasets(const DatasetRegistry& registry, const std::vector<std::string>& names, Stage stage,
                             const DatasetLoadOptions& options = {});
// Same, loading <dataset_dir>/dataset_info.json and splitting a comma list of names.
LoadedDatasets load_datasets(const std::string& dataset_dir, const std::string& names, Stage stage,
                             const DatasetLoadOptions& options = {});

}  // namespace lathe
