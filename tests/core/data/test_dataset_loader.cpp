#include "tests/checks.h"
#include "tests/registry.h"

#include "core/data/dataset_loader.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

#include <QtTest>
#include <filesystem>
#include <functional>
#include <set>

using namespace lathe;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

using lathe::test::error_of;

using lathe::test::has;

json alpaca_records(size_t n, const std::string& tag) {
    json out = json::array();
    for (size_t i = 0; i < n; ++i)
        out.push_back({{"instruction", tag + " q" + std::to_string(i)},
                       {"input", ""},
                       {"output", tag + " a" + std::to_string(i)}});
    return out;
}

// A dataset directory with a registry and the files named in it, written fresh.
struct Fixture {
    std::string dir;
    explicit Fixture(const std::string& name) : dir(test::scratch_dir() + "/loader/" + name) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void info(const json& registry) const { write_file_atomic(dir + "/dataset_info.json", registry.dump(2)); }
    void file(const std::string& rel, const std::string& text) const {
        fs::create_directories(fs::path(dir + "/" + rel).parent_path());
        write_file_atomic(dir + "/" + rel, text);
    }
    void json_file(const std::string& rel, const json& records) const { file(rel, records.dump(2)); }
};

}  // namespace

class TestDatasetLoader : public QObject {
    Q_OBJECT
private slots:
    void loadsSeveralDatasetsInOrder() {
        Fixture f("several");
        f.info({{"a", {{"file_name", "a.json"}}},
                {"b", {{"file_name", "b.jsonl"}}},
                {"c", {{"file_name", "c.csv"}}}});
        f.json_file("a.json", alpaca_records(3, "A"));
        f.file("b.jsonl", alpaca_records(2, "B")[0].dump() + "\n\n" + alpaca_records(2, "B")[1].dump() + "\n");
        f.file("c.csv", "instruction,input,output\n\"C, q0\",,\"C a0\"\n");
        const LoadedDatasets got = load_datasets(f.dir, " a, b ,c,", Stage::Sft);
        QCOMPARE(got.samples.size(), size_t(6));
        QCOMPARE(got.samples[0].prompt.at(0).content, std::string("A q0"));
        QCOMPARE(got.samples[3].prompt.at(0).content, std::string("B q0"));
        QCOMPARE(got.samples[4].source, std::string("b.jsonl#1"));
        QCOMPARE(got.samples[5].prompt.at(0).content, std::string("C, q0"));
        QCOMPARE(got.samples[5].response.at(0).content, std::string("C a0"));
        QCOMPARE(got.samples[2].source, std::string("a.json#2"));
        QCOMPARE(got.report.datasets.size(), size_t(3));
        QCOMPARE(got.report.datasets[1].name, std::string("b"));
        QCOMPARE(got.report.datasets[1].records_read, size_t(2));
        QCOMPARE(got.report.datasets[1].kept, size_t(2));
        QCOMPARE(got.report.total_kept(), size_t(6));
        QCOMPARE(split_list("x,, y ,"), std::vector<std::string>({"x", "y"}));
    }
    void recordErrorNamesFileRecordAndField() {
        Fixture f("record_error");
        f.info({{"x", {{"file_name", "x.json"}}}});
        json recs = alpaca_records(20, "X");
        recs[17].erase("output");
        f.json_file("x.json", recs);
        const std::string msg = error_of([&] { load_datasets(f.dir, "x", Stage::Sft); });
        // dump(2) puts record i's '{' on line 2 + 5 * i.
        QCOMPARE(msg, f.dir + "/x.json record 17 (line 87): missing field 'output'");
        recs = alpaca_records(3, "X");
        recs[1]["output"] = 5;
        f.json_file("x.json", recs);
        QCOMPARE(error_of([&] { load_datasets(f.dir, "x", Stage::Sft); }),
                 f.dir + "/x.json record 1 (line 7): field 'output' is a number, expected a string");
        // ...and as data: the file, the record and line, the message id and its arguments (the caller, which
        // knows the setting that named the dataset, sets the key).
        try {
            load_datasets(f.dir, "x", Stage::Sft);
            QFAIL("the record loaded");
        } catch (const DataError& e) {
            const Problem& p = e.problem();
            QCOMPARE(p.key, std::string());
            QCOMPARE(p.file, f.dir + "/x.json");
            QCOMPARE(p.record, int64_t(1));
            QCOMPARE(p.line, int64_t(7));
            QCOMPARE(p.id, std::string("record_field_type"));
            QCOMPARE(p.args, std::vector<std::string>({"output", "a number", "a string"}));
        }
    }
    void skipInvalidCountsAndReports() {
        Fixture f("skip");
        f.info({{"x", {{"file_name", "x.jsonl"}}}, {"y", {{"file_name", "y.json"}}}});
        std::string lines;
        for (int i = 0; i < 10; ++i) {
            json r = alpaca_records(1, "X" + std::to_string(i))[0];
            if (i % 3 == 0) r.erase("output");  // records 0, 3, 6, 9
            lines += (i == 4 ? std::string("{\"instruction\": ") : r.dump()) + "\n";  // record 4: bad JSON
        }
        f.file("x.jsonl", lines);
        f.json_file("y.json", alpaca_records(2, "Y"));
        DatasetLoadOptions opt;
        opt.skip_invalid = true;
        const LoadedDatasets got = load_datasets(f.dir, "x,y", Stage::Sft, opt);
        const DatasetReport& x = got.report.datasets[0];
        QCOMPARE(x.records_read, size_t(10));
        QCOMPARE(x.skipped, size_t(5));
        QCOMPARE(x.kept, size_t(5));
        QCOMPARE(x.skip_reasons.size(), size_t(5));
        QCOMPARE(x.skip_reasons[0].message, f.dir + "/x.jsonl record 0 (line 1): missing field 'output'");
        // As data too, for the studio's run log in its language: the record and the message id.
        QCOMPARE(x.skip_reasons[0].record, int64_t(0));
        QVERIFY(!x.skip_reasons[0].id.empty());
        QVERIFY2(x.skip_reasons[2].message.rfind(f.dir + "/x.jsonl:5:", 0) == 0, x.skip_reasons[2].message.c_str());
        QVERIFY(has(x.skip_reasons[2].message, "invalid JSON"));
        QCOMPARE(got.report.datasets[1].skipped, size_t(0));
        QCOMPARE(got.report.total_skipped(), size_t(5));
        QCOMPARE(got.samples.size(), size_t(7));
        QCOMPARE(got.samples[0].source, std::string("x.jsonl#1"));
        const std::string summary = got.report.summary();
        QVERIFY2(has(summary, "x: 10 records read, 5 samples kept, 5 skipped"), summary.c_str());
        QVERIFY2(has(summary, "missing field 'output'"), summary.c_str());
        // Without skip_invalid the first bad record stops the load.
        QCOMPARE(error_of([&] { load_datasets(f.dir, "x", Stage::Sft); }),
                 f.dir + "/x.jsonl record 0 (line 1): missing field 'output'");
    }
    void nothingValidOrNothingAtAll() {
        Fixture f("empty");
        f.info({{"none", {{"file_name", "none.json"}}}, {"bad", {{"file_name", "bad.json"}}}});
        f.file("none.json", "[]");
        json bad = alpaca_records(2, "B");
        for (auto& r : bad) r.erase("output");
        f.json_file("bad.json", bad);
        QCOMPARE(error_of([&] { load_datasets(f.dir, "none", Stage::Sft); }),
                 f.dir + "/none.json: holds no records (dataset 'none')");
        DatasetLoadOptions opt;
        opt.skip_invalid = true;
        QCOMPARE(error_of([&] { load_datasets(f.dir, "bad", Stage::Sft, opt); }),
                 f.dir + "/bad.json: no valid samples in dataset 'bad': all 2 records were skipped, the first because: " + f.dir +
                     "/bad.json record 0 (line 2): missing field 'output'");
    }
    void datasetLevelErrors() {
        Fixture f("dataset_errors");
        f.info({{"alpaca_en", {{"file_name", "alpaca_en.json"}}},
                {"pairs", {{"file_name", "pairs.json"}, {"ranking", true}}},
                {"c4", {{"file_name", "c4.json"}, {"columns", {{"prompt", "text"}}}}},
                {"hub", {{"hf_hub_url", "org/hub"}}},
                {"wiki", {{"file_name", "wiki.txt"}}}});
        f.json_file("alpaca_en.json", alpaca_records(1, "A"));
        f.json_file("c4.json", json::array({{{"text", "doc"}}}));
        f.file("wiki.txt", "doc\n");
        const std::string info = f.dir + "/dataset_info.json";
        QCOMPARE(error_of([&] { load_datasets(f.dir, "alpaca_en,alpaca_em", Stage::Sft); }),
                 "unknown dataset 'alpaca_em': " + info + " does not register it; did you mean 'alpaca_en'?");
        QCOMPARE(
            error_of([&] { load_datasets(f.dir, "alpaca_en", Stage::Dpo); }),
            std::string("stage dpo needs preference pairs, but dataset 'alpaca_en' is not marked \"ranking\": true"));
        QCOMPARE(
            error_of([&] { load_datasets(f.dir, "pairs", Stage::Dpo); }),
            "dataset 'pairs' (" + info + "): \"columns\" must name both 'chosen' and 'rejected' for a ranking dataset");
        QCOMPARE(error_of([&] { load_datasets(f.dir, "c4", Stage::Sft); }),
                 "dataset 'c4' (" + info + "): \"columns\" names no 'response' column, which stage sft needs "
                 "(is this a pre-training dataset?)");
        QCOMPARE(error_of([&] { load_datasets(f.dir, "hub", Stage::Sft); }),
                 "dataset 'hub' (" + info +
                     ") names only hf_hub_url 'org/hub'; Lathe reads local files: download it into " + f.dir +
                     " and set \"file_name\"");
        QCOMPARE(error_of([&] { load_datasets(f.dir, "wiki", Stage::Sft); }),
                 f.dir + "/wiki.txt: plain text, which only stage pt can use, not sft (dataset 'wiki')");
        // Names are all checked before any file is read: the missing file is found first.
        fs::remove(f.dir + "/alpaca_en.json");
        QCOMPARE(error_of([&] { load_datasets(f.dir, "c4,alpaca_en", Stage::Pt); }),
                 f.dir + "/alpaca_en.json: file not found (dataset 'alpaca_en' in " + info +
                     " names it as \"file_name\": 'alpaca_en.json')");
        QCOMPARE(error_of([&] { load_datasets(f.dir, " , ", Stage::Pt); }),
                 "no dataset named; set one or more names from " + info);
        DatasetLoadOptions zero;
        zero.max_samples = 0;
        QCOMPARE(error_of([&] { load_datasets(f.dir, "c4", Stage::Pt, zero); }),
                 std::string("max_samples must be at least 1"));
    }
    void pretrainingFromJsonAndText() {
        Fixture f("pretrain");
        f.info({{"c4", {{"file_name", "c4.jsonl"}, {"columns", {{"prompt", "text"}}}}},
                {"wiki", {{"file_name", "wiki.txt"}}}});
        f.file("c4.jsonl", "{\"text\": \"doc one\", \"url\": \"u\"}\n{\"text\": \"doc two\"}\n");
        f.file("wiki.txt", "line one\n\nline two\n");
        const LoadedDatasets got = load_datasets(f.dir, "c4,wiki", Stage::Pt);
        QCOMPARE(got.samples.size(), size_t(4));
        for (const Sample& s : got.samples) QVERIFY(s.kind == SampleKind::Text);
        QCOMPARE(got.samples[1].text, std::string("doc two"));
        QCOMPARE(got.samples[3].text, std::string("line two"));
        QCOMPARE(got.samples[3].source, std::string("wiki.txt#1"));
    }
    void folderDataset() {
        Fixture f("folder");
        f.info({{"parts", {{"file_name", "parts"}, {"formatting", "sharegpt"}}}});
        auto conv = [](const std::string& u, const std::string& a) {
            return json{{"conversations", {{{"from", "human"}, {"value", u}}, {{"from", "gpt"}, {"value", a}}}}}
                       .dump() +
                   "\n";
        };
        f.file("parts/02.jsonl", conv("u2", "a2"));
        f.file("parts/01.jsonl", conv("u1", "a1") + conv("u1b", "a1b"));
        const LoadedDatasets got = load_datasets(f.dir, "parts", Stage::Sft);
        QCOMPARE(got.samples.size(), size_t(3));
        QCOMPARE(got.samples[0].prompt.at(0).content, std::string("u1"));
        QCOMPARE(got.samples[2].response.at(0).content, std::string("a2"));
        QCOMPARE(got.samples[1].source, std::string("parts/01.jsonl#1"));
        QCOMPARE(got.samples[2].source, std::string("parts/02.jsonl#0"));
        QCOMPARE(got.report.datasets[0].records_read, size_t(3));
    }
    void maxSamplesIsPerDataset() {
        Fixture f("max_samples");
        f.info({{"a", {{"file_name", "a.json"}}}, {"b", {{"file_name", "b.json"}}}});
        f.json_file("a.json", alpaca_records(10, "A"));
        f.json_file("b.json", alpaca_records(2, "B"));
        DatasetLoadOptions opt;
        opt.max_samples = 3;
        const LoadedDatasets got = load_datasets(f.dir, "a,b", Stage::Sft, opt);
        QCOMPARE(got.samples.size(), size_t(5));
        QCOMPARE(got.samples[2].prompt.at(0).content, std::string("A q2"));
        QCOMPARE(got.samples[3].prompt.at(0).content, std::string("B q0"));
        QCOMPARE(got.report.datasets[0].records_read, size_t(3));  // reading stops once enough are kept
        QCOMPARE(got.report.datasets[0].kept, size_t(3));
        // max_samples counts kept samples: skipped records do not use it up.
        json recs = alpaca_records(6, "A");
        recs[0].erase("output");
        recs[2].erase("output");
        f.json_file("a.json", recs);
        opt.skip_invalid = true;
        const LoadedDatasets skipped = load_datasets(f.dir, "a", Stage::Sft, opt);
        QCOMPARE(skipped.samples.size(), size_t(3));
        QCOMPARE(skipped.report.datasets[0].records_read, size_t(5));
        QCOMPARE(skipped.samples[2].source, std::string("a.json#4"));
    }
    void numSamplesResamplesWithSeed() {
        Fixture f("num_samples");
        f.info({{"small", {{"file_name", "s.json"}, {"num_samples", 7}}},
                {"big", {{"file_name", "b.json"}, {"num_samples", 3}}}});
        f.json_file("s.json", alpaca_records(4, "S"));
        f.json_file("b.json", alpaca_records(10, "B"));
        DatasetLoadOptions opt;
        opt.seed = 7;
        const LoadedDatasets one = load_datasets(f.dir, "small,big", Stage::Sft, opt);
        const LoadedDatasets two = load_datasets(f.dir, "small,big", Stage::Sft, opt);
        QCOMPARE(one.samples.size(), size_t(10));
        std::set<std::string> small_seen;
        for (size_t i = 0; i < one.samples.size(); ++i) {
            QCOMPARE(one.samples[i].source, two.samples[i].source);
            if (i < 7) small_seen.insert(one.samples[i].source);
        }
        QCOMPARE(small_seen.size(), size_t(4));  // every record appears before any repeats
        std::set<std::string> big(
            {one.samples[7].source, one.samples[8].source, one.samples[9].source});
        QCOMPARE(big.size(), size_t(3));
        QCOMPARE(one.report.datasets[0].kept, size_t(7));
        opt.max_samples = 2;  // applied after num_samples, as LLaMA-Factory
        QCOMPARE(load_datasets(f.dir, "small", Stage::Sft, opt).samples.size(), size_t(2));
    }
    void rankingAndKtoDatasets() {
        Fixture f("pref");
        f.info({{"pairs",
                 {{"file_name", "pairs.json"},
                  {"ranking", true},
                  {"columns", {{"prompt", "instruction"}, {"chosen", "chosen"}, {"rejected", "rejected"}}}}},
                {"kto",
                 {{"file_name", "kto.csv"},
                  {"columns", {{"prompt", "instruction"}, {"response", "output"}, {"kto_tag", "label"}}}}}});
        f.json_file("pairs.json", json::array({{{"instruction", "q"}, {"chosen", "c"}, {"rejected", "r"}},
                                               {{"instruction", "q2"}, {"chosen", "same"}, {"rejected", "same"}}}));
        f.file("kto.csv", "instruction,output,label\nq,good,true\nq,bad,false\n");
        DatasetLoadOptions opt;
        opt.skip_invalid = true;
        const LoadedDatasets pairs = load_datasets(f.dir, "pairs", Stage::Dpo, opt);
        QCOMPARE(pairs.samples.size(), size_t(1));
        QCOMPARE(pairs.samples[0].chosen().content, std::string("c"));
        QCOMPARE(pairs.report.datasets[0].skipped, size_t(1));
        QCOMPARE(pairs.report.datasets[0].skip_reasons[0].message,
                 f.dir + "/pairs.json record 1 (line 7): 'chosen' and 'rejected' are identical; a preference pair "
                         "needs two different responses");
        const LoadedDatasets kto = load_datasets(f.dir, "kto", Stage::Kto);
        QCOMPARE(kto.samples.size(), size_t(2));
        QCOMPARE(*kto.samples[0].kto_tag, true);
        QCOMPARE(*kto.samples[1].kto_tag, false);
    }
    void placeholdersFromOptions() {
        Fixture f("identity");
        f.info({{"identity", {{"file_name", "identity.json"}}}});
        f.json_file("identity.json", json::array({{{"instruction", "Who are you?"}, {"input", ""},
                                                    {"output", "I am {{name}}, made by {{author}}."}}}));
        QCOMPARE(load_datasets(f.dir, "identity", Stage::Sft).samples[0].response[0].content,
                 std::string("I am {{name}}, made by {{author}}."));
        DatasetLoadOptions opt;
        opt.name = "Lathe";
        opt.author = "the Lathe team";
        QCOMPARE(load_datasets(f.dir, "identity", Stage::Sft, opt).samples[0].response[0].content,
                 std::string("I am Lathe, made by the Lathe team."));
    }
};

LATHE_TEST(TestDatasetLoader)
#include "test_dataset_loader.moc"
