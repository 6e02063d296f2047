// A whole data-workshop run on small corpora with known answers: every input format, the report's counts
// per step, the registered dataset, unreadable bytes reported with their offset, the output shapes, the
// settings checked before reading, a stable result whatever the thread count, and an abort that leaves
// the output folder as it was.
#include "tests/registry.h"

#include "core/corpus/corpus_config.h"
#include "core/corpus/pipeline.h"
#include "core/data/dataset_registry.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/model/config.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/new_model.h"
#include "tests/core/tokenizer/made_up_corpus.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace lathe;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

std::vector<json> read_jsonl(const std::string& path) {
    std::vector<json> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(json::parse(line));
    return out;
}

json step(const json& report, const std::string& name) {
    for (const json& s : report["steps"])
        if (s["name"] == name) return s;
    return json();
}

CorpusSummary run(const CorpusConfig& c) {
    CorpusEvents ev;
    return run_corpus(c, ev, nullptr);
}

}  // namespace

class TestCorpusPipeline : public QObject {
    Q_OBJECT

    std::string root_;

private slots:
    void initTestCase() { root_ = lathe::test::scratch_dir() + "/corpus"; }

    void plainTextThroughEveryStep() {
        const std::string in = root_ + "/plain/in.txt";
        write(in,
              "Write to kim@example.com or call 010-2222-3333 about the garden project this spring.\n"
              "Write to kim@example.com or call 010-2222-3333 about the garden project this spring.\n"
              "WRITE TO KIM@EXAMPLE.COM OR CALL 010-2222-3333 ABOUT THE GARDEN PROJECT THIS SPRING.\n"
              "\n"
              "tiny\n"
              "한국어 문장도 여기에 있습니다. 정원 가꾸기에 대한 이야기입니다.\n"
              "Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do.\n"
              "bad \xC3\x28 bytes\n");
        CorpusConfig c;
        c.data_files = in;
        c.output_dir = root_ + "/plain/out";
        c.dataset_name = "garden";
        c.min_chars = 10;
        c.quality_filters = true;
        const CorpusSummary s = run(c);
        QVERIFY2(s.status == CorpusSummary::Status::Completed, s.message.c_str());
        const json r = json::parse(read_file(c.output_dir + "/data_report.json"));
        QCOMPARE(r["input_records"].get<int>(), 7);  // the blank line is no record
        QCOMPARE(r["output_records"].get<int>(), 2);
        std::vector<std::string> names;
        for (const json& st : r["steps"]) names.push_back(st["name"]);
        QCOMPARE(names, (std::vector<std::string>{"decode", "normalize", "clean", "pii", "length", "quality", "dedup"}));
        QCOMPARE(step(r, "decode")["removed"].get<int>(), 1);
        QCOMPARE(step(r, "pii")["changed"].get<int>(), 3);
        QCOMPARE(step(r, "length")["removed"].get<int>(), 1);
        QCOMPARE(step(r, "quality")["removed"].get<int>(), 1);
        QCOMPARE(r["quality"]["lorem_ipsum"].get<int>(), 1);
        QCOMPARE(step(r, "dedup")["removed"].get<int>(), 2);  // the copy and the upper-case copy
        QCOMPARE(r["pii"]["email"].get<int>(), 3);
        QCOMPARE(r["pii"]["phone"].get<int>(), 3);
        QCOMPARE(r["pii"]["rrn"].get<int>(), 0);
        for (const char* kind : {"email", "phone", "rrn", "card", "ip", "url"}) QVERIFY(r["pii"].contains(kind));
        // The bad bytes are reported with the file and the byte offset of the 0xC3 that starts them.
        const std::string err = r["errors"][0];
        const size_t offset = read_file(in).find("\xC3\x28");
        QVERIFY2(err.find(in + ": byte " + std::to_string(offset) + " (line 8)") == 0, err.c_str());
        // The duplicate cluster names the kept record and shows it as written.
        const json cl = r["duplicate_clusters"][0];
        QCOMPARE(cl["size"].get<int>(), 3);
        QCOMPARE(cl["kept"]["source"].get<std::string>(), in + ":1");
        QVERIFY(cl["kept"]["text"].get<std::string>().find("kim@example.com") != std::string::npos);

        // Every removed record is kept beside the dataset with its step and reason (not registered).
        const auto removed = read_jsonl(c.output_dir + "/garden.removed.jsonl");
        QCOMPARE(removed.size(), size_t(5));
        std::vector<std::string> steps;
        for (const json& x : removed) steps.push_back(x["step"].get<std::string>() + ":" + x["reason"].get<std::string>().substr(0, 9));
        QCOMPARE(steps, (std::vector<std::string>{"decode:" + in.substr(0, 9), "length:too_short", "quality:lorem_ips",
                                                  "dedup:duplicate", "dedup:duplicate"}));
        QCOMPARE(removed[3]["source"].get<std::string>(), in + ":2");
        QVERIFY(removed[3]["text"].get<std::string>().find("[EMAIL]") != std::string::npos);

        const auto rows = read_jsonl(c.output_dir + "/garden.jsonl");
        QCOMPARE(rows.size(), size_t(2));
        QCOMPARE(rows[0]["text"].get<std::string>(),
                 std::string("Write to [EMAIL] or call [PHONE] about the garden project this spring."));
        // Registered where training finds it, as a pre-training set.
        const DatasetRegistry reg = DatasetRegistry::load(c.output_dir);
        const DatasetEntry& e = reg.get("garden");
        QVERIFY(entry_fits_stage(e, Stage::Pt));
    }

