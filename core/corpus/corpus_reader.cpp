#include "core/corpus/corpus_reader.h"

#include "core/corpus/corpus_config.h"
#include "core/corpus/text_clean.h"
#include "core/data/dataset_registry.h"
#include "core/data/file_readers.h"
#include "core/io/json_file.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"
#include "core/util/strings.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace lathe {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

CorpusFile::Kind kind_of(const std::string& path, const std::string& format, bool in_folder) {
    const std::string f = lower_ascii(format);
    if (f == "text") return in_folder ? CorpusFile::Kind::Whole : CorpusFile::Kind::Lines;
    if (f == "json") return CorpusFile::Kind::Json;
    if (f == "jsonl") return CorpusFile::Kind::Jsonl;
    if (f == "csv") return CorpusFile::Kind::Csv;
    if (f == "tsv") return CorpusFile::Kind::Tsv;
    const std::string ext = lower_ascii(fs::path(path).extension().string());
    if (ext == ".json") return CorpusFile::Kind::Json;
    if (ext == ".jsonl") return CorpusFile::Kind::Jsonl;
    if (ext == ".csv") return CorpusFile::Kind::Csv;
    if (ext == ".tsv") return CorpusFile::Kind::Tsv;
    return in_folder ? CorpusFile::Kind::Whole : CorpusFile::Kind::Lines;
}

std::string byte_hex(unsigned char b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", b);
    return buf;
}

// Why a record cannot be read as a document: a message id of core/util/messages.h and its arguments ("" = it can).
struct Reason {
    std::string id;
    std::vector<std::string> args;
    bool ok() const { return id.empty(); }
};

Reason doc_from_record(const json& v, const std::string& text_column, CorpusDoc& doc);

// The record with its columns renamed, then read as below.
Reason doc_from_record(const json& raw, const std::string& text_column, CorpusDoc& doc,
                       const std::vector<std::pair<std::string, std::string>>& renames) {
    if (renames.empty()) return doc_from_record(raw, text_column, doc);
    json v = raw;
    for (const auto& [source, target] : renames) {
        const auto it = raw.find(source);
        if (it == raw.end() || source == target) continue;
        v.erase(source);
        v[target == "text" ? text_column : target] = *it;
    }
    return doc_from_record(v, text_column, doc);
}

// Texts of a JSON record, in its shape; the shape set when it can be read, else the reason.
Reason doc_from_record(const json& v, const std::string& text_column, CorpusDoc& doc) {
    auto names = [&] {
        std::string out;
        for (auto it = v.begin(); it != v.end(); ++it) out += (out.empty() ? "" : ", ") + it.key();
        return out.empty() ? std::string("none") : out;
    };
    if (const auto t = v.find(text_column); t != v.end()) {
        if (!t->is_string()) return {"corpus_field_type", {text_column, "a string", json_type_phrase(*t)}};
        doc.shape = CorpusDoc::Shape::Text;
        doc.fields.emplace_back("text", t->get<std::string>());
        return {};
    }
    for (const char* key : {"conversations", "messages"}) {
        const auto c = v.find(key);
        if (c == v.end()) continue;
        if (!c->is_array()) return {"corpus_field_type", {key, "an array of turns", json_type_phrase(*c)}};
        doc.shape = CorpusDoc::Shape::ShareGpt;
        if (const auto s = v.find("system"); s != v.end() && s->is_string() && !s->get<std::string>().empty())
            doc.fields.emplace_back("system", s->get<std::string>());
        size_t turn = 0;
        for (const json& t : *c) {
            if (!t.is_object()) return {"corpus_turn_not_object", {key, std::to_string(turn)}};
            const auto role = t.contains("from") ? t.find("from") : t.find("role");
            const auto text = t.contains("value") ? t.find("value") : t.find("content");
            if (role == t.end() || !role->is_string() || text == t.end() || !text->is_string())
                return {"corpus_turn_fields", {key, std::to_string(turn)}};
            doc.fields.emplace_back(role->get<std::string>(), text->get<std::string>());
            ++turn;
        }
        return {};
    }
    if (v.contains("instruction") || v.contains("output")) {
        doc.shape = CorpusDoc::Shape::Alpaca;
        for (const char* key : {"system", "instruction", "input", "output"}) {
            const auto f = v.find(key);
            if (f == v.end() || f->is_null()) continue;
            if (!f->is_string()) return {"corpus_field_type", {key, "a string", json_type_phrase(*f)}};
            doc.fields.emplace_back(key, f->get<std::string>());
        }
        return {};
    }
    return {"corpus_no_text_field", {text_column, names()}};
}

