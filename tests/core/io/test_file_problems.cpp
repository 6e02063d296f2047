// The model-side readers' errors as data: a safetensors, GGUF, tokenizer or config.json file that cannot be
// read names the file and the kind of file by message id (the studio words it in its language), and keeps
// the parser's English message; a missing model folder or config.json has an id of its own.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/gguf.h"
#include "core/io/safetensors.h"
#include "core/model/config.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <QtTest>
#include <filesystem>
#include <functional>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

std::string fresh_problem_dir(const std::string& name) {
    const std::string dir = test::scratch_dir() + "/file-problems/" + name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

Problem problem_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.problem();
    }
    return {};
}

}  // namespace

class TestFileProblems : public QObject {
    Q_OBJECT
private slots:
    void readersNameTheFileAndItsKind() {
        const std::string dir = fresh_problem_dir("kinds");
        const std::string st = dir + "/model.safetensors";
        write_file_atomic(st, std::string("\xE8\x03\0\0\0\0\0\0{}", 10));  // the header claims 1000 bytes
        const std::string gguf = dir + "/model.gguf";
        write_file_atomic(gguf, std::string("GGUX") + std::string(40, '\0'));
        const std::string tok = fresh_problem_dir("tokenizer");
        write_file_atomic(tok + "/tokenizer.json", "{\"model\": ");
        const std::string cfg = fresh_problem_dir("config");
        write_file_atomic(cfg + "/config.json", "{\"model_type\": \"no-such-family\"}");
        struct Case {
            const char* id;      // the reader's own id, or the kind of file's "<kind>_unreadable" ("{0}")
            std::string file;
            std::function<void()> read;
            std::string detail;  // the start of the wording, after "file: "
            int64_t line = -1;   // where the parser placed it
        };
        const Case cases[] = {
            {"safetensors_header_too_long", st, [&] { SafetensorsFile f(st); }, "header says 1000 bytes but the file has 10"},
            {"gguf_unreadable", gguf, [&] { GgufFile f(gguf); }, "not a GGUF file (magic 'GGUX'"},
            {"json_invalid", tok + "/tokenizer.json", [&] { Tokenizer::from_dir(tok); }, "invalid JSON", 1},
            {"model_type_unsupported", cfg + "/config.json", [&] { read_model_config(cfg); },
             "model_type 'no-such-family' is not supported"},
        };
        for (const Case& c : cases) {
            const Problem p = problem_of(c.read);
            QVERIFY2(p.id == c.id, (std::string(c.id) + ": got '" + p.id + "': " + p.message).c_str());
            QCOMPARE(p.file, c.file);
            const std::string wording = format_message(p.id, p.args);
            QVERIFY2(wording.rfind(c.detail, 0) == 0, wording.c_str());
            for (const std::string& a : p.args)
                QVERIFY2(a.rfind(c.file, 0) != 0, (c.file + " repeated: " + a).c_str());
            // The English message is the parser's, as before; a JSON parser's line and column are data too.
            std::string where = c.file;
            if (p.line > 0) where += ":" + std::to_string(p.line);
            if (p.column > 0) where += ":" + std::to_string(p.column);
            QCOMPARE(p.message, where + ": " + wording);
            QCOMPARE(p.line, c.line);
        }
    }

    void missingFoldersHaveTheirOwnIds() {
        const std::string gone = test::scratch_dir() + "/file-problems/gone";
        fs::remove_all(gone);
        Problem p = problem_of([&] { read_model_config(gone); });
        QCOMPARE(p.id, std::string("model_folder_missing"));
        QCOMPARE(p.args, std::vector<std::string>({gone}));
        QCOMPARE(p.message, "model folder '" + gone + "' does not exist");
        const std::string empty = fresh_problem_dir("empty");
        p = problem_of([&] { read_model_config(empty); });
        QCOMPARE(p.id, std::string("no_config_json"));
        QCOMPARE(p.file, empty);
        QVERIFY2(p.message.rfind(empty + ": no config.json", 0) == 0, p.message.c_str());
    }
};

LATHE_TEST(TestFileProblems)
#include "test_file_problems.moc"