    void everyInputFormat() {
        const std::string dir = root_ + "/formats";
        write(dir + "/a.jsonl", "{\"text\": \"first jsonl document here\"}\n{\"body\": 3}\nnot json\n");
        write(dir + "/b.json", "[{\"text\": \"a json array document\"}]");
        write(dir + "/c.csv", "id,text\n1,\"csv, with a comma\"\n");
        write(dir + "/d.tsv", "text\tid\ntab separated document\t2\n");
        write(dir + "/folder/one.md", "a whole file\nis one document\n");
        write(dir + "/folder/.hidden", "skipped");
        CorpusConfig c;
        c.data_files = dir + "/a.jsonl, " + dir + "/b.json," + dir + "/c.csv," + dir + "/d.tsv," + dir + "/folder";
        c.output_dir = dir + "/out";
        c.pii = "none";
        const CorpusSummary s = run(c);
        QVERIFY2(s.status == CorpusSummary::Status::Completed, s.message.c_str());
        const auto rows = read_jsonl(c.output_dir + "/corpus.jsonl");
        std::vector<std::string> texts;
        for (const json& r : rows) texts.push_back(r["text"]);
        QCOMPARE(texts, (std::vector<std::string>{"first jsonl document here", "a json array document",
                                                  "csv, with a comma", "tab separated document",
                                                  "a whole file\nis one document"}));
        QCOMPARE(s.report.steps.front().removed, size_t(2));
        const std::string& first = s.report.errors[0].message;
        QVERIFY2(first.find("a.jsonl:2: no 'text' field (fields: body)") != std::string::npos, first.c_str());
        // The parser's words and the column, as the dataset reader gives them.
        QVERIFY2(s.report.errors[1].message.find("a.jsonl:3:2: invalid JSON: syntax error while parsing value") !=
                     std::string::npos,
                 s.report.errors[1].message.c_str());
        QCOMPARE(s.report.errors[1].column, int64_t{2});  // "not json": the parser stops at the o
    }

