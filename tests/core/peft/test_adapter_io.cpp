#include "tests/registry.h"

#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/peft/adapter_io.h"
#include "core/peft/lora_layer.h"
#include "core/util/fs.h"
#include "tests/core/peft/peft_fixtures.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <filesystem>
#include <set>

using namespace lathe;
using namespace lathe::test;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir(const std::string& name) {
    const std::string dir = scratch_dir() + "/" + name;
    fs::remove_all(dir);
    return dir;
}

// An adapter with DoRA on q_proj/v_proj and lm_head trained fully, with non-trivial values.
std::string save_sample(const std::string& name, const ModelConfig& c = tiny_config(), bool dora = true) {
    auto m = random_model(c);
    LoraSettings s;
    s.targets = {"q_proj", "v_proj"};
    s.use_dora = dora;
    s.additional_targets = {"lm_head"};
    auto lora = LoraModel::apply(m.ptr(), s);
    randomize_adapters(*m);
    {
        torch::NoGradGuard g;
        m->lm_head->weight.mul_(1.5);
    }
    const std::string dir = fresh_dir(name);
    save_lora_adapter(lora, dir, "org/tiny-base");
    return dir;
}

void write_json(const std::string& path, const nlohmann::json& j) { write_file_atomic(path, j.dump(2)); }

}  // namespace

class TestAdapterIo : public QObject {
    Q_OBJECT
private slots:
    void saveLoadRoundTripReproducesOutputs() {
        auto m = random_model();
        LoraSettings s;
        s.targets = {"q_proj", "v_proj", "down_proj"};
        s.use_dora = true;
        s.additional_targets = {"lm_head"};
        auto lora = LoraModel::apply(m.ptr(), s);
        randomize_adapters(*m);
        torch::NoGradGuard g;
        m->lm_head->weight.mul_(1.5);
        auto expected = m->forward(token_batch());
        const std::string dir = fresh_dir("roundtrip");
        save_lora_adapter(lora, dir, "org/tiny-base");

        auto fresh = random_model();  // same seed: the same base weights
        auto base = fresh->forward(token_batch());
        AdapterLoadOptions o;
        o.base_model_name_or_path = "org/tiny-base";
        auto loaded = load_lora_adapter(fresh.ptr(), dir, o);
        QVERIFY(torch::equal(fresh->forward(token_batch()), expected));
        QCOMPARE(loaded.modules(), lora.modules());
        QCOMPARE(loaded.settings().use_dora, true);
        QCOMPARE(loaded.trainable().trainable, int64_t(0));  // loaded for inference by default
        loaded.set_enabled(false);                           // the base lm_head comes back too
        QVERIFY(torch::equal(fresh->forward(token_batch()), base));
        loaded.set_enabled(true);
        // Saving what was loaded gives the same tensors.
        const std::string again = fresh_dir("roundtrip-again");
        save_lora_adapter(loaded, again, "org/tiny-base");
        SafetensorsFile a(dir + "/adapter_model.safetensors"), b(again + "/adapter_model.safetensors");
        QCOMPARE(a.entries().size(), b.entries().size());
        for (const auto& e : a.entries()) QVERIFY(torch::equal(a.tensor(e.name), b.tensor(e.name)));

        AdapterLoadOptions t;
        t.trainable = true;
        auto other = random_model();
        QCOMPARE(load_lora_adapter(other.ptr(), dir, t).trainable().trainable, lora.trainable().trainable);
    }

    void keysMatchPeft() {
        const std::string dir = save_sample("keys");
        SafetensorsFile f(dir + "/adapter_model.safetensors");
        std::set<std::string> keys;
        for (const auto& e : f.entries()) keys.insert(e.name);
        for (const char* k : {"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                              "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                              "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector",
                              "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight",
                              "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight",
                              "base_model.model.model.layers.1.self_attn.v_proj.lora_magnitude_vector",
                              "base_model.model.lm_head.weight"})
            QVERIFY2(keys.count(k), k);
        QCOMPARE(keys.size(), size_t(2 * 2 * 3 + 1));
        QCOMPARE(f.find("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")->shape,
                 (std::vector<int64_t>{8, 32}));
        QCOMPARE(f.find("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight")->shape,
                 (std::vector<int64_t>{16, 8}));
        QCOMPARE(f.metadata().at("format"), std::string("pt"));
    }

