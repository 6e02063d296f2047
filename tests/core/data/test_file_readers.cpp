#include "tests/checks.h"
#include "tests/registry.h"

#include "core/data/file_readers.h"
#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <QtTest>
#include <filesystem>
#include <functional>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

std::string fresh_data_dir(const std::string& name) {
    const std::string dir = test::scratch_dir() + "/readers/" + name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string put(const std::string& dir, const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name;
    write_file_atomic(path, text);
    return path;
}

std::vector<RawRecord> read_all(const std::string& path) {
    std::vector<RawRecord> out;
    read_records(path, file_type_of(path), [&](RawRecord& r) {
        out.push_back(r);
        return true;
    });
    return out;
}

using lathe::test::error_of;

bool contains_text(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// "<origin>:<line>:<column>:" as the whole-document parser reports it: the reference position.
std::string reference_position(const std::string& text, const std::string& origin) {
    const std::string msg = error_of([&] { parse_json(text, origin); });
    return msg.substr(0, msg.find(": invalid JSON"));
}

}  // namespace

class TestFileReaders : public QObject {
    Q_OBJECT
private slots:
    void jsonArrayStreamsRecordsWithLines() {
        const std::string p = put(fresh_data_dir("array"), "a.json",
                                  "\xEF\xBB\xBF[\n  {\"a\": \"x, ] }\\\" {\"},\n  {\"b\": [1, {\"c\": \"}\"}]}\n]\n");
        const auto recs = read_all(p);
        QCOMPARE(recs.size(), size_t(2));
        QCOMPARE(recs[0].value["a"].get<std::string>(), std::string("x, ] }\" {"));
        QCOMPARE(recs[1].value["b"][1]["c"].get<std::string>(), std::string("}"));
        QCOMPARE(recs[0].index, size_t(0));
        QCOMPARE(recs[1].index, size_t(1));
        QCOMPARE(recs[0].line, size_t(2));
        QCOMPARE(recs[1].line, size_t(3));
        QVERIFY(recs[0].problem.message.empty() && recs[1].problem.message.empty());
    }
    void jsonArraySyntaxErrorsMatchWholeDocumentPositions() {
        const std::string dir = fresh_data_dir("array_bad");
        const std::vector<std::string> texts = {
            "[\n  {\"a\": 1},\n  {\"b\": tru}\n]\n",       // bad literal inside a record
            "[{\"a\": 1}\n {\"b\": 2}]",                  // missing comma between records
            "[\n {\"a\": \"x\",\n  \"b\": [1, 2}\n]",     // mismatched bracket
            "[{\"é\": \"ü\"} {\"b\": 2}]",                // columns count characters, not bytes
        };
        for (size_t i = 0; i < texts.size(); ++i) {
            const std::string p = put(dir, "bad" + std::to_string(i) + ".json", texts[i]);
            const std::string msg = error_of([&] { read_all(p); });
            const std::string want = reference_position(texts[i], p);
            QVERIFY2(contains_text(want, p + ":"), want.c_str());
            QVERIFY2(msg.rfind(want + ": invalid JSON", 0) == 0, (msg + " | expected " + want).c_str());
        }
    }
    void jsonArrayStructureErrors() {
        const std::string dir = fresh_data_dir("array_structure");
        std::string p = put(dir, "trailing.json", "[{\"a\": 1},\n]");
        std::string msg = error_of([&] { read_all(p); });
        QVERIFY2(msg.rfind(p + ":2:1: invalid JSON: trailing comma", 0) == 0, msg.c_str());
        p = put(dir, "open.json", "[{\"a\": 1}");
        msg = error_of([&] { read_all(p); });
        QVERIFY2(contains_text(msg, p + ":1:10:") && contains_text(msg, "ends before the array's ']'"), msg.c_str());
        p = put(dir, "scalar.json", "\n  42");
        msg = error_of([&] { read_all(p); });
        QVERIFY2(msg.rfind(p + ":2:3: expected a JSON array of records", 0) == 0, msg.c_str());
        p = put(dir, "after.json", "[{\"a\": 1}] x");
        msg = error_of([&] { read_all(p); });
        QVERIFY2(msg.rfind(p + ":1:12: invalid JSON: unexpected content", 0) == 0, msg.c_str());
        p = put(dir, "empty.json", "  \n");
        QCOMPARE(read_all(p).size(), size_t(0));
        p = put(dir, "empty_array.json", "[ ]");
        QCOMPARE(read_all(p).size(), size_t(0));
    }
    void jsonElementThatIsNotAnObject() {
        const std::string p = put(fresh_data_dir("array_scalar"), "s.json", "[{\"a\": 1},\n \"text\", 3]");
        const auto recs = read_all(p);
        QCOMPARE(recs.size(), size_t(3));
        QVERIFY(recs[0].problem.message.empty());
        QCOMPARE(recs[1].problem.message, p + " record 1 (line 2): expected a JSON object, found a string");
        QCOMPARE(recs[2].problem.message, p + " record 2 (line 2): expected a JSON object, found a number");
    }
    void jsonFileHoldingJsonLines() {
        const std::string dir = fresh_data_dir("json_lines");
        const std::string p = put(dir, "lines.json", "{\"a\": 1}\n{\"a\": 2}\n");
        const auto recs = read_all(p);
        QCOMPARE(recs.size(), size_t(2));
        QCOMPARE(recs[1].value["a"].get<int>(), 2);
        QCOMPARE(recs[1].line, size_t(2));
        // A pretty-printed single object is neither an array nor JSON lines.
        const std::string obj = put(dir, "object.json", "{\n  \"data\": [{\"a\": 1}]\n}\n");
        const std::string msg = error_of([&] { read_all(obj); });
        QVERIFY2(msg.rfind(obj + ":1:2: invalid JSON", 0) == 0, msg.c_str());
        QVERIFY2(contains_text(msg, "must hold an array of records, or one record per line"), msg.c_str());
    }
    void jsonlSkipsBlankLinesAndLocatesBadLines() {
        const std::string bad_line = "{\"a\": }";
        const std::string p = put(fresh_data_dir("jsonl"), "d.jsonl",
                                  "{\"a\": 1}\n\n   \n" + bad_line + "\n[1]\n{\"a\": 3}\r\n");
        const auto recs = read_all(p);
        QCOMPARE(recs.size(), size_t(4));
        QCOMPARE(recs[0].line, size_t(1));
        // The bad line is a record error (later lines stay readable) at file:line:column.
        const std::string ref = reference_position(bad_line, "x");  // "x:1:<col>"
        const std::string col = ref.substr(ref.rfind(':') + 1);
        QVERIFY2(recs[1].problem.message.rfind(p + ":4:" + col + ": invalid JSON", 0) == 0, recs[1].problem.message.c_str());
        QCOMPARE(recs[1].index, size_t(1));
        QCOMPARE(recs[2].problem.message, p + " record 2 (line 5): expected a JSON object, found an array");
        QCOMPARE(recs[3].value["a"].get<int>(), 3);
        QCOMPARE(recs[3].line, size_t(6));
    }
    // A number too large for a double is reported by nlohmann as out_of_range, not as a parse error: it
    // must still come out as this record's error (JSON Lines) or a DataError/IoError naming the file (a JSON
    // array, parse_json), never as the library's own exception.
    void numbersTooLargeAreRecordErrors() {
        const std::string dir = fresh_data_dir("bignumber");
        const auto recs = read_all(put(dir, "d.jsonl", "{\"a\": 1}\n{\"a\": 1e99999}\n{\"a\": 3}\n"));
        QCOMPARE(recs.size(), size_t(3));
        QVERIFY2(contains_text(recs[1].problem.message, dir + "/d.jsonl:2") && contains_text(recs[1].problem.message, "invalid JSON: number overflow"),
                 recs[1].problem.message.c_str());
        QCOMPARE(recs[2].value["a"].get<int>(), 3);
        const std::string array = put(dir, "d.json", "[{\"a\": 1e99999}]");
        const std::string msg = error_of([&] { read_all(array); });
        QVERIFY2(contains_text(msg, array) && contains_text(msg, "number overflow"), msg.c_str());
        const std::string whole = error_of([&] { parse_json("{\"a\": -1e99999}", "x.json"); });
        QVERIFY2(whole.rfind("x.json: invalid JSON: number overflow", 0) == 0, whole.c_str());
    }

    void csvFollowsRfc4180() {
        const std::string p = put(fresh_data_dir("csv"), "d.csv",
                                  "\xEF\xBB\xBFinstruction,input,output\r\n"
                                  "\"Say \"\"hi\"\"\",\"a, b\",\"line1\nline2\"\r\n"
                                  "plain,,x\n"
                                  "\n"
                                  "\"\",last,\"\"\n");
        const auto recs = read_all(p);
        QCOMPARE(recs.size(), size_t(3));
        QCOMPARE(recs[0].value["instruction"].get<std::string>(), std::string("Say \"hi\""));
        QCOMPARE(recs[0].value["input"].get<std::string>(), std::string("a, b"));
        QCOMPARE(recs[0].value["output"].get<std::string>(), std::string("line1\nline2"));
        QCOMPARE(recs[0].line, size_t(2));
        QCOMPARE(recs[1].line, size_t(4));  // record 0 spans lines 2-3
        QCOMPARE(recs[1].value["input"].get<std::string>(), std::string(""));
        QVERIFY(recs[1].value["output"].is_string());
        QCOMPARE(recs[2].value["instruction"].get<std::string>(), std::string(""));
        QCOMPARE(recs[2].line, size_t(6));
    }
    void csvErrorsCarryPositions() {
        const std::string dir = fresh_data_dir("csv_bad");
        std::string p = put(dir, "open.csv", "a,b\n1,\"oops\n2,3\n");
        std::string msg = error_of([&] { read_all(p); });
        QVERIFY2(msg.rfind(p + ":2:3: quoted field is never closed", 0) == 0, msg.c_str());
        p = put(dir, "after.csv", "a\n\"x\"y\n");
        msg = error_of([&] { read_all(p); });
        QVERIFY2(msg.rfind(p + ":2:4: unexpected character after a closing quote", 0) == 0, msg.c_str());
        p = put(dir, "dup.csv", "a,b,a\n1,2,3\n");
        msg = error_of([&] { read_all(p); });
        QVERIFY2(msg.rfind(p + ":1:1: the header row names column 'a' twice", 0) == 0, msg.c_str());
        p = put(dir, "count.csv", "a,b\n1\n1,2\n1,2,3\n");
        const auto recs = read_all(p);
        QCOMPARE(recs.size(), size_t(3));
        QCOMPARE(recs[0].problem.message, p + " record 0 (line 2): 1 fields, but the header row has 2");
        QVERIFY(recs[1].problem.message.empty());
        QCOMPARE(recs[2].problem.message, p + " record 2 (line 4): 3 fields, but the header row has 2");
        p = put(dir, "utf8.csv", "a\n\xC3\x28\n");
        QCOMPARE(read_all(p)[0].problem.message, p + " record 0 (line 2): field 'a' is not valid UTF-8");
    }
    // Every reader error carries its place and wording as data (the studio words it in its language): the
    // file, the line and column or the record, the message id and its arguments; the English message is
    // that id's wording after the place.
    void errorsCarryTheirPlaceAsData() {
        const std::string dir = fresh_data_dir("as_data");
        struct Case {
            const char* name;
            const char* text;
            const char* id;
            int64_t line, column, record;
            std::vector<std::string> args;
        };
        const Case cases[] = {
            {"comma.json", "[\n  {\"a\": \"x\"},\n]\n", "json_trailing_comma", 3, 1, -1, {}},
            {"open.json", "[{\"a\": \"x\"}", "json_unclosed_array", 1, 12, -1, {}},
            {"after.json", "[{\"a\": \"x\"}] x", "json_after_array", 1, 14, -1, {}},
            {"scalar.json", "  7", "json_not_records", 1, 3, -1, {}},
            {"elem.json", "[\n{\"a\": tru}]", "invalid_json", 2, 10, -1, {}},
            {"line.jsonl", "{\"a\": 1}\n{\"a\": }\n", "invalid_json", 2, 7, 1, {}},
            {"notobj.jsonl", "{\"a\": 1}\n[1]\n", "record_not_object", 2, -1, 1, {"an array"}},
            {"dup.csv", "a,b,a\n1,2,3\n", "csv_header_twice", 1, 1, -1, {"a"}},
            {"count.csv", "a,b\n1,2\n1\n", "csv_field_count", 3, -1, 1, {"1", "2"}},
            {"utf8.csv", "a\n\xC3\x28\n", "field_not_utf8", 2, -1, 0, {"a"}},
            {"quote.csv", "a\n\"x\n", "csv_unclosed_quote", 2, 1, -1, {}},
            {"bad.txt", "ok\nbad \xFF\n", "not_utf8", 2, 5, 1, {}},
        };
        for (const Case& c : cases) {
            const std::string p = put(dir, c.name, c.text);
            Problem got;
            try {
                for (const RawRecord& r : read_all(p))
                    if (r.failed() && got.message.empty()) got = r.problem;
            } catch (const DataError& e) {
                got = e.problem();
            }
            QVERIFY2(!got.message.empty(), c.name);
            QVERIFY2(got.id == c.id, (std::string(c.name) + ": " + got.id).c_str());
            QVERIFY2(got.file == p, c.name);
            QVERIFY2(got.line == c.line, (std::string(c.name) + ": line " + std::to_string(got.line)).c_str());
            QVERIFY2(got.record == c.record, (std::string(c.name) + ": record " + std::to_string(got.record)).c_str());
            if (c.record < 0)  // a record's problem is placed by its record; the rest by line and column
                QVERIFY2(got.column == c.column, (std::string(c.name) + ": column " + std::to_string(got.column)).c_str());
            if (c.args.empty()) QVERIFY2(c.id != std::string("invalid_json") || got.args.size() == 1, c.name);
            else QVERIFY2(got.args == c.args, c.name);
            const std::string wording = format_message(got.id, got.args);
            QVERIFY2(got.message.size() > wording.size() && got.message.compare(got.message.size() - wording.size(),
                                                                                wording.size(), wording) == 0,
                     got.message.c_str());
            QVERIFY2(got.message.rfind(p, 0) == 0, got.message.c_str());
        }
        // Files and folders: the path as the file, no line.
        for (const auto& [path, id] : std::vector<std::pair<std::string, std::string>>{
                 {put(dir, "data.parquet", "x"), "unsupported_file_type"},
                 {put(dir, "README", "x"), "no_file_type"},
                 {dir + "/missing", "file_or_folder_not_found"}}) {
            Problem got;
            try {
                list_data_files(path);
            } catch (const DataError& e) {
                got = e.problem();
            }
            QCOMPARE(got.id, id);
            QCOMPARE(got.file, path);
            QCOMPARE(got.line, int64_t(-1));
        }
    }

    void txtIsOneDocumentPerLine() {
        const std::string p = put(fresh_data_dir("txt"), "d.txt", "first doc\n\n  \t\nsecond, doc\r\nbad \xFF byte\n");
        const auto recs = read_all(p);
        QCOMPARE(recs.size(), size_t(3));
        QCOMPARE(recs[0].value, nlohmann::json({{"text", "first doc"}}));
        QCOMPARE(recs[1].value["text"].get<std::string>(), std::string("second, doc"));
        QCOMPARE(recs[1].line, size_t(4));
        QCOMPARE(recs[1].index, size_t(1));
        QCOMPARE(recs[2].problem.message, p + ":5:5: not valid UTF-8");
    }
    void visitorCanStopEarly() {
        const std::string dir = fresh_data_dir("stop");
        for (const std::string& p : {put(dir, "a.jsonl", "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n"),
                                     put(dir, "a.json", "[{\"i\":0},{\"i\":1},{\"i\":2}]"),
                                     put(dir, "a.csv", "i\n0\n1\n2\n"), put(dir, "a.txt", "0\n1\n2\n")}) {
            size_t seen = 0;
            read_records(p, file_type_of(p), [&](RawRecord&) { return ++seen < 2; });
            QCOMPARE(seen, size_t(2));
        }
    }
    void folderFilesSortedAndOfOneType() {
        const std::string dir = fresh_data_dir("folder");
        put(dir, "b.jsonl", "{}\n");
        put(dir, "a.jsonl", "{}\n");
        put(dir, ".DS_Store", "junk");
        const DataFiles files = list_data_files(dir);
        QVERIFY(files.type == FileType::Jsonl);
        QCOMPARE(files.paths, std::vector<std::string>({dir + "/a.jsonl", dir + "/b.jsonl"}));
        put(dir, "c.csv", "a\n1\n");
        const std::string msg = error_of([&] { list_data_files(dir); });
        QVERIFY2(
            contains_text(msg,
                dir + ": files in a dataset folder must share one type, but 'a.jsonl' is jsonl and 'c.csv' is csv"),
            msg.c_str());
    }
    void folderAndFileErrors() {
        const std::string dir = fresh_data_dir("folder_bad");
        std::string msg = error_of([&] { list_data_files(dir); });
        QCOMPARE(msg, dir + ": the dataset folder holds no data files");
        fs::create_directories(dir + "/sub");
        msg = error_of([&] { list_data_files(dir); });
        QCOMPARE(msg, dir + ": dataset folders hold data files only, but 'sub' is a folder");
        msg = error_of([&] { list_data_files(dir + "/nope.json"); });
        QCOMPARE(msg, dir + "/nope.json: file or folder not found");
        msg = error_of([&] { read_all(dir + "/nope.jsonl"); });
        QCOMPARE(msg, dir + "/nope.jsonl: file not found");
        msg = error_of([&] { file_type_of("data/train.parquet"); });
        QCOMPARE(msg, std::string("data/train.parquet: unsupported file type '.parquet'; datasets are .json, .jsonl, "
                                  ".csv or .txt files"));
        QVERIFY(file_type_of("X.JSONL") == FileType::Jsonl);
    }
};

LATHE_TEST(TestFileReaders)
#include "test_file_readers.moc"