    // Each unreadable record comes as data too: the message id, its arguments and its place, so that the
    // studio can word it in its language; the removed-records file keeps the same for a later look.
    void unreadableRecordsAreData() {
        const std::string dir = root_ + "/unreadable";
        write(dir + "/a.jsonl", "{\"text\": 3}\n{\"body\": \"x\"}\n[1]\n");
        write(dir + "/b.json", "[{\"conversations\": [\"hi\"]},\n {\"conversations\": [{\"from\": 1}]},\n"
                               " {\"messages\": 2}]");
        write(dir + "/c.txt", "fine line of text here\nbad \xC3\x28 bytes\n");
        write(dir + "/d.csv", "text\n\"bad \xC3\x28 bytes\"\n");
        CorpusConfig c;
        c.data_files = dir + "/a.jsonl," + dir + "/b.json," + dir + "/c.txt," + dir + "/d.csv";
        c.output_dir = dir + "/out";
        c.pii = "none";
        std::vector<Problem> live;
        CorpusEvents ev;
        ev.on_unreadable = [&](const Problem& p) { live.push_back(p); };
        const CorpusSummary s = run_corpus(c, ev, nullptr);
        QVERIFY2(s.status == CorpusSummary::Status::Completed, s.message.c_str());
        struct Expected {
            std::string file, id;
            std::vector<std::string> args;
            int64_t record, line;
        };
        const std::string a = dir + "/a.jsonl", b = dir + "/b.json", t = dir + "/c.txt", d = dir + "/d.csv";
        const std::vector<Expected> expected = {
            {a, "corpus_field_type", {"text", "a string", "a number"}, -1, 1},
            {a, "corpus_no_text_field", {"text", "body"}, -1, 2},
            {a, "record_not_object", {"an array"}, -1, 3},
            {b, "corpus_turn_not_object", {"conversations", "0"}, 0, 1},
            {b, "corpus_turn_fields", {"conversations", "0"}, 1, 2},
            {b, "corpus_field_type", {"messages", "an array of turns", "a number"}, 2, 3},
            {t, "corpus_line_not_utf8", {"27", "2", "0xC3"}, -1, -1},
            {d, "field_not_utf8", {"text"}, 0, 2},  // the dataset reader's own check
        };
        QCOMPARE(s.report.errors.size(), expected.size());
        QCOMPARE(live.size(), expected.size());  // fewer than 10: every one as it was read
        for (size_t i = 0; i < expected.size(); ++i) {
            const Problem& p = s.report.errors[i];
            const Expected& e = expected[i];
            QCOMPARE(p.file, e.file);
            QCOMPARE(p.id, e.id);
            QCOMPARE(p.args, e.args);
            QCOMPARE(p.record, e.record);
            QCOMPARE(p.line, e.line);
            QCOMPARE(live[i].message, p.message);
            QVERIFY2(p.message.rfind(e.file, 0) == 0, p.message.c_str());
        }
        QCOMPARE(s.report.errors[6].message, t + ": byte 27 (line 2): not valid UTF-8 (0xC3)");
        QCOMPARE(s.report.errors[0].message, a + ":1: field 'text': expected a string, found a number");

        // The removed-records file: the English reason and the problem as data.
        std::vector<json> removed;
        for (const json& r : read_jsonl(c.output_dir + "/corpus.removed.jsonl"))
            if (r["step"] == "decode") removed.push_back(r);
        QCOMPARE(removed.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            QCOMPARE(removed[i]["reason"].get<std::string>(), s.report.errors[i].message);
            QCOMPARE(removed[i]["problem"]["id"].get<std::string>(), expected[i].id);
            QCOMPARE(removed[i]["problem"]["args"].get<std::vector<std::string>>(), expected[i].args);
            QCOMPARE(removed[i]["problem"]["file"].get<std::string>(), expected[i].file);
        }
    }

