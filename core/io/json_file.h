// JSON files with errors that name the file, line and column.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <exception>
#include <string>
#include <string_view>

namespace lathe {

// Parses `path`; throws IoError "<path>:<line>:<column>: invalid JSON: <reason>".
nlohmann::json read_json_file(const std::string& path);

// Parses `text` that came from `origin` (a file name used in messages).
nlohmann::json parse_json(std::string_view text, const std::string& origin);

// Writes pretty-printed JSON atomically.
void write_json_file(const std::string& path, const nlohmann::json& value, int indent = 2);

// 1-based line and column of byte `offset` in `text`.
void line_column(std::string_view text, size_t offset, size_t& line, size_t& column);
// A nlohmann exception's message without its "[json.exception.<kind>.<id>] " prefix.
std::string json_error_reason(const std::exception& e);

// "a string", "a number", "a boolean", "an array", "an object", "null": for "expected X, found Y" (the
// studio words these phrases too: ui/engine_messages.cpp).
const char* json_type_phrase(const nlohmann::json& value);

}  // namespace lathe