void read_lines(const CorpusFile& f, uint32_t index, const CorpusReadCallbacks& cb, bool jsonl,
                const std::string& text_column) {
    std::vector<char> buffer(1 << 20);
    std::ifstream in;
    in.rdbuf()->pubsetbuf(buffer.data(), std::streamsize(buffer.size()));  // before open(), or it is ignored
    in.open(f.path, std::ios::binary);
    if (!in) throw DataError(file_problem(f.path, 0, 0, "cannot_open", {std::strerror(errno)}));
    std::string line;
    uint64_t offset = 0, lineno = 0, record = 0, last_report = 0;
    while (std::getline(in, line)) {
        const uint64_t start = offset;
        offset += line.size() + 1;
        ++lineno;
        size_t skip = 0;
        if (lineno == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) skip = 3;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (skip) line.erase(0, skip);
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        throw_if_cancelled();
        const size_t bad = first_invalid_utf8(line);
        if (bad != std::string::npos) {
            cb.on_error({index, record++,
                         file_problem(f.path, 0, 0, "corpus_line_not_utf8",
                                      {std::to_string(start + skip + bad), std::to_string(lineno),
                                       byte_hex(static_cast<unsigned char>(line[bad]))})});
            continue;
        }
        CorpusDoc doc;
        doc.file = index;
        doc.record = record++;
        doc.line = lineno;
        if (jsonl) {
            json v;
            Problem bad;
            if (!parse_json_line(line, f.path, lineno, v, bad)) {
                cb.on_error({index, doc.record, std::move(bad)});
                continue;
            }
            if (!v.is_object()) {
                cb.on_error({index, doc.record,
                             file_problem(f.path, int64_t(lineno), 0, "record_not_object", {json_type_phrase(v)})});
                continue;
            }
            const Reason why = doc_from_record(v, text_column, doc, f.renames);
            if (!why.ok()) {
                cb.on_error({index, doc.record, file_problem(f.path, int64_t(lineno), 0, why.id, why.args)});
                continue;
            }
        } else {
            doc.fields.emplace_back("text", std::move(line));
            line = std::string();
        }
        if (!cb.on_doc(std::move(doc))) return;
        if (cb.on_bytes && offset - last_report > (1u << 20)) cb.on_bytes(last_report = offset);
    }
    if (in.bad()) throw DataError(file_problem(f.path, 0, 0, "read_failed"));
    if (cb.on_bytes) cb.on_bytes(f.bytes);
}

void read_whole(const CorpusFile& f, uint32_t index, const CorpusReadCallbacks& cb) {
    std::ifstream in(f.path, std::ios::binary);
    if (!in) throw DataError(file_problem(f.path, 0, 0, "cannot_open", {std::strerror(errno)}));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw DataError(file_problem(f.path, 0, 0, "read_failed"));
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    if (cb.on_bytes) cb.on_bytes(f.bytes);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return;
    const size_t bad = first_invalid_utf8(text);
    if (bad != std::string::npos) {
        cb.on_error({index, 0,
                     file_problem(f.path, 0, 0, "corpus_byte_not_utf8",
                                  {std::to_string(bad), byte_hex(static_cast<unsigned char>(text[bad]))})});
        return;
    }
    CorpusDoc doc;
    doc.file = index;
    doc.fields.emplace_back("text", std::move(text));
    cb.on_doc(std::move(doc));
}

void read_structured(const CorpusFile& f, uint32_t index, const std::string& text_column, const CorpusReadCallbacks& cb) {
    auto visit = [&](RawRecord& r) {
        throw_if_cancelled();
        if (r.failed()) {
            cb.on_error({index, r.index, r.problem});
            return true;
        }
        CorpusDoc doc;
        doc.file = index;
        doc.record = r.index;
        doc.line = r.line;
        const Reason why = doc_from_record(r.value, text_column, doc, f.renames);
        if (!why.ok()) {
            cb.on_error({index, r.index, record_problem(f.path, r.index, r.line, why.id, why.args)});
            return true;
        }
        for (const auto& field : doc.fields) {
            const size_t bad = first_invalid_utf8(field.second);
            if (bad == std::string::npos) continue;
            cb.on_error({index, r.index,
                         record_problem(f.path, r.index, r.line, "corpus_field_not_utf8", {field.first, std::to_string(bad)})});
            return true;
        }
        return cb.on_doc(std::move(doc));
    };
    if (f.kind == CorpusFile::Kind::Json) read_records(f.path, FileType::Json, visit);
    else read_delimited_records(f.path, f.kind == CorpusFile::Kind::Tsv ? '\t' : ',', visit);
    if (cb.on_bytes) cb.on_bytes(f.bytes);
}

}  // namespace

std::string CorpusDoc::joined() const {
    if (fields.size() == 1) return fields[0].second;
    std::string out;
    for (const auto& f : fields) {
        if (f.second.empty()) continue;
        if (!out.empty()) out.push_back('\n');
        out += f.second;
    }
    return out;
}

size_t CorpusDoc::bytes() const {
    size_t n = 0;
    for (const auto& f : fields) n += f.second.size();
    return n;
}

