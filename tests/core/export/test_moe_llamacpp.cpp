// Qwen3-MoE and Qwen2-MoE exported to GGUF and run by llama.cpp (node-llama-cpp's prebuilt binaries): the
// greedy tokens equal Lathe's, and the logits at every prompt position agree within 1e-3 of the formulas
// written out token by token, on tiny models whose experts llama.cpp reads stacked (ffn_*_exps), with the
// router's top-k renormalised (Qwen3-MoE) or not and a shared expert (Qwen2-MoE). Skips with a message when
// node or the package is missing.
#include "tests/core/export/export_fixtures.h"
#include "tests/core/export/llamacpp_harness.h"
#include "tests/core/model/moe_models.h"

#include "core/export/export.h"
#include "core/export/gguf_model.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"

#include <QtTest>

#include <filesystem>

using namespace lathe;
using namespace lathe::test;

class TestMoeLlamacpp : public QObject {
    Q_OBJECT

    void check_family(const ModelConfig& c) {
        const std::string root = scratch_dir() + "/moe-llamacpp/" + c.model_type;
        std::filesystem::remove_all(root);
        CausalLM m = make_moe(c, 17);
        save_causal_lm(*m, root + "/model");
        for (const auto& e : std::filesystem::directory_iterator(export_tokenizer_dir())) {
            const std::string n = e.path().filename().string();
            if (n.rfind("tokenizer", 0) == 0 || n == "special_tokens_map.json")
                std::filesystem::copy_file(e.path(), root + "/model/" + n);
        }
        std::vector<int32_t> prompt;
        for (int i = 0; i < 13; ++i) prompt.push_back(5 + (i * 53) % 300);

        GenerateOptions o;
        o.sampling.temperature = 0;
        o.max_new_tokens = 8;
        o.stop_ids = {2, 4};  // llama.cpp also ends on <|im_end|> (id 4), by its text
        const std::vector<int32_t> ours = generate(*m, nullptr, prompt, o).ids;
        const auto ref = moe_reference_logits(*m, std::vector<int64_t>(prompt.begin(), prompt.end()));

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
        double worst = 0;
        for (size_t i = 0; i < theirs.size(); ++i) {
            const auto row = torch::tensor(theirs[i]).narrow(0, 0, c.vocab_size).to(torch::kDouble);
            worst = std::max(worst, (row - ref[int64_t(i)]).abs().max().item<double>());
        }
        qInfo("%s: llama.cpp's logits at %zu positions within %.2e of the formulas (logits up to %.1f); greedy %zu tokens equal",
              c.model_type.c_str(), theirs.size(), worst, ref.abs().max().item<double>(), ours.size());
        QVERIFY2(worst < 1e-3, qPrintable(QString::number(worst)));
        QCOMPARE(j["generated"].get<std::vector<int32_t>>(), ours);
    }

private slots:
    void initTestCase() {
        const std::string why = harness_missing();
        if (!why.empty()) QSKIP(why.c_str());
    }
    void qwen3MoeMatchesLlamacpp() { check_family(tiny_qwen3_moe_config()); }
    void qwen2MoeMatchesLlamacpp() { check_family(tiny_qwen2_moe_config()); }
};

LATHE_TEST(TestMoeLlamacpp)
#include "test_moe_llamacpp.moc"