    void adapterConfigFields() {
        const std::string dir = save_sample("config");
        auto j = read_json_file(dir + "/adapter_config.json");
        QVERIFY(j["peft_type"] == nlohmann::json("LORA"));
        QVERIFY(j["task_type"] == nlohmann::json("CAUSAL_LM"));
        QVERIFY(j["r"] == nlohmann::json(8));
        QVERIFY(j["lora_alpha"].is_number_integer());
        QVERIFY(j["lora_alpha"] == nlohmann::json(16));
        QVERIFY(j["lora_dropout"] == nlohmann::json(0.0));
        QVERIFY(j["target_modules"] == nlohmann::json({"q_proj", "v_proj"}));
        QVERIFY(j["use_dora"] == nlohmann::json(true));
        QVERIFY(j["use_rslora"] == nlohmann::json(false));
        QVERIFY(j["base_model_name_or_path"] == nlohmann::json("org/tiny-base"));
        QVERIFY(j["bias"] == nlohmann::json("none"));
        QVERIFY(j["modules_to_save"] == nlohmann::json({"lm_head"}));
        QVERIFY(j["fan_in_fan_out"] == nlohmann::json(false));
        QVERIFY(j["init_lora_weights"] == nlohmann::json(true));
        QVERIFY(j["inference_mode"] == nlohmann::json(true));
        QVERIFY(j["revision"].is_null());
        QVERIFY(j["rank_pattern"].is_object() && j["rank_pattern"].empty());
        auto cfg = read_adapter_config(dir);
        QCOMPARE(cfg.base_model_name_or_path, std::string("org/tiny-base"));
        QCOMPARE(cfg.settings.rank, int64_t(8));
        QCOMPARE(cfg.settings.alpha, 16.0);
        QCOMPARE(cfg.settings.targets, (std::vector<std::string>{"q_proj", "v_proj"}));
        QCOMPARE(cfg.settings.additional_targets, (std::vector<std::string>{"lm_head"}));
        // No temp files left behind.
        for (const auto& e : fs::directory_iterator(dir))
            QVERIFY2(e.path().filename() == "adapter_config.json" || e.path().filename() == "adapter_model.safetensors",
                     e.path().c_str());
    }

    // LLaMA-Factory's adapter_name_or_path list: merged in order (a LoRA, then a DoRA on top of it).
    void severalAdaptersMergeInOrder() {
        auto m = random_model();
        torch::NoGradGuard g;
        auto q = m->model->layers->ptr<DecoderLayerImpl>(0)->self_attn->q_proj;
        auto w0 = q->weight.clone();
        LoraSettings s1;
        s1.targets = {"q_proj"};
        auto first = LoraModel::apply(m.ptr(), s1);
        randomize_adapters(*m, 5);
        auto d1 = lora_of(*q)->delta_weight();
        const std::string dir1 = fresh_dir("merge-1");
        save_lora_adapter(first, dir1, "base");
        first.unload();
        LoraSettings s2 = s1;
        s2.use_dora = true;
        auto second = LoraModel::apply(m.ptr(), s2);
        randomize_adapters(*m, 6);
        auto d2 = lora_of(*q)->delta_weight();
        auto mag = lora_of(*q)->magnitude->weight.clone();
        const std::string dir2 = fresh_dir("merge-2");
        save_lora_adapter(second, dir2, "base");

        auto fresh = random_model();
        merge_lora_adapters(fresh.ptr(), {dir1, dir2}, "base");
        auto w1 = w0 + d1, v = w1 + d2;
        auto expected = mag.unsqueeze(1) / v.norm(2, {1}, true) * v;
        auto fq = fresh->model->layers->ptr<DecoderLayerImpl>(0)->self_attn->q_proj;
        QVERIFY(max_diff(fq->weight, expected) < 1e-5);
        QVERIFY(!fq->adapter);
        for (auto& p : fresh->named_parameters()) QVERIFY(p.key().find("lora_") == std::string::npos);
    }

    void loadErrorsSayWhatIsWrong() {
        auto m = random_model();
        auto e = error_of([&] { load_lora_adapter(m.ptr(), scratch_dir() + "/no-such-adapter"); });
        QVERIFY2(contains(e, "no-such-adapter' does not exist"), e.c_str());

        const std::string empty = fresh_dir("empty");
        fs::create_directories(empty);
        e = error_of([&] { load_lora_adapter(m.ptr(), empty); });
        QVERIFY2(contains(e, "no adapter_config.json"), e.c_str());

        const std::string dir = save_sample("errors");
        auto config = read_json_file(dir + "/adapter_config.json");
        auto with = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
            const std::string d = fresh_dir(name);
            fs::create_directories(d);
            fs::copy_file(dir + "/adapter_model.safetensors", d + "/adapter_model.safetensors");
            auto j = config;
            edit(j);
            write_json(d + "/adapter_config.json", j);
            return d;
        };
        e = error_of([&] { load_lora_adapter(m.ptr(), with("ia3", [](auto& j) { j["peft_type"] = "IA3"; })); });
        QVERIFY2(contains(e, "peft_type 'IA3' is not supported"), e.c_str());
        e = error_of([&] { load_lora_adapter(m.ptr(), with("bias", [](auto& j) { j["bias"] = "all"; })); });
        QVERIFY2(contains(e, "bias \"all\" is not supported"), e.c_str());
        e = error_of([&] { load_lora_adapter(m.ptr(), with("rtype", [](auto& j) { j["r"] = "eight"; })); });
        QVERIFY2(contains(e, "adapter_config.json: field 'r' must be a number, got \"eight\""), e.c_str());
        e = error_of([&] { load_lora_adapter(m.ptr(), with("rank", [](auto& j) { j["r"] = 4; })); });
        QVERIFY2(contains(e, "has shape [8, 32], but 'model.layers.0.self_attn.q_proj' of this model needs [4, 32]"), e.c_str());
        e = error_of([&] { load_lora_adapter(m.ptr(), with("nodora", [](auto& j) { j["use_dora"] = false; })); });
        QVERIFY2(contains(e, "has lora_magnitude_vector although adapter_config.json does not set use_dora"), e.c_str());
        e = error_of([&] { load_lora_adapter(m.ptr(), with("pattern", [](auto& j) { j["rank_pattern"] = {{"q_proj", 4}}; })); });
        QVERIFY2(contains(e, "rank_pattern {\"q_proj\":4} is not supported"), e.c_str());

