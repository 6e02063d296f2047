// Streaming readers for the local file types LLaMA-Factory accepts: .json (an array of records,
// or one record per line), .jsonl, .csv (RFC 4180, header row, string values) and .txt (one
// document per line, field "text"). Records are handed out one at a time, so a large file is
// never held in memory twice (nor, apart from .json arrays, once).
#pragma once
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace lathe {

enum class FileType { Json, Jsonl, Csv, Txt };

const char* file_type_name(FileType t);  // "json", "jsonl", "csv", "txt"
// By extension (case-insensitive); throws DataError naming the file and the supported types.
FileType file_type_of(const std::string& path);

// One record as read from disk, before conversion.
struct RawRecord {
    nlohmann::json value;  // a JSON object when `error` is empty
    size_t index = 0;      // 0-based position in its file; unreadable records count too
    size_t line = 0;       // 1-based line where the record starts
    // Set when this record alone could not be read (a bad JSON line, a CSV row with the wrong
    // number of fields, an array element that is not an object): the file, record, line and message id,
    // and the complete English message. Later records are still readable.
    Problem problem;
    bool failed() const { return !problem.message.empty(); }
};

// Called for each record; return false to stop reading.
using RecordVisitor = std::function<bool(RawRecord& record)>;

// Streams the records of one file. Throws DataError when the file is missing or the rest of it
// cannot be read: a syntax error in a .json array, an unterminated CSV quote (file:line:column).
void read_records(const std::string& path, FileType type, const RecordVisitor& visit);

// A .csv-like file with another separator (a tab for .tsv), read by the same RFC 4180 rules.
void read_delimited_records(const std::string& path, char separator, const RecordVisitor& visit);

// "<file> record <index> (line <line>)", the prefix of every message about one record.
std::string record_location(const std::string& file, const RawRecord& record);

// Parses `line`, line `lineno` of `path`, as one JSON value (a JSON-lines record). False with `error` set
// (id "invalid_json", the parser's reason, the line and the column) when it is not JSON.
bool parse_json_line(const std::string& line, const std::string& path, size_t lineno, nlohmann::json& out, Problem& error);

// The files behind a dataset path: the file itself, or the files of a folder sorted by name
// (hidden ones skipped), which must all be of one type.
struct DataFiles {
    FileType type = FileType::Json;
    std::vector<std::string> paths;
};
// Throws DataError naming the path when it does not exist, a folder is empty, holds a
// subfolder or mixes types, or a file type is unsupported.
DataFiles list_data_files(const std::string& path);

}  // namespace lathe
