// Gemma 2 and Gemma 3 exported to GGUF and run by llama.cpp (node-llama-cpp's prebuilt binaries): the
// greedy tokens equal Lathe's, and the logits at every prompt position agree within 1e-3, on tiny models
// whose prompt outgrows the sliding window, whose norms are random (the +1 llama.cpp needs), whose query
// scale is not llama.cpp's (folded into the weights), with soft-capping (Gemma 2) and two RoPE bases
// (Gemma 3). Skips with a message when node or the package is missing.
#include "tests/core/export/export_fixtures.h"
#include "tests/core/export/llamacpp_harness.h"
#include "tests/core/model/gemma_models.h"

#include "core/export/export.h"
#include "core/export/gguf_model.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"

#include <QtTest>

#include <filesystem>

using namespace lathe;
using namespace lathe::test;
using json = nlohmann::json;

class TestGemmaLlamacpp : public QObject {
    Q_OBJECT

    void check_family(const ModelConfig& c) {
        const std::string root = scratch_dir() + "/gemma-llamacpp/" + c.model_type;
        std::filesystem::remove_all(root);
        CausalLM m = make_gemma(c, 17);
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
        const std::vector<int32_t> ours = generate(*m, nullptr, prompt, o).ids;
        torch::Tensor logits;
        {
            torch::NoGradGuard g;
            logits = m->forward(torch::tensor(std::vector<int64_t>(prompt.begin(), prompt.end())).unsqueeze(0)).squeeze(0);
        }

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
        QCOMPARE(j["model"]["architecture"].get<std::string>(), gguf_architecture(c));
        const auto theirs = j["logits"].get<std::vector<std::vector<float>>>();
        QCOMPARE(int64_t(theirs.size()), int64_t(prompt.size()));
        // Flash attention off and a float32 cache: llama.cpp's defaults keep keys and values in float16.
        // llama.cpp's GELU reads a float16 table (ggml's GGML_GELU_FP16), about 1e-3 off in relative terms:
        // its logits are held to 1e-3 of the Gemma formulas computed with that GELU, while Lathe's are held
        // to the exact formulas (test_gemma's forwardMatchesThePlainFormulas) and reported against llama.cpp's.
        const auto ref = gemma_reference_logits(*m, std::vector<int64_t>(prompt.begin(), prompt.end()), true);
        double worst = 0, raw = 0;
        for (size_t i = 0; i < theirs.size(); ++i) {
            const auto row = torch::tensor(theirs[i]).narrow(0, 0, c.vocab_size).to(torch::kDouble);
            worst = std::max(worst, (row - ref[int64_t(i)]).abs().max().item<double>());
            raw = std::max(raw, (row - logits[int64_t(i)].to(torch::kDouble)).abs().max().item<double>());
        }
        qInfo("%s: llama.cpp's logits at %zu positions within %.2e of the formulas with ggml's GELU table (%.2e of "
              "Lathe's, logits up to %.1f); greedy %zu tokens equal",
              c.model_type.c_str(), theirs.size(), worst, raw, ref.abs().max().item<double>(), ours.size());
        QVERIFY2(worst < 1e-3, qPrintable(QString::number(worst)));
        QCOMPARE(j["generated"].get<std::vector<int32_t>>(), ours);
    }

private slots:
    void initTestCase() {
        const std::string why = harness_missing();
        if (!why.empty()) QSKIP(why.c_str());
    }
    void gemma3MatchesLlamacpp() { check_family(tiny_gemma3_config()); }
    void gemma2MatchesLlamacpp() { check_family(tiny_gemma2_config()); }
};

LATHE_TEST(TestGemmaLlamacpp)
#include "test_gemma_llamacpp.moc"