        const std::string bin = fresh_dir("bin");
        fs::create_directories(bin);
        fs::copy_file(dir + "/adapter_config.json", bin + "/adapter_config.json");
        write_file_atomic(bin + "/adapter_model.bin", "pickle");
        e = error_of([&] { load_lora_adapter(m.ptr(), bin); });
        QVERIFY2(contains(e, "no adapter_model.safetensors (adapter_model.bin is a pickle file"), e.c_str());

        // Trained on a 3-layer model: layer 2 does not exist here.
        auto deep_config = tiny_config();
        deep_config.num_hidden_layers = 3;
        const std::string deep = save_sample("deep", deep_config);
        AdapterLoadOptions o;
        o.base_model_name_or_path = "org/other-base";
        e = error_of([&] { load_lora_adapter(m.ptr(), deep, o); });
        QVERIFY2(contains(e, "belongs to module 'model.layers.2.self_attn.") && contains(e, "this model (2 layers) does not have") &&
                     contains(e, "probably trained on another base model (adapter_config.json base_model_name_or_path: "
                                 "'org/tiny-base', this model: 'org/other-base')"),
                 e.c_str());
        // Placed at the weights file as data, as every other adapter file error is.
        auto file_of = [&](const std::string& folder) {
            try {
                load_lora_adapter(m.ptr(), folder, o);
            } catch (const Error& err) {
                return err.problem().file;
            }
            return std::string("(loaded)");
        };
        QCOMPARE(file_of(deep), deep + "/adapter_model.safetensors");

        // Trained on a wider model: shapes differ, both named.
        auto wide_config = tiny_config();
        wide_config.hidden_size = 48;
        wide_config.head_dim = 12;
        const std::string wide = save_sample("wide", wide_config);
        e = error_of([&] { load_lora_adapter(m.ptr(), wide, o); });
        QVERIFY2(contains(e, "tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [8, 48], "
                             "but 'model.layers.0.self_attn.q_proj' of this model needs [8, 32]") &&
                     contains(e, "probably trained on another base model"),
                 e.c_str());
        QCOMPARE(file_of(wide), wide + "/adapter_model.safetensors");
        // Failed loads left the model untouched.
        for (auto& p : m->named_parameters()) QVERIFY2(p.key().find("lora_") == std::string::npos, p.key().c_str());
        QVERIFY(!m->model->layers->ptr<DecoderLayerImpl>(0)->self_attn->q_proj->adapter);

