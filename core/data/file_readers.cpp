#include "core/data/file_readers.h"

#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace fs = std::filesystem;

namespace lathe {

namespace {

using json = nlohmann::json;

const std::pair<const char*, FileType> kFileTypes[] = {
    {".json", FileType::Json}, {".jsonl", FileType::Jsonl}, {".csv", FileType::Csv}, {".txt", FileType::Txt},
};

[[noreturn]] void open_failed(const std::string& path) {
    const int err = errno;
    std::error_code ec;
    if (!fs::exists(path, ec)) throw DataError(file_problem(path, 0, 0, "file_not_found"));
    throw DataError(file_problem(path, 0, 0, "cannot_open", {std::strerror(err)}));
}

// A problem at (line, column) of `path`.
DataError at(const std::string& path, size_t line, size_t column, const char* id, std::vector<std::string> args = {}) {
    return DataError(file_problem(path, int64_t(line), int64_t(column), id, std::move(args)));
}

// A problem with record `r` of `path` alone.
Problem record_fault(const std::string& path, const RawRecord& r, const char* id, std::vector<std::string> args = {}) {
    return record_problem(path, int64_t(r.index), int64_t(r.line), id, std::move(args));
}


// "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..." -> "syntax error ..."
std::string parse_reason(const char* what) {
    std::string reason = what;
    const auto pos = reason.find("parse error");
    if (pos != std::string::npos) {
        const auto colon = reason.find(": ", pos);
        if (colon != std::string::npos) reason = reason.substr(colon + 2);
    }
    return reason;
}

// Parses `text`, which starts at (line0, col0) of `path`; errors carry the position in the file.
bool parse_at(const std::string& text, const std::string& path, size_t line0, size_t col0, json& out,
              Problem& error, const char* id = "invalid_json") {
    try {
        out = json::parse(text);
        return true;
    } catch (const json::parse_error& e) {
        size_t l = 1, c = 1;
        line_column(text, e.byte > 0 ? e.byte - 1 : 0, l, c);
        error = file_problem(path, int64_t(line0 + l - 1), int64_t(l == 1 ? col0 + c - 1 : c), id,
                             {parse_reason(e.what())});
        return false;
    } catch (const json::exception& e) {  // a number too large for a double: out_of_range 406
        error = file_problem(path, int64_t(line0), int64_t(col0), id, {json_error_reason(e)});
        return false;
    }
}

// Byte offset of the first invalid UTF-8 sequence in `s`, or npos.
size_t invalid_utf8_at(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return i;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
        i += n;
    }
    return std::string_view::npos;
}

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// getline that drops a trailing '\r' (CRLF files) and, on the first line, a UTF-8 byte order mark.
bool next_line(std::istream& in, std::string& line, size_t& lineno) {
    if (!std::getline(in, line)) return false;
    if (++lineno == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
}

// Byte source that knows the line and column (in characters) of the next byte.
class CharReader {
public:
    explicit CharReader(const std::string& path) {
        if (!buf_.open(path, std::ios::in | std::ios::binary)) open_failed(path);
        char bom[3];
        if (buf_.sgetn(bom, 3) != 3 || std::memcmp(bom, "\xEF\xBB\xBF", 3) != 0) buf_.pubseekpos(0);
    }
    int peek() { return buf_.sgetc(); }
    int get() {
        const int c = buf_.sbumpc();
        if (c == '\n') {
            ++line_;
            column_ = 1;
        } else if (c != EOF && (c & 0xC0) != 0x80) {
            ++column_;
        }
        return c;
    }
    void skip_space() {
        while (peek() != EOF && std::isspace(peek())) get();
    }
    size_t line() const { return line_; }
    size_t column() const { return column_; }

private:
    std::filebuf buf_;
    size_t line_ = 1, column_ = 1;
};

void read_jsonl(const std::string& path, const RecordVisitor& visit, bool json_extension);

// One element of a JSON array, up to the ',' or ']' that ends it at nesting depth 0 (returned,
// consumed) or EOF. Strings are skipped over so that brackets and commas inside them don't count.
int scan_element(CharReader& in, std::string& text) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (;;) {
        const int c = in.get();
        if (c == EOF) return EOF;
        if (in_string) {
            text.push_back(static_cast<char>(c));
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (depth <= 0 && (c == ',' || c == ']')) return c;
        text.push_back(static_cast<char>(c));
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') ++depth;
        else if (c == '}' || c == ']') --depth;
    }
}

// A .json file: an array parsed one element at a time; a file starting with '{' is JSON lines
// (Hugging Face's json loader accepts both, so LLaMA-Factory users have both).
void read_json(const std::string& path, const RecordVisitor& visit) {
    CharReader in(path);
    in.skip_space();
    if (in.peek() == EOF) return;
    if (in.peek() == '{') return read_jsonl(path, visit, true);
    if (in.peek() != '[')
        throw at(path, in.line(), in.column(), "json_not_records");
    in.get();
    bool after_comma = false;
    for (size_t index = 0;; ++index) {
        in.skip_space();
        if (in.peek() == ']') {
            if (after_comma)
                throw at(path, in.line(), in.column(), "json_trailing_comma");
            in.get();
            break;
        }
        const size_t line = in.line(), column = in.column();
        std::string text;
        Problem error;
        const int end = scan_element(in, text);
        RawRecord r;
        r.index = index;
        r.line = line;
        if (!parse_at(text, path, line, column, r.value, error)) throw DataError(std::move(error));
        if (!r.value.is_object()) {
            r.problem = record_fault(path, r, "record_not_object", {json_type_phrase(r.value)});
            r.value = nullptr;
        }
        if (end == EOF) throw at(path, in.line(), in.column(), "json_unclosed_array");
        if (!visit(r)) return;
        if (end == ']') break;
        after_comma = true;
    }
    in.skip_space();
    if (in.peek() != EOF)
        throw at(path, in.line(), in.column(), "json_after_array");
}

void read_jsonl(const std::string& path, const RecordVisitor& visit, bool json_extension) {
    std::ifstream in(path, std::ios::binary);
    if (!in) open_failed(path);
    std::string line;
    size_t lineno = 0, index = 0;
    while (next_line(in, line, lineno)) {
        if (is_blank(line)) continue;
        RawRecord r;
        r.index = index++;
        r.line = lineno;
        // A .json file is one document: a bad line means it is neither an array nor JSON lines.
        if (!parse_at(line, path, lineno, 1, r.value, r.problem, json_extension ? "invalid_json_file" : "invalid_json")) {
            if (json_extension) throw DataError(std::move(r.problem));
            r.problem.record = int64_t(r.index);
        } else if (!r.value.is_object()) {
            r.problem = record_fault(path, r, "record_not_object", {json_type_phrase(r.value)});
            r.value = nullptr;
        }
        if (!visit(r)) return;
    }
    if (in.bad()) throw DataError(file_problem(path, 0, 0, "read_failed"));
}

struct CsvRow {
    std::vector<std::string> fields;
    size_t line = 0;
    bool blank = true;  // an empty line, skipped
};

// A quoted field, from its opening quote: "" stands for one quote; commas and line breaks are data.
void read_quoted(CharReader& in, const std::string& path, char sep, std::string& field) {
    const size_t line = in.line(), column = in.column();
    in.get();
    for (;;) {
        const int c = in.get();
        if (c == EOF) throw at(path, line, column, "csv_unclosed_quote");
        if (c == '"') {
            if (in.peek() != '"') break;
            in.get();
        }
        field.push_back(static_cast<char>(c));
    }
    const int next = in.peek();
    if (next != sep && next != '\n' && next != '\r' && next != EOF)
        throw at(path, in.line(), in.column(), "csv_after_quote");
}

// One RFC 4180 row; false at end of file.
bool read_csv_row(CharReader& in, const std::string& path, char sep, CsvRow& row) {
    row.fields.clear();
    row.blank = true;
    if (in.peek() == EOF) return false;
    row.line = in.line();
    std::string field;
    bool field_start = true;
    for (;;) {
        if (field_start && in.peek() == '"') {
            read_quoted(in, path, sep, field);
            row.blank = field_start = false;
            continue;
        }
        const int c = in.get();
        if (c == '\r' && in.peek() == '\n') continue;
        if (c == EOF || c == '\n') {
            row.fields.push_back(std::move(field));
            return true;
        }
        row.blank = false;
        if (c == sep) {
            row.fields.push_back(std::move(field));
            field.clear();
            field_start = true;
            continue;
        }
        field.push_back(static_cast<char>(c));
        field_start = false;
    }
}

void read_csv(const std::string& path, char sep, const RecordVisitor& visit) {
    CharReader in(path);
    CsvRow row;
    std::vector<std::string> header;
    size_t index = 0;
    while (read_csv_row(in, path, sep, row)) {
        if (row.blank) continue;
        if (header.empty()) {
            header = row.fields;
            for (size_t i = 0; i < header.size(); ++i)
                if (std::find(header.begin(), header.begin() + i, header[i]) != header.begin() + i)
                    throw at(path, row.line, 1, "csv_header_twice", {header[i]});
            continue;
        }
        RawRecord r;
        r.index = index++;
        r.line = row.line;
        if (row.fields.size() != header.size()) {
            r.problem = record_fault(path, r, "csv_field_count",
                                     {std::to_string(row.fields.size()), std::to_string(header.size())});
        } else {
            r.value = json::object();
            for (size_t i = 0; i < header.size() && !r.failed(); ++i) {
                if (invalid_utf8_at(row.fields[i]) != std::string_view::npos)
                    r.problem = record_fault(path, r, "field_not_utf8", {header[i]});
                r.value[header[i]] = std::move(row.fields[i]);
            }
            if (r.failed()) r.value = nullptr;
        }
        if (!visit(r)) return;
    }
}

void read_txt(const std::string& path, const RecordVisitor& visit) {
    std::ifstream in(path, std::ios::binary);
    if (!in) open_failed(path);
    std::string line;
    size_t lineno = 0, index = 0;
    while (next_line(in, line, lineno)) {
        if (is_blank(line)) continue;
        RawRecord r;
        r.index = index++;
        r.line = lineno;
        const size_t bad = invalid_utf8_at(line);
        if (bad != std::string_view::npos) {
            size_t l = 1, c = 1;
            line_column(line, bad, l, c);
            r.problem = file_problem(path, int64_t(lineno), int64_t(c), "not_utf8");
            r.problem.record = int64_t(r.index);
        } else {
            r.value = json{{"text", std::move(line)}};
        }
        if (!visit(r)) return;
    }
    if (in.bad()) throw DataError(file_problem(path, 0, 0, "read_failed"));
}

}  // namespace

const char* file_type_name(FileType t) {
    for (const auto& [ext, type] : kFileTypes)
        if (type == t) return ext + 1;
    return "?";
}

FileType file_type_of(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const auto& [e, type] : kFileTypes)
        if (ext == e) return type;
    if (ext.empty()) throw DataError(file_problem(path, 0, 0, "no_file_type"));
    throw DataError(file_problem(path, 0, 0, "unsupported_file_type", {ext}));
}