    void registeredDatasetsAndColumnMaps() {
        const std::string dir = root_ + "/registry";
        write(dir + "/data/qa.json", R"([{"q": "What is 2+2?", "a": "4", "note": "x"}])");
        write(dir + "/data/web.jsonl", "{\"body\": \"plain web text from a pre-training set\"}\n");
        write(dir + "/data/chat.json",
              R"([{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}])");
        write(dir + "/data/pairs.json", R"([{"instruction": "q", "chosen": "a", "rejected": "b"}])");
        write(dir + "/data/dataset_info.json", R"({
            "qa": {"file_name": "qa.json", "columns": {"prompt": "q", "response": "a"}},
            "web": {"file_name": "web.jsonl", "columns": {"prompt": "body"}},
            "chat": {"file_name": "chat.json", "formatting": "sharegpt", "columns": {"messages": "messages"},
                     "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}},
            "pairs": {"file_name": "pairs.json", "ranking": true, "columns": {"prompt": "instruction", "chosen": "chosen", "rejected": "rejected"}}
        })");
        write(dir + "/table.csv", "question,answer\nWhere is Seoul?,In Korea\n");
        CorpusConfig c;
        c.dataset = "qa, chat";
        c.dataset_dir = dir + "/data";
        c.output_dir = dir + "/out";
        c.output_format = "alpaca";
        CorpusSummary s = run(c);
        QVERIFY2(s.status == CorpusSummary::Status::Completed, s.message.c_str());
        auto rows = read_jsonl(c.output_dir + "/corpus.jsonl");
        QCOMPARE(rows.size(), size_t(2));
        QCOMPARE(rows[0]["instruction"].get<std::string>(), std::string("What is 2+2?"));
        QCOMPARE(rows[0]["output"].get<std::string>(), std::string("4"));
        QCOMPARE(rows[1]["instruction"].get<std::string>(), std::string("hi"));
        QCOMPARE(rows[1]["output"].get<std::string>(), std::string("hello"));

        // A pre-training entry reads as plain text; a CSV takes its column map from `columns`.
        c.dataset = "web";
        c.data_files = dir + "/table.csv";
        c.columns = "instruction=question, output=answer";
        c.output_format = "text";
        c.output_dir = dir + "/out2";
        s = run(c);
        QVERIFY2(s.status == CorpusSummary::Status::Completed, s.message.c_str());
        rows = read_jsonl(c.output_dir + "/corpus.jsonl");
        QCOMPARE(rows[0]["text"].get<std::string>(), std::string("Where is Seoul?\nIn Korea"));
        QCOMPARE(rows[1]["text"].get<std::string>(), std::string("plain web text from a pre-training set"));

        // Ranking sets, unknown names and malformed maps are named before anything is read.
        c.dataset = "pairs";
        auto problems = precheck_corpus(c);
        QCOMPARE(problems.size(), size_t(1));
        QCOMPARE(problems[0].key, std::string("dataset"));
        QVERIFY2(problems[0].message.find("ranking set") != std::string::npos, problems[0].message.c_str());
        QCOMPARE(problems[0].id, std::string("corpus_dataset_ranking"));
        c.dataset = "qa";
        c.columns = "question";
        problems = precheck_corpus(c);
        QCOMPARE(problems.size(), size_t(1));
        QCOMPARE(problems[0].key, std::string("columns"));
    }

    void outputInsideTheInputFolderIsNotReadBack() {
        const std::string dir = root_ + "/self";
        write(dir + "/docs/a.txt", "a document that is read once");
        CorpusConfig c;
        c.data_files = dir + "/docs";
        c.output_dir = dir + "/docs/clean";
        for (int pass = 0; pass < 2; ++pass) {
            const CorpusSummary s = run(c);
            QVERIFY2(s.status == CorpusSummary::Status::Completed, s.message.c_str());
            QCOMPARE(s.report.input_records, size_t(1));
        }
    }

