// What a training record looks like to the model: the rendered chat template, each token with
// whether the loss trains on it, and the counts. Backs the studio's dataset Preview dialog; no Qt and
// no LibTorch in this header.
#pragma once
#include "core/util/error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lathe {

struct TrainConfig;

struct PreviewPiece {
    std::string text;  // the text this token completes (may be "" for a partial UTF-8 character)
    bool trained = false;
};

struct RecordPreview {
    std::string source;                // "identity.json#3"
    std::vector<PreviewPiece> pieces;  // in order; for preference pairs the chosen side, then the rejected
    size_t rejected_from = 0;          // index of the first rejected piece (pairs only; 0 = none)
    int64_t tokens = 0, trained_tokens = 0;
    bool truncated = false;            // cut to cutoff_len
    bool tokenized = false;            // false: no tokenizer yet (a new model), pieces are text spans
    std::string error;                 // why this record cannot be encoded ("" = fine)
};

class DatasetPreview {
public:
    // Reads up to `max_records` samples of config.dataset for config.stage (placeholders filled) and
    // the tokenizer of config.model_name_or_path (none for create_new_model: its tokenizer is trained
    // at Start). Throws DataError / ConfigError / TokenizerError with the engine's messages.
    DatasetPreview(const TrainConfig& config, size_t max_records = 500);
    ~DatasetPreview();
    DatasetPreview(DatasetPreview&&) noexcept;
    DatasetPreview& operator=(DatasetPreview&&) noexcept;

    size_t size() const;
    // Encodes record `index` exactly as training will (template, cutoff_len, train_on_prompt, mask_history).
    RecordPreview record(size_t index) const;
    const std::string& template_name() const;
    const Problem& summary() const;  // the loader's report, as data (English in .message)

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lathe