        auto loaded = load_lora_adapter(m.ptr(), dir);
        e = error_of([&] { load_lora_adapter(m.ptr(), dir); });
        QVERIFY2(contains(e, "already has an adapter"), e.c_str());
    }

    void moreConfigErrors() {
        auto m = random_model();
        const std::string dir = save_sample("config-errors");
        auto config = read_json_file(dir + "/adapter_config.json");
        auto error_with = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
            const std::string d = fresh_dir(name);
            fs::create_directories(d);
            fs::copy_file(dir + "/adapter_model.safetensors", d + "/adapter_model.safetensors");
            auto j = config;
            edit(j);
            write_json(d + "/adapter_config.json", j);
            return error_of([&] { load_lora_adapter(m.ptr(), d); });
        };
        auto e = error_with("task", [](auto& j) { j["task_type"] = "SEQ_CLS"; });
        QVERIFY2(contains(e, "task_type \"SEQ_CLS\" is not supported (expected \"CAUSAL_LM\")"), e.c_str());
        e = error_with("fifo", [](auto& j) { j["fan_in_fan_out"] = true; });
        QVERIFY2(contains(e, "fan_in_fan_out true is not supported"), e.c_str());
        e = error_with("replication", [](auto& j) { j["layer_replication"] = {{0, 2}}; });
        QVERIFY2(contains(e, "layer_replication [[0,2]] is not supported"), e.c_str());
        e = error_with("ptype", [](auto& j) { j["peft_type"] = 3; });
        QVERIFY2(contains(e, "field 'peft_type' must be a string, got 3"), e.c_str());
        e = error_with("dropout", [](auto& j) { j["lora_dropout"] = 1.5; });
        QVERIFY2(contains(e, "adapter_config.json: lora_dropout must be in [0, 1), got 1.5") && e.back() == '5', e.c_str());
        e = error_with("targets", [](auto& j) { j["target_modules"] = {1, 2}; });
        QVERIFY2(contains(e, "field 'target_modules' must be a list of module names, got [1,2]"), e.c_str());
        e = error_with("rzero", [](auto& j) { j["r"] = 0; });
        QVERIFY2(contains(e, "field 'r' must be a positive integer, got 0"), e.c_str());
        const std::string bad_json = fresh_dir("bad-json");
        fs::create_directories(bad_json);
        write_file_atomic(bad_json + "/adapter_config.json", "{\"r\": 8,");
        e = error_of([&] { load_lora_adapter(m.ptr(), bad_json); });
        QVERIFY2(contains(e, "adapter_config.json:1:") && contains(e, "invalid JSON"), e.c_str());
    }

    // Tensors that do not fit: each named with the file and what was expected.
    void tensorErrors() {
        auto m = random_model();
        const std::string dir = save_sample("tensor-errors");
        SafetensorsFile original(dir + "/adapter_model.safetensors");
        auto error_with = [&](const std::string& name, const std::function<void(NamedTensors&)>& edit, bool dora = true) {
            const std::string d = fresh_dir(name);
            fs::create_directories(d);
            auto j = read_json_file(dir + "/adapter_config.json");
            j["use_dora"] = dora;
            write_json(d + "/adapter_config.json", j);
            NamedTensors t;
            for (const auto& e : original.entries()) t.emplace_back(e.name, original.tensor(e.name).clone());
            edit(t);
            write_safetensors(d + "/adapter_model.safetensors", t);
            return error_of([&] { load_lora_adapter(m.ptr(), d); });
        };
        auto drop = [](NamedTensors& t, const std::string& key) {
            t.erase(std::remove_if(t.begin(), t.end(), [&](const auto& p) { return p.first == key; }), t.end());
        };
        auto e = error_with("no-b", [&](NamedTensors& t) { drop(t, "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"); });
        QVERIFY2(contains(e, "module 'model.layers.0.self_attn.q_proj' has lora_A but not lora_B"), e.c_str());
        e = error_with("no-mag", [&](NamedTensors& t) {
            drop(t, "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector");
        });
        QVERIFY2(contains(e, "lacks lora_magnitude_vector although adapter_config.json sets use_dora"), e.c_str());
        e = error_with("prefix", [&](NamedTensors& t) { t.emplace_back("model.layers.0.self_attn.q_proj.lora_A.weight", torch::zeros({8, 32})); });
        QVERIFY2(contains(e, "tensor 'model.layers.0.self_attn.q_proj.lora_A.weight' does not start with 'base_model.model.'"), e.c_str());
        e = error_with("embedding", [&](NamedTensors& t) {
            t.emplace_back("base_model.model.model.embed_tokens.lora_embedding_A", torch::zeros({8, 97}));
        });
        QVERIFY2(contains(e, "'base_model.model.model.embed_tokens.lora_embedding_A' is not supported"), e.c_str());
        e = error_with("param", [&](NamedTensors& t) { t.emplace_back("base_model.model.score.weight", torch::zeros({2, 32})); });
        QVERIFY2(contains(e, "names parameter 'score.weight', which this model does not have: the adapter was probably trained"), e.c_str());
        e = error_with("head", [&](NamedTensors& t) {
            drop(t, "base_model.model.lm_head.weight");
            t.emplace_back("base_model.model.lm_head.weight", torch::zeros({100, 32}));
        });
        QVERIFY2(contains(e, "tensor 'base_model.model.lm_head.weight' has shape [100, 32], but 'lm_head.weight' of this model needs [97, 32]"),
                 e.c_str());
        e = error_with("empty", [&](NamedTensors& t) { t.clear(); });
        QVERIFY2(contains(e, "adapter_model.safetensors: holds no adapter tensors"), e.c_str());
        for (auto& p : m->named_parameters()) QVERIFY2(p.key().find("lora_") == std::string::npos, p.key().c_str());
    }
};

LATHE_TEST(TestAdapterIo)
#include "test_adapter_io.moc"
