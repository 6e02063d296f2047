// load_causal_lm tensor by tensor: the loaded values equal the file's converted to the compute dtype
// (float32 or bf16, from F32 or BF16 files), the checks still name the tensor and both shapes, and no
// mapping of the weights outlives the load.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/safetensors.h"
#include "core/model/model_folder.h"
#include "core/model/transformer.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include "tests/core/model/tiny_models.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

std::string saved(const std::string& name, const ModelConfig& c, torch::ScalarType file_dtype) {
    CausalLM m(c);
    m->init_weights(5, 0.3);
    const std::string dir = test::scratch_dir() + "/" + name;
    fs::remove_all(dir);
    save_causal_lm(*m, dir, file_dtype);
    return dir;
}

// Every parameter equals the file's tensor converted to `dtype`, bit for bit.
void check_equals_file(CausalLMImpl& m, const std::string& dir, torch::ScalarType dtype) {
    TensorStore store(dir);
    for (auto& p : m.named_parameters()) {
        QVERIFY2(p.value().scalar_type() == dtype, p.key().c_str());
        QVERIFY2(torch::equal(p.value(), store.tensor(p.key()).to(dtype)), p.key().c_str());
    }
}

bool maps_file_under(const std::string& dir) {
    std::ifstream maps("/proc/self/maps");
    for (std::string line; std::getline(maps, line);)
        if (line.find(dir) != std::string::npos) return true;
    return false;
}

using lathe::test::error_of;

}  // namespace

class TestModelLoad : public QObject {
    Q_OBJECT
private slots:
    void valuesEqualTheFileInEachDtype() {
        for (const char* type : {"llama", "qwen2"}) {  // qwen2: q/k/v biases too
            auto c = test::tiny_config(type);
            for (auto file : {torch::kBFloat16, torch::kFloat}) {
                const std::string dir = saved(std::string("load-") + type + "-" + dtype_label(file), c, file);
                for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
                    LoadOptions lo;
                    lo.dtype = dtype;
                    LoadReport report;
                    auto m = load_causal_lm(dir, lo, &report);
                    check_equals_file(*m, dir, dtype);
                    QVERIFY(m->dtype() == dtype);
                    QCOMPARE(report.weights_dtype, std::string(file == torch::kFloat ? "F32" : "BF16"));
                    QVERIFY(!m->is_training());
                }
            }
        }
    }

    void tiedModelLoadsItsEmbeddingFromTheFile() {
        auto c = test::tiny_config("qwen2");
        c.tie_word_embeddings = true;
        const std::string dir = saved("load-tied", c, torch::kBFloat16);
        auto m = load_causal_lm(dir);
        check_equals_file(*m, dir, torch::kFloat);
        torch::NoGradGuard g;
        auto ids = torch::tensor({3, 4, 5}, torch::kLong).unsqueeze(0);
        auto expect = torch::matmul(m->hidden_states(ids), m->model->embed_tokens->weight.t());
        QVERIFY(torch::allclose(m->forward(ids), expect));
    }

    void loadingIntoAnExistingModelKeepsItsDtype() {
        // The resume path: load_weights copies into the model as it is (here bf16), converting the file's F32.
        const std::string dir = saved("load-into", test::tiny_config(), torch::kFloat);
        CausalLM m(test::tiny_config());
        m->to(torch::kBFloat16);
        load_weights(*m, dir);
        check_equals_file(*m, dir, torch::kBFloat16);
    }

    void noMappingOutlivesTheLoad() {
        const std::string dir = saved("load-unmapped", test::tiny_config(), torch::kBFloat16);
        LoadOptions lo;
        lo.dtype = torch::kBFloat16;  // same dtype as the file: the parameters must still be copies
        auto m = load_causal_lm(dir, lo);
        QVERIFY(!maps_file_under(dir));
        torch::NoGradGuard g;
        for (auto& p : m->parameters()) p.add_(1);  // writable: not the read-only mapping
    }

    void checksStillNameTensorAndShapesInBf16() {
        const std::string dir = saved("load-broken", test::tiny_config(), torch::kBFloat16);
        auto cfg = nlohmann::json::parse(read_file(dir + "/config.json"));
        LoadOptions lo;
        lo.dtype = torch::kBFloat16;
        cfg["intermediate_size"] = 48;  // the weights say 64
        write_file_atomic(dir + "/config.json", cfg.dump());
        auto msg = error_of([&] { load_causal_lm(dir, lo); });
        QVERIFY2(msg.find("model.safetensors: tensor 'model.layers.0.mlp.gate_proj.weight' has shape [64, 32], "
                          "expected [48, 32] from config.json") != std::string::npos,
                 msg.c_str());
        cfg["intermediate_size"] = 64;
        cfg["num_hidden_layers"] = 3;
        write_file_atomic(dir + "/config.json", cfg.dump());
        msg = error_of([&] { load_causal_lm(dir, lo); });
        QVERIFY2(msg.find("tensor 'model.layers.2.self_attn.q_proj.weight' is missing from the weights") != std::string::npos,
                 msg.c_str());
        QVERIFY(!maps_file_under(dir));  // a failed load releases the files too
    }
};

LATHE_TEST(TestModelLoad)
#include "test_model_load.moc"
