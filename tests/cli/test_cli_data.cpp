// lathe-cli data: the issue's contract end to end (a YAML file with key=value overrides; the cleaned
// dataset, its registration and data_report.json), and every impossible setting listed at once.
#include "tests/cli/cli_fixtures.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace lathe;
using namespace lathe::test;
using json = nlohmann::json;

class TestCliData : public QObject {
    Q_OBJECT
    std::string root;

private slots:
    void initTestCase() { root = scratch_dir() + "/cli-data"; }

    void cleansACorpusFromYaml() {
        std::filesystem::create_directories(root + "/in");
        write_file_atomic(root + "/in/a.txt",
                          "카드 4111-1111-1111-1111 로 결제했고 주민번호 800101-2345678 은 지웠습니다.\n"
                          "Reach ops at 203.0.113.9 or https://status.example.com today please.\n"
                          "Reach ops at 203.0.113.9 or https://status.example.com today please.\n"
                          "x\n");
        write_file_atomic(root + "/data.yaml", "data_files: " + root + "/in\n"
                                               "data_format: text\n"
                                               "output_dir: " + root + "/out\n"
                                               "dedup: exact\n"
                                               "pii: mask\n"
                                               "min_chars: 5\n");
        // data_format text reads a folder's files one document each; the override makes a.txt one per line.
        const CliResult r = run_cli({"data", root + "/data.yaml", "data_files=" + root + "/in/a.txt",
                                     "dataset_name=clean_ko", "output_format=text"});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY2(r.out.find("4 records in") != std::string::npos, r.out.c_str());
        QVERIFY2(r.out.find("personal data found: rrn 1, card 1, ip 2, url 2") != std::string::npos, r.out.c_str());
        const json report = json::parse(read_file(root + "/out/data_report.json"));
        QCOMPARE(report["input_records"].get<int>(), 4);
        QCOMPARE(report["output_records"].get<int>(), 2);
        for (const json& s : report["steps"]) {
            QVERIFY(s.contains("name") && s.contains("removed") && s.contains("changed"));
            if (s["name"] == "dedup") QCOMPARE(s["removed"].get<int>(), 1);
            if (s["name"] == "length") QCOMPARE(s["removed"].get<int>(), 1);
        }
        QCOMPARE(report["pii"], json::parse(R"({"email":0,"phone":0,"rrn":1,"card":1,"ip":2,"url":2})"));
        const json info = json::parse(read_file(root + "/out/dataset_info.json"));
        QCOMPARE(info["clean_ko"]["file_name"].get<std::string>(), std::string("clean_ko.jsonl"));
        std::ifstream out(root + "/out/clean_ko.jsonl");
        std::string first;
        std::getline(out, first);
        QCOMPARE(json::parse(first)["text"].get<std::string>(),
                 std::string("카드 [CARD] 로 결제했고 주민번호 [RRN] 은 지웠습니다."));
    }

    // No config file: key=value pairs alone, on the defaults.
    void runsFromKeyValuePairsAlone() {
        std::filesystem::create_directories(root + "/plain");
        write_file_atomic(root + "/plain/a.txt", "A first plain document of a reasonable length.\n"
                                                 "A second plain document, also long enough to keep.\n");
        const CliResult r = run_cli({"data", "data_files=" + root + "/plain/a.txt", "output_dir=" + root + "/plain-out",
                                     "dataset_name=plain"});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY2(r.out.find("2 records in") != std::string::npos, r.out.c_str());
        QVERIFY(file_exists(root + "/plain-out/plain.jsonl"));
    }

    void listsEveryProblem() {
        write_file_atomic(root + "/bad.yaml", "data_files: " + root + "/nowhere\noutput_dir: " + root +
                                                  "/o\ndedup: fuzzy\npii: hide\n");
        const CliResult r = run_cli({"data", root + "/bad.yaml", "minhash_num_perm=3"});
        QCOMPARE(r.code, 1);
        for (const char* want : {"dedup: 'fuzzy' is not one of none, exact, minhash", "pii: 'hide' is not one of",
                                 "minhash_num_perm: must be in [16, 1024]", "data_files: '" })
            QVERIFY2(r.err.find(want) != std::string::npos, r.err.c_str());
        const CliResult typo = run_cli({"data", root + "/bad.yaml", "min_char=3"});
        QCOMPARE(typo.code, 1);
        QVERIFY2(typo.err.find("unknown key 'min_char' (did you mean 'min_chars'?)") != std::string::npos, typo.err.c_str());
    }
};

LATHE_TEST(TestCliData)
#include "test_cli_data.moc"