    void shapesSurviveAndConvert() {
        const std::string dir = root_ + "/shapes";
        write(dir + "/sft.jsonl",
              "{\"instruction\": \"Say hi to lee@example.com\", \"input\": \"\", \"output\": \"Hi!\"}\n"
              "{\"conversations\": [{\"from\": \"human\", \"value\": \"Q1\"}, {\"from\": \"gpt\", \"value\": \"A1\"},"
              " {\"from\": \"human\", \"value\": \"Q2\"}, {\"from\": \"gpt\", \"value\": \"A2\"}]}\n");
        CorpusConfig c;
        c.data_files = dir + "/sft.jsonl";
        c.output_dir = dir + "/alpaca";
        c.output_format = "alpaca";
        QVERIFY(run(c).status == CorpusSummary::Status::Completed);
        auto rows = read_jsonl(c.output_dir + "/corpus.jsonl");
        QCOMPARE(rows[0]["instruction"].get<std::string>(), std::string("Say hi to [EMAIL]"));
        QCOMPARE(rows[0]["output"].get<std::string>(), std::string("Hi!"));
        QCOMPARE(rows[1]["instruction"].get<std::string>(), std::string("Q2"));
        QCOMPARE(rows[1]["history"], json::parse(R"([["Q1", "A1"]])"));
        QVERIFY(entry_fits_stage(DatasetRegistry::load(c.output_dir).get("corpus"), Stage::Sft));

        c.output_dir = dir + "/sharegpt";
        c.output_format = "sharegpt";
        QVERIFY(run(c).status == CorpusSummary::Status::Completed);
        rows = read_jsonl(c.output_dir + "/corpus.jsonl");
        QCOMPARE(rows[0]["conversations"][0]["value"].get<std::string>(), std::string("Say hi to [EMAIL]"));
        QCOMPARE(rows[1]["conversations"].size(), size_t(4));
        QVERIFY(entry_fits_stage(DatasetRegistry::load(c.output_dir).get("corpus"), Stage::Sft));

        // Plain documents have no question and answer: said before anything is read.
        CorpusConfig t = c;
        t.data_format = "text";
        const CorpusSummary s = run(t);
        QVERIFY(s.status == CorpusSummary::Status::Failed);
        QCOMPARE(s.problems.front().key, std::string("output_format"));
    }

    void settingsAreCheckedTogetherBeforeReading() {
        CorpusConfig c;
        c.data_files = root_ + "/missing.txt";
        c.output_format = "parquet";
        c.dedup = "fuzzy";
        c.minhash_threshold = 1.5;
        c.min_chars = 50;
        c.max_chars = 10;
        c.dataset_name = "../escape";
        std::vector<std::string> keys;
        for (const Problem& p : precheck_corpus(c)) keys.push_back(p.key);
        QCOMPARE(keys, (std::vector<std::string>{"output_dir", "output_format", "dataset_name", "dedup",
                                                 "minhash_threshold", "max_chars", "data_files"}));
        QVERIFY_THROWS_EXCEPTION(ConfigError, c.set("dedupe", "exact"));
        try {
            c.set("dedupe", "exact");
        } catch (const ConfigError& e) {
            QVERIFY(std::string(e.what()).find("did you mean 'dedup'") != std::string::npos);
        }
        // A broken dataset_info.json in the output folder is named, not overwritten.
        CorpusConfig d;
        d.data_files = root_ + "/plain/in.txt";
        d.output_dir = root_ + "/broken-info";
        write(d.output_dir + "/dataset_info.json", "{ not json");
        const CorpusSummary s = run(d);
        QVERIFY(s.status == CorpusSummary::Status::Failed);
        QVERIFY2(s.message.find("dataset_info.json: not valid JSON") != std::string::npos, s.message.c_str());
        QCOMPARE(read_file(d.output_dir + "/dataset_info.json"), std::string("{ not json"));
        QCOMPARE(s.problems.size(), size_t(1));
        QCOMPARE(s.problems[0].key, std::string("output_dir"));
        QCOMPARE(s.problems[0].file, d.output_dir + "/dataset_info.json");
        QCOMPARE(s.problems[0].id, std::string("dataset_info_invalid"));

        // Every problem found on the disk comes as data too (an id and its arguments), for the studio to word.
        for (const Problem& p : precheck_corpus(c)) QVERIFY2(!p.id.empty(), p.message.c_str());
        CorpusConfig e;
        e.data_files = root_ + "/plain/in.txt";
        e.data_format = "text";
        e.output_format = "alpaca";
        e.compare_tokenizers = root_ + "/no-tokenizer";
        e.output_dir = root_ + "/plain/in.txt";  // a file
        std::vector<std::pair<std::string, std::string>> found;
        for (const Problem& p : precheck_corpus(e)) found.emplace_back(p.key, p.id);
        QCOMPARE(found, (std::vector<std::pair<std::string, std::string>>{{"output_dir", "path_is_a_file"},
                                                                          {"compare_tokenizers", "path_not_a_folder"},
                                                                          {"output_format", "text_keeps_no_records"}}));
    }

