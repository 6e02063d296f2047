// lathe-cli info on tiny model folders written by the test: every item a user sizes a model by.
#include "tests/cli/cli_fixtures.h"

#include "core/data/template.h"
#include "core/model/model_info.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/memory_estimate.h"
#include "core/train/precision.h"
#include "core/train/train_config.h"
#include "tests/core/model/tiny_models.h"

#include <QtTest>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <tuple>

using namespace lathe;

namespace {

// The line of `out` that starts with `label`, "" when there is none.
std::string line_of(const std::string& out, const std::string& label) {
    size_t at = out.find("\n" + label);
    if (out.rfind(label, 0) == 0) at = 0;
    else if (at == std::string::npos) return "";
    else ++at;
    return out.substr(at, out.find('\n', at) - at);
}

// The row of the training table for `method` ("full", "qlora-4bit"), "" when there is none.
std::string row_of(const std::string& out, const std::string& method) {
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        const size_t first = line.find_first_not_of(' ');
        if (first != std::string::npos && line.compare(first, method.size() + 1, method + " ") == 0) return line;
    }
    return "";
}

// "2.1M" -> 2.1e6; -1 when `text` does not start with a count in info's form (digits, one decimal, K/M/B).
double count_value(const std::string& text) {
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (...) {
        return -1;
    }
    if (used == 0 || used >= text.size()) return -1;
    const char unit = text[used];
    return unit == 'K' ? v * 1e3 : unit == 'M' ? v * 1e6 : unit == 'B' ? v * 1e9 : -1;
}

int64_t numel(CausalLMImpl& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

}  // namespace

class TestCliInfo : public QObject {
    Q_OBJECT
private slots:
    void printsEveryItem() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        const std::string tok_dir = test::shared_tokenizer_dir("llama2");
        auto tok = Tokenizer::from_dir(tok_dir);
        auto c = test::tiny_config("llama");
        c.vocab_size = tok->vocab_size();
        CausalLM m(c);
        m->init_weights(1);
        const std::string dir = test::write_model_folder(*m, "info-llama", tok_dir);
        auto r = test::run_cli({"info", "--model", dir, "--cutoff-len", "64", "--batch", "2", "--bf16", "false"});
        QVERIFY2(r.code == 0, r.why().c_str());
        const std::string& out = r.out;

        QCOMPARE(line_of(out, "architecture:"), std::string("architecture:  llama (LlamaForCausalLM)"));
        const int64_t params = numel(*m);
        QCOMPARE(params, c.parameter_count());
        // "parameters:    2.1M (embeddings 1.0M": each count within its last printed digit.
        const std::string counts = line_of(out, "parameters:").substr(std::string("parameters:").size());
        const size_t first = counts.find_first_not_of(' '), emb = counts.find("(embeddings ");
        QVERIFY2(first != std::string::npos && emb != std::string::npos, out.c_str());
        QVERIFY2(std::abs(count_value(counts.substr(first)) - double(params)) <= 0.05e6, out.c_str());
        QVERIFY2(std::abs(count_value(counts.substr(emb + 12)) - double(c.vocab_size * c.hidden_size)) <= 0.05e6,
                 out.c_str());
        QVERIFY2(test::contains(line_of(out, "shape:"), "2 layers, hidden 32, intermediate 64, heads 4 (kv 2), head_dim 8"),
                 out.c_str());
        const size_t tensors = m->named_parameters().size();
        QVERIFY2(test::contains(line_of(out, "weights:"), "F32 (" + std::to_string(tensors) + " tensors)"), out.c_str());
        const std::string tok_line = "tokenizer:     " + tok->kind() + ", vocab " + std::to_string(tok->vocab_size()) +
                                     ", bos " + tok->special().bos + " (" + std::to_string(tok->special().bos_id) +
                                     "), eos " + tok->special().eos + " (" + std::to_string(tok->special().eos_id) + ")";
        QCOMPARE(line_of(out, "tokenizer:"), tok_line);
        QVERIFY2(test::contains(line_of(out, "template:"), pick_template(tok.get(), "llama")), out.c_str());
        // fp32 weights: 4 bytes a parameter; full fine-tuning with AdamW: 16.
        // Memory in the studio's units, the training estimates' below (format_bytes).
        QVERIFY2(test::contains(line_of(out, "memory:"), "weights " + format_bytes(uint64_t(params) * 4) + " + KV cache"),
                 out.c_str());
        // Training: the engine's estimate for each method at these settings, without and with checkpointing.
        QVERIFY2(test::contains(line_of(out, "training:"), "stage sft, cutoff 64, batch 2, fp32 (bf16: false)"), out.c_str());
        TrainConfig tc;
        tc.cutoff_len = 64;
        tc.per_device_train_batch_size = 2;
        tc.bf16 = Toggle::Off;
        const Precision precision = decide_precision(tc);
        const std::vector<std::tuple<std::string, int, std::string>> methods = {
            {"full", 0, "full"}, {"lora", 0, "lora"}, {"lora", 4, "qlora-4bit"}};
        for (const auto& [method, bits, label] : methods) {
            tc.finetuning_type = method;
            tc.quantization_bit = bits;
            tc.gradient_checkpointing = false;
            const std::string plain = format_bytes(estimate_memory(memory_estimate_inputs(c, tc, precision)).peak());
            tc.gradient_checkpointing = true;
            const std::string ckpt = format_bytes(estimate_memory(memory_estimate_inputs(c, tc, precision)).peak());
            const std::string row = row_of(out, label);
            QVERIFY2(test::contains(row, plain) && test::contains(row.substr(row.find(plain) + plain.size()), ckpt),
                     (row + "\nexpected " + plain + " then " + ckpt).c_str());
        }
        QVERIFY(r.err.empty());
    }

    // bf16 weights, a tied head, another family.
    void reportsDtypeTyingAndFamily() {
        auto c = test::tiny_config("qwen2");
        c.tie_word_embeddings = true;
        CausalLM m(c);
        m->init_weights(1);
        const std::string dir = test::write_model_folder(*m, "info-qwen2-bf16", "", torch::kBFloat16);
        auto r = test::run_cli({"info", "--model", dir});
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(line_of(r.out, "architecture:"), std::string("architecture:  qwen2 (Qwen2ForCausalLM)"));
        QVERIFY2(test::contains(line_of(r.out, "parameters:"), "tied to the output head"), r.out.c_str());
        QVERIFY2(test::contains(line_of(r.out, "weights:"), "BF16 (" + std::to_string(m->named_parameters().size()) + " tensors)"),
                 r.out.c_str());
        // Without tokenizer files info still answers, and says so; the template comes from model_type.
        QVERIFY2(test::contains(line_of(r.out, "tokenizer:"), "unavailable"), r.out.c_str());
        QVERIFY2(test::contains(line_of(r.out, "template:"), pick_template(nullptr, "qwen2")), r.out.c_str());
    }
};

LATHE_TEST(TestCliInfo)
#include "test_cli_info.moc"
