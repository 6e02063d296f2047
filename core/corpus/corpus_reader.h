// Reading a raw corpus for the data workshop, one document at a time: plain text (one document per line in
// a file given by name, one per file inside a folder), JSON, JSON lines, CSV and TSV with a column map.
// Records keep their shape (plain text, alpaca, sharegpt) so a cleaned SFT set stays an SFT set. Bytes that
// are not UTF-8 make a record unreadable; it is reported with its file and byte offset, never dropped
// silently nor "repaired".
#pragma once
#include "core/util/error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lathe {

struct CorpusConfig;

struct CorpusDoc {
    enum class Shape { Text, Alpaca, ShareGpt };
    Shape shape = Shape::Text;
    // Text: {"text", t}. Alpaca: any of system, instruction, input, output, in that order. ShareGpt: one
    // entry per turn, role ("system", "human", "gpt", ...) and text.
    std::vector<std::pair<std::string, std::string>> fields;
    uint32_t file = 0;    // index into the run's file list
    uint64_t record = 0;  // position in its file, from 0
    uint64_t line = 0;    // line where it starts, from 1 (0: one document per file)

    std::string joined() const;  // the texts, separated by a newline: what length, quality and dedup judge
    size_t bytes() const;
};

struct CorpusFile {
    enum class Kind { Lines, Whole, Json, Jsonl, Csv, Tsv };
    std::string path;
    Kind kind = Kind::Lines;
    uint64_t bytes = 0;
    // Columns renamed (source, target) before a JSON/CSV record's shape is read: the `columns` setting,
    // or a registered dataset's column map.
    std::vector<std::pair<std::string, std::string>> renames;
};

// The files behind data_files, in order (folders walked recursively, sorted by name; hidden entries, the
// output folder and dataset_info.json / data_report.json skipped), then those of the registered datasets
// named by `dataset`. Throws DataError naming the path that does not exist or cannot be listed, and the
// dataset that cannot be read as text (a ranking set).
std::vector<CorpusFile> list_corpus_files(const CorpusConfig& config);

// A record that could not be read: its problem names the file and the record or line, with a complete
// English message ("<file>: byte 120 (line 3): not valid UTF-8 (0xC3)") and a message id the studio words.
struct CorpusReadError {
    uint32_t file = 0;
    uint64_t record = 0;
    Problem problem;
};

struct CorpusReadCallbacks {
    std::function<bool(CorpusDoc&&)> on_doc;             // false stops reading
    std::function<void(CorpusReadError&&)> on_error;
    std::function<void(uint64_t bytes_done)> on_bytes;  // progress through this file, may be coarse
};

// Streams one file. Throws DataError when the file cannot be read at all (missing, a JSON array with a
// syntax error).
void read_corpus_file(const CorpusFile& file, uint32_t index, const std::string& text_column,
                      const CorpusReadCallbacks& callbacks);

// "<file>:<line>" or "<file> record <n>" for reports.
std::string corpus_location(const std::vector<CorpusFile>& files, const CorpusDoc& doc);

}  // namespace lathe
