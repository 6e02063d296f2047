// Model folders: sharded writes and reads, the index, stale files of earlier exports, broken folders,
// and the "2GB" size strings that pick the shard size.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <QtTest>

#include <cstring>
#include <filesystem>
#include <functional>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

using lathe::test::error_of;

bool same_tensor_bits(const at::Tensor& a, const at::Tensor& b) {
    if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
    const at::Tensor ca = a.contiguous(), cb = b.contiguous();
    return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0;
}

std::string fresh_dir(const std::string& name) {
    const std::string dir = test::scratch_dir() + "/" + name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string store_error(const std::string& dir) {
    return error_of<IoError>([&] { TensorStore s(dir); });
}

// Five F32 tensors of 40 bytes and one of 400.
NamedTensors model_tensors() {
    NamedTensors t;
    for (const char* name : {"embed", "l0.q", "l0.k", "big", "l1.q", "norm"})
        t.emplace_back(name, std::string(name) == "big" ? torch::randn({10, 10}) : torch::randn({10}));
    return t;
}

}  // namespace

class TestSafetensorsStore : public QObject {
    Q_OBJECT
private slots:
    void shardsInOrderWithinTheLimit() {
        const std::string dir = fresh_dir("sharded");
        const NamedTensors in = model_tensors();
        const auto written = write_sharded(dir, in, 100, {{"format", "pt"}});
        // 40+40 | 40 (next would pass 100) | 400 alone (over the limit) | 40+40
        const std::vector<std::string> expected = {
            "model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors",
            "model-00004-of-00004.safetensors", "model.safetensors.index.json"};
        QCOMPARE(written, expected);
        QCOMPARE(files_in(dir), expected);

        const nlohmann::json index = read_json_file(dir + "/model.safetensors.index.json");
        QCOMPARE(index["metadata"]["total_size"].get<uint64_t>(), uint64_t(5 * 40 + 400));
        QCOMPARE(index["weight_map"]["embed"].get<std::string>(), expected[0]);
        QCOMPARE(index["weight_map"]["l0.k"].get<std::string>(), expected[1]);
        QCOMPARE(index["weight_map"]["big"].get<std::string>(), expected[2]);
        QCOMPARE(index["weight_map"]["norm"].get<std::string>(), expected[3]);
        QCOMPARE(SafetensorsFile(dir + "/" + expected[1]).metadata().at("format"), std::string("pt"));

        TensorStore store(dir);
        QCOMPARE(store.names().size(), in.size());
        QCOMPARE(store.total_bytes(), uint64_t(600));
        QCOMPARE(store.file_of("big"), dir + "/" + expected[2]);
        for (const auto& [name, t] : in) QVERIFY2(same_tensor_bits(store.tensor(name), t), name.c_str());
        QCOMPARE(store.entry("norm").shape, (std::vector<int64_t>{10}));
        QVERIFY(store.has("l1.q") && !store.has("l2.q"));
        EXPECT_PARTS(error_of<IoError>([&] { store.tensor("l2.q"); }), dir + ": no tensor \"l2.q\"");
    }

    void everythingFitsInOneFile() {
        const std::string dir = fresh_dir("single");
        const NamedTensors in = model_tensors();
        QCOMPARE(write_sharded(dir, in, 0), std::vector<std::string>{"model.safetensors"});
        QCOMPARE(write_sharded(dir, in, parse_size("1KB")), std::vector<std::string>{"model.safetensors"});
        QCOMPARE(files_in(dir), std::vector<std::string>{"model.safetensors"});
        TensorStore store(dir);
        QCOMPARE(store.total_bytes(), uint64_t(600));
        for (const auto& [name, t] : in) QVERIFY(same_tensor_bits(store.tensor(name), t));
    }

