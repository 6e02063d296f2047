#include "core/io/json_file.h"

#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>

namespace lathe {

void line_column(std::string_view text, size_t offset, size_t& line, size_t& column) {
    line = 1;
    column = 1;
    const size_t end = std::min(offset, text.size());
    for (size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++column;  // count characters, not UTF-8 continuation bytes
        }
    }
}

std::string json_error_reason(const std::exception& e) {
    std::string reason = e.what();  // "[json.exception.out_of_range.406] number overflow parsing '1e99999'"
    const auto bracket = reason.find("] ");
    return bracket == std::string::npos ? reason : reason.substr(bracket + 2);
}

const char* json_type_phrase(const nlohmann::json& v) {
    switch (v.type()) {
        case nlohmann::json::value_t::null: return "null";
        case nlohmann::json::value_t::boolean: return "a boolean";
        case nlohmann::json::value_t::string: return "a string";
        case nlohmann::json::value_t::array: return "an array";
        case nlohmann::json::value_t::object: return "an object";
        case nlohmann::json::value_t::binary: return "binary data";
        default: return "a number";
    }
}

nlohmann::json parse_json(std::string_view text, const std::string& origin) {
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        // nlohmann's byte is 1-based and points just past the offending character.
        size_t line = 1, column = 1;
        line_column(text, e.byte > 0 ? e.byte - 1 : 0, line, column);
        std::string reason = e.what();
        const auto pos = reason.find("parse error");
        if (pos != std::string::npos) {
            const auto colon = reason.find(": ", pos);
            if (colon != std::string::npos) reason = reason.substr(colon + 2);
        }
        throw IoError(file_problem(origin, int64_t(line), int64_t(column), "json_invalid", {reason}));
    } catch (const nlohmann::json::exception& e) {  // a number too large for a double: out_of_range 406
        throw IoError(file_problem(origin, 0, 0, "json_invalid", {json_error_reason(e)}));
    }
}

nlohmann::json read_json_file(const std::string& path) {
    return parse_json(read_file(path), path);
}

void write_json_file(const std::string& path, const nlohmann::json& value, int indent) {
    write_file_atomic(path, value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace lathe
