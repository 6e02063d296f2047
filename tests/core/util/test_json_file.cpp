#include "tests/registry.h"

#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include <QtTest>

using namespace lathe;

class TestJsonFile : public QObject {
    Q_OBJECT
private slots:
    void reportsLineAndColumn() {
        const std::string path = test::scratch_dir() + "/bad.json";
        write_file_atomic(path, "{\n  \"a\": 1,\n  \"b\": tru\n}\n");
        try {
            read_json_file(path);
            QFAIL("expected an error");
        } catch (const IoError& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.rfind(path + ":3:", 0) == 0, msg.c_str());
            QVERIFY2(msg.find("invalid JSON") != std::string::npos, msg.c_str());
        }
    }
    void missingFileNamesThePath() {
        try {
            read_json_file("/nonexistent/x.json");
            QFAIL("expected an error");
        } catch (const IoError& e) {
            QCOMPARE(std::string(e.what()), std::string("/nonexistent/x.json: file not found"));
        }
    }
    void atomicWriteRoundTrip() {
        const std::string path = test::scratch_dir() + "/ok.json";
        write_json_file(path, nlohmann::json{{"k", "값"}});
        QCOMPARE(read_json_file(path)["k"].get<std::string>(), std::string("값"));
        QVERIFY(!file_exists(temp_sibling(path)));
    }
};

LATHE_TEST(TestJsonFile)
#include "test_json_file.moc"