    void staleFilesOfEarlierExportsGo() {
        const std::string dir = fresh_dir("stale");
        const NamedTensors in = model_tensors();
        // Files the cleanup must leave alone: other basenames, names that only look similar.
        const std::vector<std::string> bystanders = {"config.json", "model-extra.safetensors",
                                                     "adapter-00001-of-00002.safetensors", "model-1-of-2.safetensors"};
        for (const auto& f : bystanders) write_file_atomic(dir + "/" + f, "x");
        auto with_bystanders = [&](std::vector<std::string> files) {
            files.insert(files.end(), bystanders.begin(), bystanders.end());
            std::sort(files.begin(), files.end());
            return files;
        };

        write_sharded(dir, in, 100);  // four shards
        write_sharded(dir, in, 420);  // 120 | 400 | 80 -> three
        QCOMPARE(files_in(dir), with_bystanders({"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                                 "model-00003-of-00003.safetensors", "model.safetensors.index.json"}));
        QCOMPARE(TensorStore(dir).names().size(), in.size());

        write_sharded(dir, in, 0);  // back to one file: index and shards go
        QCOMPARE(files_in(dir), with_bystanders({"model.safetensors"}));

        write_sharded(dir, in, 500);  // 120 | 480, sharded again: the single file goes
        QCOMPARE(files_in(dir), with_bystanders({"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                                                 "model.safetensors.index.json"}));
        TensorStore store(dir);
        for (const auto& [name, t] : in) QVERIFY(same_tensor_bits(store.tensor(name), t));
    }

    void singleFileWinsOverIndex() {
        // The state a crash can leave while a sharded export is replaced by a single file.
        const std::string dir = fresh_dir("both");
        write_sharded(dir, model_tensors(), 100);
        write_safetensors(dir + "/model.safetensors", {{"only", torch::ones({1})}});
        TensorStore store(dir);
        QCOMPARE(store.names(), std::vector<std::string>{"only"});
    }

    void customBasename() {
        const std::string dir = fresh_dir("adapter");
        const auto written = write_sharded(dir, model_tensors(), 450, {}, "adapter_model");
        QCOMPARE(written.back(), std::string("adapter_model.safetensors.index.json"));
        QCOMPARE(TensorStore(dir, "adapter_model").total_bytes(), uint64_t(600));
    }

    void folderWithoutWeights() {
        const std::string dir = fresh_dir("empty");
        EXPECT_PARTS(store_error(dir), dir + ": no model weights: looked for model.safetensors and model.safetensors.index.json");
        EXPECT_PARTS(store_error(dir + "/nope"), dir + "/nope: model folder not found");
    }

    void indexNamesMissingShard() {
        const std::string dir = fresh_dir("missing_shard");
        write_sharded(dir, model_tensors(), 100);
        fs::remove(dir + "/model-00003-of-00004.safetensors");
        EXPECT_PARTS(store_error(dir), dir + "/model.safetensors.index.json: names shard \"model-00003-of-00004.safetensors\"",
                     "missing from " + dir);
    }

    void indexPlacesTensorInWrongShard() {
        const std::string dir = fresh_dir("wrong_shard");
        write_sharded(dir, model_tensors(), 100);
        nlohmann::json index = read_json_file(dir + "/model.safetensors.index.json");
        index["weight_map"]["l0.q"] = "model-00004-of-00004.safetensors";
        write_json_file(dir + "/model.safetensors.index.json", index);
        EXPECT_PARTS(store_error(dir), "maps tensor \"l0.q\" to model-00004-of-00004.safetensors, which lacks it",
                     "it is in " + dir + "/model-00001-of-00004.safetensors");

        index["weight_map"]["ghost"] = "model-00001-of-00004.safetensors";
        index["weight_map"]["l0.q"] = "model-00001-of-00004.safetensors";
        write_json_file(dir + "/model.safetensors.index.json", index);
        EXPECT_PARTS(store_error(dir), "maps tensor \"ghost\" to model-00001-of-00004.safetensors, which lacks it",
                     "no listed shard has it");
    }

    void tensorInTwoShards() {
        const std::string dir = fresh_dir("twice");
        write_sharded(dir, model_tensors(), 100);
        // Shard 4 gains a second "embed" (shard 1 has the first).
        write_safetensors(dir + "/model-00004-of-00004.safetensors",
                          {{"l1.q", torch::randn({10})}, {"norm", torch::randn({10})}, {"embed", torch::randn({10})}});
        EXPECT_PARTS(store_error(dir), "tensor \"embed\" is in two shards: " + dir + "/model-00001-of-00004.safetensors and " +
                                           dir + "/model-00004-of-00004.safetensors");
    }

    void indexThatIsNotAnIndex() {
        const std::string dir = fresh_dir("bad_index");
        write_json_file(dir + "/model.safetensors.index.json", {{"metadata", {{"total_size", 1}}}});
        EXPECT_PARTS(store_error(dir), "model.safetensors.index.json: no \"weight_map\" object");
        write_json_file(dir + "/model.safetensors.index.json", {{"weight_map", {{"w", "../outside.safetensors"}}}});
        EXPECT_PARTS(store_error(dir), "shard name \"../outside.safetensors\" points outside the model folder");
        write_file_atomic(dir + "/model.safetensors.index.json", "{\"weight_map\": {\"w\": }");
        EXPECT_PARTS(store_error(dir), "model.safetensors.index.json:1:", "invalid JSON");
    }

    void corruptShardNamesItself() {
        const std::string dir = fresh_dir("corrupt_shard");
        write_sharded(dir, model_tensors(), 100);
        write_file_atomic(dir + "/model-00002-of-00004.safetensors", "abc");
        EXPECT_PARTS(store_error(dir), dir + "/model-00002-of-00004.safetensors: file is 3 bytes");
    }

    void parseSizes() {
        const std::pair<const char*, uint64_t> good[] = {
            {"2GB", 2ull * 1000 * 1000 * 1000}, {"500MB", 500ull * 1000 * 1000}, {"1.5GB", 1500ull * 1000 * 1000},
            {"10KB", 10000},                   {"123", 123},                    {"2GiB", 2ull << 30},
            {"1.5 MiB", 3ull << 19},            {" 5gb ", 5ull * 1000 * 1000 * 1000}, {"7B", 7},
            {"0", 0},                           {"0.5KiB", 512},                {"1TB", 1000ull * 1000 * 1000 * 1000},
            {"1.0000000001KB", 1000},          {"18446744073709551615", UINT64_MAX},
        };
        for (const auto& [text, bytes] : good) QVERIFY2(parse_size(text) == bytes, text);

        for (const char* text : {"", "GB", "abc", "-1GB", "1.2.3GB", "5XB", "1e9", "2 G B", "99999999999999999999",
                                 "20000000000TB"}) {
            const std::string msg = error_of<ConfigError>([&] { parse_size(text); });
            EXPECT_PARTS(msg, std::string("size \"") + text + "\"", "e.g. 500MB");
        }
        EXPECT_PARTS(error_of<ConfigError>([] { parse_size("5XB"); }), "unknown unit \"XB\"");
        EXPECT_PARTS(error_of<ConfigError>([] { parse_size("20000000000TB"); }), "too large");
    }
};

LATHE_TEST(TestSafetensorsStore)
#include "test_safetensors_store.moc"