    void emptyInputWritesNothing() {
        const std::string dir = root_ + "/empty";
        write(dir + "/blank.txt", "\n  \n\t\n");
        CorpusConfig c;
        c.data_files = dir + "/blank.txt";
        c.output_dir = dir + "/out";
        const CorpusSummary s = run(c);
        QVERIFY(s.status == CorpusSummary::Status::Failed);
        QCOMPARE(s.problems.back().key, std::string("data_files"));
        QVERIFY2(s.message.find("no records in the input") == 0, s.message.c_str());
        QCOMPARE(s.problems.back().id, std::string("corpus_no_records"));  // worded by the studio too
        QVERIFY(!file_exists(c.output_dir + "/corpus.jsonl"));
        QVERIFY(!file_exists(c.output_dir + "/dataset_info.json"));
    }

    void nearDuplicatesAndThreadCountDoNotChangeTheResult() {
        const std::string dir = root_ + "/near";
        std::string text;
        for (int d = 0; d < 300; ++d) {
            std::string doc;
            for (int w = 0; w < 60; ++w) doc += "d" + std::to_string(d) + "w" + std::to_string(w) + " ";
            text += doc + "\n";
            if (d % 3 == 0) text += doc + "extra\n";  // a near-duplicate of it
        }
        write(dir + "/in.txt", text);
        std::string first;
        for (int threads : {1, 2, 3}) {
            CorpusConfig c;
            c.data_files = dir + "/in.txt";
            c.output_dir = dir + "/out" + std::to_string(threads);
            c.dedup = "minhash";
            c.threads = threads;
            const CorpusSummary s = run(c);
            QVERIFY2(s.status == CorpusSummary::Status::Completed, s.message.c_str());
            QCOMPARE(s.report.output_records, size_t(300));
            const std::string out = read_file(c.output_dir + "/corpus.jsonl");
            if (first.empty()) first = out;
            QCOMPARE(out, first);
        }
    }

    void abortLeavesTheOutputAsItWas() {
        const std::string dir = root_ + "/abort";
        std::string text;
        for (int i = 0; i < 20000; ++i) text += "line number " + std::to_string(i) + " of a long corpus\n";
        write(dir + "/in.txt", text);
        write(dir + "/out/corpus.jsonl", "{\"text\": \"the previous run\"}\n");
        CorpusConfig c;
        c.data_files = dir + "/in.txt";
        c.output_dir = dir + "/out";
        std::atomic<bool> stop{false};
        CorpusEvents ev;
        ev.on_progress = [&](double, const std::string&) { stop = true; };
        const CorpusSummary s = run_corpus(c, ev, &stop);
        QVERIFY2(s.status == CorpusSummary::Status::Cancelled, s.message.c_str());
        QCOMPARE(read_file(dir + "/out/corpus.jsonl"), std::string("{\"text\": \"the previous run\"}\n"));
        QVERIFY(!file_exists(dir + "/out/data_report.json"));
        for (const auto& e : fs::directory_iterator(dir + "/out"))
            QVERIFY2(e.path().filename() == "corpus.jsonl", e.path().c_str());
    }

