// One model family against llama.cpp: the model saved with the export fixtures' tokenizer, exported to an F32
// GGUF file, run by llama.cpp (node-llama-cpp) on a 13-token prompt; its logits at every prompt position must be
// within 1e-3 of the family's formulas (`reference`, computed by the caller from the model) and its greedy
// tokens equal Lathe's. Used by the Gemma, Phi-3 and mixture-of-experts tests.
#pragma once
#include "tests/core/export/export_fixtures.h"
#include "tests/core/export/llamacpp_harness.h"

#include "core/export/export.h"
#include "core/export/gguf_model.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"

#include <QtTest>

#include <filesystem>
#include <functional>

namespace lathe::test {

inline std::vector<int32_t> llamacpp_family_prompt() {
    std::vector<int32_t> prompt;
    for (int i = 0; i < 13; ++i) prompt.push_back(3 + (i * 53) % 300);
    return prompt;
}

// `reference` gives the formulas' logits (T, V) in float64 for the prompt.
inline void check_llamacpp_family(CausalLMImpl& m, const std::string& name,
                                  const std::function<torch::Tensor(const std::vector<int64_t>&)>& reference) {
    const ModelConfig& c = m.config();
    const std::string root = scratch_dir() + "/family-llamacpp/" + name;
    std::filesystem::remove_all(root);
    save_causal_lm(m, root + "/model");
    for (const auto& e : std::filesystem::directory_iterator(export_tokenizer_dir())) {
        const std::string n = e.path().filename().string();
        if (n.rfind("tokenizer", 0) == 0 || n == "special_tokens_map.json")
            std::filesystem::copy_file(e.path(), root + "/model/" + n);
    }
    const std::vector<int32_t> prompt = llamacpp_family_prompt();
    GenerateOptions o;
    o.sampling.temperature = 0;
    o.max_new_tokens = 8;
    o.stop_ids = {2, 4};  // llama.cpp ends on the tokenizer's </s> and, by its text, on <|im_end|> (id 4)
    const std::vector<int32_t> ours = generate(m, nullptr, prompt, o).ids;
    const auto ref = reference(std::vector<int64_t>(prompt.begin(), prompt.end()));

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
    // Flash attention off and a float32 cache: llama.cpp's defaults keep keys and values in float16.
    LATHE_RUN_NODE(j, "run.mjs", {"--model", QString::fromStdString(root + "/gguf/m-F32.gguf"), "--tokens", ids.join(","),
                                  "--n-predict", "8", "--threads", "1", "--logits", "--kv-cache", "f32", "--flash-attention", "off"});
    QCOMPARE(j["model"]["architecture"].get<std::string>(), gguf_architecture(c));
    const auto theirs = j["logits"].get<std::vector<std::vector<float>>>();
    QCOMPARE(int64_t(theirs.size()), int64_t(prompt.size()));
    double worst = 0;
    for (size_t i = 0; i < theirs.size(); ++i) {
        const auto row = torch::tensor(theirs[i]).narrow(0, 0, c.vocab_size).to(torch::kDouble);
        worst = std::max(worst, (row - ref[int64_t(i)]).abs().max().item<double>());
    }
    qInfo("%s: llama.cpp's logits at %zu positions within %.2e of the formulas (logits up to %.1f); greedy %zu tokens equal",
          name.c_str(), theirs.size(), worst, ref.abs().max().item<double>(), ours.size());
    QVERIFY2(worst < 1e-3, qPrintable(QString::number(worst)));
    QCOMPARE(j["generated"].get<std::vector<int32_t>>(), ours);
}

}  // namespace lathe::test