namespace {

// A registered dataset's column map as renames onto the workshop's names: alpaca columns onto
// instruction/input/output (a set with no response column is plain text, as LLaMA-Factory's pre-training
// sets are), sharegpt's messages column onto conversations.
std::vector<std::pair<std::string, std::string>> entry_renames(const DatasetEntry& e, const std::string& text_column) {
    std::vector<std::pair<std::string, std::string>> out;
    const DatasetColumns& c = e.columns;
    if (!c.system.empty()) out.emplace_back(c.system, "system");
    if (e.formatting == DatasetFormat::Sharegpt) {
        if (!c.messages.empty()) out.emplace_back(c.messages, "conversations");
        return out;
    }
    if (c.response.empty()) {
        if (!c.prompt.empty()) out.emplace_back(c.prompt, text_column);
        return out;
    }
    if (!c.prompt.empty()) out.emplace_back(c.prompt, "instruction");
    if (!c.query.empty()) out.emplace_back(c.query, "input");
    out.emplace_back(c.response, "output");
    return out;
}

CorpusFile::Kind kind_of_type(FileType t) {
    switch (t) {
        case FileType::Json: return CorpusFile::Kind::Json;
        case FileType::Jsonl: return CorpusFile::Kind::Jsonl;
        case FileType::Csv: return CorpusFile::Kind::Csv;
        case FileType::Txt: return CorpusFile::Kind::Lines;
    }
    return CorpusFile::Kind::Lines;
}

bool inside(const fs::path& path, const fs::path& folder) {
    if (folder.empty()) return false;
    const auto rel = path.lexically_relative(folder);
    return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

std::vector<CorpusFile> list_corpus_files(const CorpusConfig& config) {
    std::vector<CorpusFile> out;
    const auto renames = config.column_renames();
    std::error_code ec;
    const fs::path output = config.output_dir.empty() ? fs::path() : fs::weakly_canonical(config.output_dir, ec);
    for (const std::string& item : config.files()) {
        if (fs::is_regular_file(item, ec)) {
            out.push_back({item, kind_of(item, config.data_format, false), uint64_t(fs::file_size(item, ec)), renames});
            continue;
        }
        if (!fs::is_directory(item, ec)) throw DataError(file_problem(item, 0, 0, "file_or_folder_not_found"));
        std::vector<std::string> found;
        fs::recursive_directory_iterator it(item, fs::directory_options::skip_permission_denied, ec), end;
        if (ec) throw DataError(file_problem(item, 0, 0, "cannot_list_folder", {ec.message()}));
        for (; it != end; it.increment(ec)) {
            if (ec) throw DataError(file_problem(item, 0, 0, "cannot_list_folder", {ec.message()}));
            const std::string name = it->path().filename().string();
            const bool hidden = !name.empty() && name[0] == '.';
            if (it->is_directory(ec)) {
                // The workshop's own output (a run writing into a folder it reads) is not input.
                if (hidden || inside(fs::weakly_canonical(it->path(), ec), output) ||
                    fs::weakly_canonical(it->path(), ec) == output)
                    it.disable_recursion_pending();
                continue;
            }
            if (hidden || name == "dataset_info.json" || name == "data_report.json") continue;
            if (inside(fs::weakly_canonical(it->path(), ec), output)) continue;
            if (it->is_regular_file(ec)) found.push_back(it->path().string());
        }
        std::sort(found.begin(), found.end());
        if (found.empty()) throw DataError(file_problem(item, 0, 0, "corpus_folder_empty"));
        for (const std::string& path : found)
            out.push_back({path, kind_of(path, config.data_format, true), uint64_t(fs::file_size(path, ec)), renames});
    }
    const std::vector<std::string> names = split_list(config.dataset);
    if (!names.empty()) {
        const DatasetRegistry registry = DatasetRegistry::load(config.dataset_dir);
        for (const std::string& name : names) {
            const DatasetEntry& e = registry.get(name);
            if (!e.is_local()) throw DataError(plain_problem("corpus_dataset_remote", {name, e.remote}));
            if (e.ranking) throw DataError(plain_problem("corpus_dataset_ranking", {name}));
            const DataFiles files = list_data_files(path_join(config.dataset_dir, e.file_name));
            for (const std::string& path : files.paths)
                out.push_back({path, kind_of_type(files.type), uint64_t(fs::file_size(path, ec)),
                               entry_renames(e, config.text_column)});
        }
    }
    return out;
}

void read_corpus_file(const CorpusFile& file, uint32_t index, const std::string& text_column,
                      const CorpusReadCallbacks& callbacks) {
    switch (file.kind) {
        case CorpusFile::Kind::Lines: return read_lines(file, index, callbacks, false, text_column);
        case CorpusFile::Kind::Jsonl: return read_lines(file, index, callbacks, true, text_column);
        case CorpusFile::Kind::Whole: return read_whole(file, index, callbacks);
        case CorpusFile::Kind::Json:
        case CorpusFile::Kind::Csv:
        case CorpusFile::Kind::Tsv: return read_structured(file, index, text_column, callbacks);
    }
}

std::string corpus_location(const std::vector<CorpusFile>& files, const CorpusDoc& doc) {
    const std::string& path = doc.file < files.size() ? files[doc.file].path : std::string("?");
    if (doc.line > 0) return path + ":" + std::to_string(doc.line);
    return path;
}

}  // namespace lathe