void read_records(const std::string& path, FileType type, const RecordVisitor& visit) {
    switch (type) {
        case FileType::Json: return read_json(path, visit);
        case FileType::Jsonl: return read_jsonl(path, visit, false);
        case FileType::Csv: return read_csv(path, ',', visit);
        case FileType::Txt: return read_txt(path, visit);
    }
}

void read_delimited_records(const std::string& path, char separator, const RecordVisitor& visit) {
    read_csv(path, separator, visit);
}

std::string record_location(const std::string& file, const RawRecord& record) {
    return record_place(file, int64_t(record.index), int64_t(record.line));
}

bool parse_json_line(const std::string& line, const std::string& path, size_t lineno, json& out, Problem& error) {
    return parse_at(line, path, lineno, 1, out, error);
}

DataFiles list_data_files(const std::string& path) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return {file_type_of(path), {path}};
    if (!fs::is_directory(path, ec)) throw DataError(file_problem(path, 0, 0, "file_or_folder_not_found"));
    std::vector<std::string> names;
    for (const auto& item : fs::directory_iterator(path, ec)) {
        const std::string name = item.path().filename().string();
        if (name.empty() || name[0] == '.') continue;  // .DS_Store, editor swap files
        if (item.is_directory(ec))
            throw DataError(file_problem(path, 0, 0, "folder_has_folder", {name}));
        names.push_back(name);
    }
    if (ec) throw DataError(file_problem(path, 0, 0, "cannot_list_folder", {ec.message()}));
    if (names.empty()) throw DataError(file_problem(path, 0, 0, "folder_empty"));
    std::sort(names.begin(), names.end());
    DataFiles out;
    out.type = file_type_of((fs::path(path) / names.front()).string());
    for (const auto& name : names) {
        const std::string file = (fs::path(path) / name).string();
        if (file_type_of(file) != out.type)
            throw DataError(file_problem(path, 0, 0, "folder_mixed_types",
                                         {names.front(), file_type_name(out.type), name, file_type_name(file_type_of(file))}));
        out.paths.push_back(file);
    }
    return out;
}

}  // namespace lathe
