#include "tests/checks.h"
#include "tests/registry.h"

#include "core/data/dataset_registry.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <QtTest>
#include <filesystem>
#include <functional>

using namespace lathe;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir(const std::string& name) {
    const std::string dir = test::scratch_dir() + "/registry/" + name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::string dir_with_info(const std::string& name, const std::string& info) {
    const std::string dir = fresh_dir(name);
    write_file_atomic(dir + "/dataset_info.json", info);
    return dir;
}

using lathe::test::error_of;

const char* kInfo = R"({
  "alpaca_en": {"file_name": "alpaca_en.json"},
  "c4_demo": {"file_name": "c4_demo.jsonl", "columns": {"prompt": "text"}},
  "glaive": {"file_name": "glaive.json", "formatting": "sharegpt",
             "columns": {"messages": "conversations", "tools": "tools"}, "file_sha1": "abc"},
  "openai": {"file_name": "openai.json", "formatting": "sharegpt", "columns": {"messages": "messages"},
             "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                      "assistant_tag": "assistant", "system_tag": "system"}},
  "dpo_en": {"file_name": "dpo_en.json", "ranking": true, "formatting": "sharegpt",
             "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"}},
  "kto_en": {"file_name": "kto_en.json", "formatting": "sharegpt", "num_samples": 50,
             "columns": {"messages": "messages", "kto_tag": "label"}},
  "hub_only": {"hf_hub_url": "org/data"}
})";

}  // namespace