    // SentencePiece cannot stop by itself; Abort while it trains still ends the run within a second, with
    // the output folder as it was (no staged tokenizer folder left beside it).
    void abortWhileTheTokenizerTrains() {
        const std::string dir = root_ + "/abort-tokenizer";
        const std::string text = test::made_up_corpus(5);
        write(dir + "/in.txt", text);
        write(dir + "/out/corpus.jsonl", "{\"text\": \"the previous run\"}\n");
        CorpusConfig c;
        c.data_files = dir + "/in.txt";
        c.output_dir = dir + "/out";
        c.train_tokenizer = true;
        c.tokenizer_vocab_size = 16000;
        c.threads = 1;
        std::atomic<bool> stop{false};
        std::thread aborter;
        std::chrono::steady_clock::time_point asked;
        CorpusEvents ev;
        // What progress names is a file being read or nothing (no English words for the studio to show):
        // the tokenizer's training is told by its note.
        std::string not_a_file;
        ev.on_progress = [&](double, const std::string& what) {
            if (!what.empty() && !file_exists(what)) not_a_file = what;
        };
        ev.on_message = [&](const std::string&, const Problem& line) {
            if (line.id != "corpus_training_tokenizer" || aborter.joinable()) return;
            aborter = std::thread([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(400));
                asked = std::chrono::steady_clock::now();
                stop = true;
            });
        };
        const CorpusSummary s = run_corpus(c, ev, &stop);
        const auto returned = std::chrono::steady_clock::now();
        QVERIFY2(aborter.joinable(), "the tokenizer never started training");
        QVERIFY2(not_a_file.empty(), not_a_file.c_str());
        aborter.join();
        QVERIFY2(s.status == CorpusSummary::Status::Cancelled, s.message.c_str());
        QVERIFY2(std::chrono::duration<double>(returned - asked).count() < 1.0, "Abort took more than a second");
        QCOMPARE(read_file(dir + "/out/corpus.jsonl"), std::string("{\"text\": \"the previous run\"}\n"));
        for (const auto& e : fs::directory_iterator(dir + "/out"))
            QVERIFY2(e.path().filename() == "corpus.jsonl", e.path().c_str());
    }

    void tokenizerLabTrainsAndCompares() {
        const std::string dir = root_ + "/toklab";
        std::string text;
        const char* ko[] = {"오늘은 날씨가 맑습니다", "도서관에서 책을 읽었습니다", "시장에서 사과를 샀습니다", "친구와 산책을 했습니다"};
        const char* en[] = {"the river carried small boats", "farmers gathered apples before frost", "gulls circled above piers"};
        for (int i = 0; i < 400; ++i)
            text += std::string(ko[i % 4]) + " " + std::to_string(i) + ". " + en[i % 3] + " again and again\n";
        write(dir + "/in.txt", text);
        CorpusConfig c;
        c.data_files = dir + "/in.txt";
        c.output_dir = dir + "/out";
        c.train_tokenizer = true;
        c.tokenizer_vocab_size = 600;
        c.special_tokens = "<|tool|>";
        c.tokenizer_sentence = "오늘은 도서관에서";
        const std::string llama2 = lathe::test::shared_tokenizer_dir("llama2");
        if (!llama2.empty()) c.compare_tokenizers = llama2;
        const CorpusSummary s = run(c);
        QVERIFY2(s.status == CorpusSummary::Status::Completed, s.message.c_str());
        const CorpusReport& r = s.report;
        QCOMPARE(r.tokenizer_dir, c.output_dir + "/tokenizer");
        QCOMPARE(r.heldout_records, size_t(20));  // every 20th of 400 kept records
        QVERIFY(!file_exists(c.output_dir + "/tokenizer-corpus.txt"));
        const auto tok = Tokenizer::from_dir(r.tokenizer_dir);
        QVERIFY(tok->vocab_size() <= 600);
        QVERIFY(tok->token_to_id("<|im_start|>") >= 0 && tok->token_to_id("<|tool|>") >= 0);
        QVERIFY(r.tokenizers.front().trained_here);
        QVERIFY(r.tokenizers.front().tokens_per_word > 0.5);
        // The pieces of the sentence put back together give the sentence.
        std::string joined;
        for (const auto& p : r.tokenizers.front().sentence_pieces) joined += p;
        QCOMPARE(joined, std::string("▁오늘은▁도서관에서"));  // with SentencePiece's dummy prefix
        uint64_t counted = 0;
        for (uint64_t n : r.token_length_counts) counted += n;
        QCOMPARE(counted, uint64_t(20));
        if (!llama2.empty()) {
            // Llama 2's vocabulary has few Hangul syllables: byte fallback, and more tokens per word.
            const TokenizerReport& l = r.tokenizers[1];
            QVERIFY2(l.error.empty(), l.error.c_str());
            QVERIFY(l.byte_share > 0.01);
            QVERIFY(l.tokens_per_word > r.tokenizers.front().tokens_per_word);
        }
        // Byte-level BPE: nothing unknown, text comes back as it went in, a frequent word is one token.
        CorpusConfig b = c;
        b.output_dir = dir + "/out-bytes";
        b.tokenizer_type = "byte_bpe";
        b.compare_tokenizers.clear();
        const CorpusSummary bs = run(b);
        QVERIFY2(bs.status == CorpusSummary::Status::Completed, bs.message.c_str());
        const auto bytes = Tokenizer::from_dir(bs.report.tokenizer_dir);
        QCOMPARE(bytes->kind(), std::string("bpe-bytelevel"));
        QVERIFY(bytes->vocab_size() <= 600);
        for (const std::string& t : {std::string("오늘은 날씨가 맑습니다 again"), std::string("unseen ✓ 漢字 \n\ttabs")})
            QCOMPARE(bytes->decode(bytes->encode(t)), t);
        QCOMPARE(bytes->encode(" again").size(), size_t(1));
        QVERIFY(bytes->token_to_id("<|im_end|>") >= 0 && bytes->token_to_id("<|tool|>") >= 0);
        QCOMPARE(bs.report.tokenizers.front().byte_share, 0.0);

        // A new model from scratch takes the folder as its tokenizer.
        const ModelConfig mc = create_new_model_files("tiny", {}, dir + "/new-model", 0, {}, r.tokenizer_dir);
        QCOMPARE(mc.vocab_size, int64_t(tok->vocab_size()));
        QCOMPARE(read_file(dir + "/new-model/tokenizer.model"), read_file(r.tokenizer_dir + "/tokenizer.model"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, create_new_model_files("tiny", {}, dir + "/m2", 0, {}, dir + "/out"));
    }

    void configRoundTripsThroughYaml() {
        CorpusConfig c;
        c.data_files = "a.txt,b.txt";
        c.dedup = "minhash";
        c.minhash_threshold = 0.7;
        c.steps = "dedup,pii";
        // Numbers are written in the fewest digits that read back the same (core/util/config_keys.h).
        QCOMPARE(c.get("character_coverage"), std::string("0.9995"));
        QCOMPARE(c.get("minhash_threshold"), std::string("0.7"));
        try {
            c.set("min_chars", "abc", "f.yaml:3");
            QFAIL("no error");
        } catch (const ConfigError& e) {
            QCOMPARE(std::string(e.what()), std::string("f.yaml:3: min_chars: expected an integer, got 'abc'"));
        }
        const CorpusConfig back = CorpusConfig::from_yaml(c.to_yaml(), "test");
        for (const std::string& k : CorpusConfig::keys()) QCOMPARE(back.get(k), c.get(k));
        std::vector<CorpusStep> order = back.enabled_steps();
        QCOMPARE(order.size(), size_t(2));
        QVERIFY(order[0] == CorpusStep::Dedup && order[1] == CorpusStep::Pii);
    }
};

LATHE_TEST(TestCorpusPipeline)
#include "test_corpus_pipeline.moc"
