// Phi-3 and Phi-4-mini exported to GGUF and run by llama.cpp (node-llama-cpp's prebuilt binaries): the
// greedy tokens equal Lathe's, and the logits at every prompt position agree within 1e-3, on tiny models with
// the fused qkv_proj / gate_up_proj, and (Phi-4-mini) tied embeddings, RoPE on three quarters of each head and
// longrope's long factors and attention factor (the 13-token prompt is past the pretrained length of 8, and
// llama.cpp's context is too). Skips with a message when node or the package is missing.
#include "tests/core/export/export_fixtures.h"
#include "tests/core/export/llamacpp_harness.h"
#include "tests/core/model/phi3_models.h"

#include "core/export/export.h"
#include "core/export/gguf_model.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"

#include <QtTest>

#include <filesystem>

using namespace lathe;
using namespace lathe::test;

class TestPhi3Llamacpp : public QObject {
    Q_OBJECT

    void check_family(const ModelConfig& c, const std::string& name) {
        const std::string root = scratch_dir() + "/phi3-llamacpp/" + name;
        std::filesystem::remove_all(root);
        CausalLM m = make_phi3(c, 17);
        save_causal_lm(*m, root + "/model");
        for (const auto& e : std::filesystem::directory_iterator(export_tokenizer_dir())) {
            const std::string n = e.path().filename().string();
            if (n.rfind("tokenizer", 0) == 0 || n == "special_tokens_map.json")
                std::filesystem::copy_file(e.path(), root + "/model/" + n);
        }
        std::vector<int32_t> prompt;
        for (int i = 0; i < 13; ++i) prompt.push_back(3 + (i * 53) % 300);

        GenerateOptions o;
        o.sampling.temperature = 0;
        o.max_new_tokens = 8;
        // llama.cpp ends generation on the tokenizer's </s> and, by its text, on <|im_end|> (id 4).
        o.stop_ids = {2, 4};
        const std::vector<int32_t> ours = generate(*m, nullptr, prompt, o).ids;
        const auto ref = phi3_reference_logits(*m, std::vector<int64_t>(prompt.begin(), prompt.end()));

        ExportConfig e;
        e.model_name_or_path = root + "/model";
        e.export_dir = root + "/gguf";
        e.export_format = "gguf";
        e.export_quantization = "f32";
        e.model_name = "m";
        const ExportSummary s = run_export(e);
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        QStringList ids;
        for (int32_t t : prompt) ids << QString::number(t);
        LATHE_RUN_NODE(j, "run.mjs", {"--model", QString::fromStdString(root + "/gguf/m-F32.gguf"), "--tokens", ids.join(","),
                                      "--n-predict", "8", "--threads", "1", "--logits",
                                      "--kv-cache", "f32", "--flash-attention", "off"});
        QCOMPARE(j["model"]["architecture"].get<std::string>(), std::string("phi3"));
        const auto theirs = j["logits"].get<std::vector<std::vector<float>>>();
        QCOMPARE(int64_t(theirs.size()), int64_t(prompt.size()));
        double worst = 0;
        for (size_t i = 0; i < theirs.size(); ++i) {
            const auto row = torch::tensor(theirs[i]).narrow(0, 0, c.vocab_size).to(torch::kDouble);
            worst = std::max(worst, (row - ref[int64_t(i)]).abs().max().item<double>());
        }
        qInfo("%s: llama.cpp's logits at %zu positions within %.2e of the Phi-3 formulas (logits up to %.1f); greedy "
              "%zu tokens equal",
              name.c_str(), theirs.size(), worst, ref.abs().max().item<double>(), ours.size());
        QVERIFY2(worst < 1e-3, qPrintable(QString::number(worst)));
        QCOMPARE(j["generated"].get<std::vector<int32_t>>(), ours);
    }

private slots:
    void initTestCase() {
        const std::string why = harness_missing();
        if (!why.empty()) QSKIP(why.c_str());
    }
    void phi3MatchesLlamacpp() {
        // llama.cpp ignores Phi's sliding window (llama-model.cpp: "Phi SWA is currently disabled"): this model
        // has none, the window is held to the formulas in test_phi3.
        ModelConfig c = tiny_phi3_config();
        c.sliding_window = 0;
        c.sliding_layers.clear();
        check_family(c, "phi3");
    }
    void phi4MiniMatchesLlamacpp() { check_family(tiny_phi4_mini_config(), "phi4-mini"); }
};

LATHE_TEST(TestPhi3Llamacpp)
#include "test_phi3_llamacpp.moc"