class TestDatasetRegistry : public QObject {
    Q_OBJECT
private slots:
    void defaultsFollowLlamaFactory() {
        const DatasetRegistry reg = DatasetRegistry::load(dir_with_info("defaults", kInfo));
        QCOMPARE(reg.entries().size(), size_t(7));
        const DatasetEntry& a = reg.get("alpaca_en");
        QVERIFY(a.formatting == DatasetFormat::Alpaca && !a.ranking);
        QCOMPARE(a.columns.prompt, std::string("instruction"));
        QCOMPARE(a.columns.query, std::string("input"));
        QCOMPARE(a.columns.response, std::string("output"));
        QCOMPARE(a.columns.history, std::string());
        QCOMPARE(a.columns.system, std::string());
        QCOMPARE(a.tags.role, std::string("from"));
        QCOMPARE(a.tags.function, std::string("function_call"));
        QVERIFY(!a.num_samples);
        // A "columns" object unsets the columns it does not list, as LLaMA-Factory's parser.
        const DatasetEntry& c4 = reg.get("c4_demo");
        QCOMPARE(c4.columns.prompt, std::string("text"));
        QCOMPARE(c4.columns.query, std::string());
        QCOMPARE(c4.columns.response, std::string());
        const DatasetEntry& g = reg.get("glaive");
        QVERIFY(g.formatting == DatasetFormat::Sharegpt);
        QCOMPARE(g.columns.tools, std::string("tools"));
        QCOMPARE(g.tags.user, std::string("human"));
        QCOMPARE(g.raw["file_sha1"].get<std::string>(), std::string("abc"));  // unknown keys are kept
        // So does a "tags" object.
        const DatasetEntry& o = reg.get("openai");
        QCOMPARE(o.tags.role, std::string("role"));
        QCOMPARE(o.tags.system, std::string("system"));
        QCOMPARE(o.tags.observation, std::string());
        QCOMPARE(o.tags.function, std::string());
        QCOMPARE(*reg.get("kto_en").num_samples, size_t(50));
        QVERIFY(reg.get("dpo_en").ranking);
        QVERIFY(!reg.get("hub_only").is_local());
        QCOMPARE(reg.get("hub_only").remote, std::string("hf_hub_url 'org/data'"));
    }
    void stageFiltering() {
        const DatasetRegistry reg = DatasetRegistry::load(dir_with_info("stages", kInfo));
        using V = std::vector<std::string>;
        const V non_ranking = {"alpaca_en", "c4_demo", "glaive", "kto_en", "openai"};
        QCOMPARE(reg.names_for_stage(Stage::Pt), non_ranking);
        QCOMPARE(reg.names_for_stage(Stage::Sft), non_ranking);
        QCOMPARE(reg.names_for_stage(Stage::Ppo), non_ranking);
        QCOMPARE(reg.names_for_stage(Stage::Rm), V{"dpo_en"});
        QCOMPARE(reg.names_for_stage(Stage::Dpo), V{"dpo_en"});
        QCOMPARE(reg.names_for_stage(Stage::Kto), V{"kto_en"});
        QCOMPARE(stage_mismatch(reg.get("dpo_en"), Stage::Sft).message,
                 std::string("dataset 'dpo_en' holds preference pairs (\"ranking\": true); stage sft needs a dataset "
                             "without ranking (use it with rm or dpo)"));
        QCOMPARE(stage_mismatch(reg.get("glaive"), Stage::Dpo).message,
                 std::string("stage dpo needs preference pairs, but dataset 'glaive' is not marked \"ranking\": true"));
        QCOMPARE(stage_mismatch(reg.get("glaive"), Stage::Kto).message,
                 std::string("stage kto needs a 'kto_tag' column, but dataset 'glaive' names none in \"columns\""));
    }
    void unknownNameSuggestsClosest() {
        const DatasetRegistry reg = DatasetRegistry::load(dir_with_info("suggest", kInfo));
        QCOMPARE(error_of([&] { reg.get("alpca_en"); }),
                 "unknown dataset 'alpca_en': " + reg.path() + " does not register it; did you mean 'alpaca_en'?");
        QCOMPARE(error_of([&] { reg.get("dpo-en"); }),
                 "unknown dataset 'dpo-en': " + reg.path() + " does not register it; did you mean 'dpo_en'?");
        // Nothing close: no suggestion.
        QCOMPARE(error_of([&] { reg.get("wikipedia_zh"); }),
                 "unknown dataset 'wikipedia_zh': " + reg.path() + " does not register it");
        QCOMPARE(edit_distance("kitten", "sitting"), size_t(3));
        QCOMPARE(edit_distance("", "abc"), size_t(3));
    }
    void registryErrors() {
        const std::string empty = fresh_dir("no_info");
        QCOMPARE(error_of([&] { DatasetRegistry::load(empty); }),
                 "dataset directory '" + empty + "' has no dataset_info.json; it needs one that registers each dataset "
                 "by name (file_name, formatting, columns), as in LLaMA-Factory's data folder");
        QCOMPARE(error_of([&] { DatasetRegistry::load(empty + "/missing"); }),
                 "dataset directory '" + empty + "/missing' not found");
        std::string dir = dir_with_info("bad_json", "{\n  \"a\": {\"file_name\": \"a.json\",}\n}\n");
        std::string msg = error_of([&] { DatasetRegistry::load(dir); });
        QVERIFY2(msg.rfind(dir + "/dataset_info.json:2:", 0) == 0 && msg.find("invalid JSON") != std::string::npos,
                 msg.c_str());
        const std::string info = dir + "/dataset_info.json";
        struct Case {
            const char* entry;
            std::string error;
        };
        const Case cases[] = {
            {R"({"formatting": "alpaca"})",
             "dataset 'x': no 'file_name' (the file or folder inside the dataset directory that holds the records)"},
            {R"({"file_name": "x.json", "formatting": "sharegtp"})",
             "dataset 'x': unknown formatting 'sharegtp'; expected \"alpaca\" or \"sharegpt\""},
            {R"({"file_name": 3})", "dataset 'x': 'file_name' is a number, expected a string"},
            {R"({"file_name": "x.json", "ranking": "yes"})",
             "dataset 'x': 'ranking' is a string, expected true or false"},
            {R"({"file_name": "x.json", "columns": {"prompt": 1}})",
             "dataset 'x': 'columns.prompt' is a number, expected a string"},
            {R"({"file_name": "x.json", "columns": ["prompt"]})",
             "dataset 'x': 'columns' is an array, expected an object"},
            {R"({"file_name": "x.json", "num_samples": 0})",
             "dataset 'x': 'num_samples' is 0, expected a positive whole number"},
            {R"("x.json")", "dataset 'x': expected an object, found a string"},
        };
        for (const Case& c : cases) {
            write_file_atomic(info, std::string("{\"x\": ") + c.entry + "}");
            msg = error_of([&] { DatasetRegistry::load(dir); });
            QCOMPARE(msg, info + ": " + c.error);
        }
        write_file_atomic(info, "[]");
        QCOMPARE(error_of([&] { DatasetRegistry::load(dir); }),
                 info + ": expected an object mapping dataset names to entries, found an array");
    }
    void stageNames() {
        for (const char* name : {"pt", "sft", "rm", "ppo", "dpo", "kto"})
            QCOMPARE(std::string(stage_name(parse_stage(name))), std::string(name));
        QCOMPARE(error_of([] { parse_stage("orpo"); }),
                 std::string("unknown stage 'orpo'; expected one of pt, sft, rm, ppo, dpo, kto"));
    }
};

LATHE_TEST(TestDatasetRegistry)
#include "test_dataset_registry.moc"
