// GGUF export read back with GgufFile: metadata (architecture, hyperparameters, file type, the
// embedded SentencePiece vocabulary, the chat template), tensor names, types and values, the q/k row
// permutation for llama, qwen2/qwen3 naming, llama3 rope factors, tied embeddings, and the Modelfile.
#include "tests/core/export/export_fixtures.h"

#include "core/data/template.h"
#include "core/export/chat_template_export.h"
#include "core/export/gguf_model.h"
#include "core/io/gguf_quant.h"
#include "core/io/gguf.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"

#include <QtTest>

using namespace lathe;
using namespace lathe::test;

namespace {

ExportSummary export_gguf(const std::string& model, const std::string& dir, const std::string& q,
                          const std::string& adapters = "", const std::string& tmpl = "") {
    ExportConfig c;
    c.model_name_or_path = model;
    c.adapter_name_or_path = adapters;
    c.export_dir = dir;
    c.export_format = "gguf";
    c.export_quantization = q;
    c.template_name = tmpl;
    c.model_name = "tiny";
    return run_export(c);
}

}  // namespace

class TestExportGguf : public QObject {
    Q_OBJECT
    std::string root, model, adapter;
    CausalLM merged{nullptr};

private slots:
    void initTestCase() {
        root = scratch_dir() + "/export-gguf";
        model = root + "/base", adapter = root + "/lora";
        make_model_dir(model, export_tiny_config());
        make_adapter(model, adapter, 9);
        merged = load_causal_lm(model);
        merge_lora_adapters(merged.ptr(), {adapter});
    }

    void f32HoldsTheMergedWeightsInLlamaLayout() {
        const ExportSummary s = export_gguf(model, root + "/f32", "f32", adapter, "chatml");
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        GgufFile f(root + "/f32/tiny-F32.gguf");
        const ModelConfig c = merged->config();
        QCOMPARE(f.get_string("general.architecture"), std::string("llama"));
        QCOMPARE(f.get_string("general.name"), std::string("tiny"));
        QCOMPARE(f.get_uint("general.file_type"), uint64_t(LlamaFileType::AllF32));
        QCOMPARE(f.get_uint("llama.block_count"), uint64_t(c.num_hidden_layers));
        QCOMPARE(f.get_uint("llama.embedding_length"), uint64_t(c.hidden_size));
        QCOMPARE(f.get_uint("llama.feed_forward_length"), uint64_t(c.intermediate_size));
        QCOMPARE(f.get_uint("llama.attention.head_count"), uint64_t(c.num_attention_heads));
        QCOMPARE(f.get_uint("llama.attention.head_count_kv"), uint64_t(c.num_key_value_heads));
        QCOMPARE(f.get_uint("llama.context_length"), uint64_t(c.max_position_embeddings));
        QCOMPARE(f.get_uint("llama.rope.dimension_count"), uint64_t(c.head_dim));
        QCOMPARE(f.get_uint("llama.vocab_size"), uint64_t(c.vocab_size));
        QCOMPARE(float(f.get_float("llama.rope.freq_base")), float(c.rope_theta));
        QCOMPARE(float(f.get_float("llama.attention.layer_norm_rms_epsilon")), float(c.rms_norm_eps));
        // 2 layers x 9 tensors + embeddings, final norm, output
        QCOMPARE(f.tensors().size(), size_t(2 * 9 + 3));
        torch::NoGradGuard g;
        for (const auto& p : merged->named_parameters()) {
            std::string name = p.key();
            at::Tensor want = p.value();
            if (name == "model.embed_tokens.weight") name = "token_embd.weight";
            else if (name == "lm_head.weight") name = "output.weight";
            else if (name == "model.norm.weight") name = "output_norm.weight";
            else continue;
            QVERIFY(torch::equal(f.tensor_f32(name), want));
        }
        const at::Tensor q = merged->model->layers[1]->as<DecoderLayer>()->self_attn->q_proj->weight;
        const at::Tensor k = merged->model->layers[1]->as<DecoderLayer>()->self_attn->k_proj->weight;
        QVERIFY(torch::equal(f.tensor_f32("blk.1.attn_q.weight"), llama_permute_qk_for_gguf(q, c.num_attention_heads)));
        QVERIFY(torch::equal(f.tensor_f32("blk.1.attn_k.weight"), llama_permute_qk_for_gguf(k, c.num_key_value_heads)));
        QVERIFY(!torch::equal(f.tensor_f32("blk.1.attn_q.weight"), q));  // the permutation did something
        QCOMPARE(f.tensor_info("blk.0.ffn_down.weight").shape(), (std::vector<int64_t>{c.hidden_size, c.intermediate_size}));
    }

    void sentencePieceVocabularyIsEmbedded() {
        const ExportSummary s = export_gguf(model, root + "/vocab", "f16", "", "chatml");
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        GgufFile f(root + "/vocab/tiny-F16.gguf");
        auto spm = SpmTokenizer::load(model + "/tokenizer.model");
        const auto& pieces = spm->model_info().pieces;
        QCOMPARE(f.get_string("tokenizer.ggml.model"), std::string("llama"));
        QCOMPARE(f.get_string("tokenizer.ggml.pre"), std::string("default"));
        const auto& tokens = f.get("tokenizer.ggml.tokens").strings();
        const auto scores = f.get("tokenizer.ggml.scores").get_array<float>();
        const auto types = f.get("tokenizer.ggml.token_type").get_array<int32_t>();
        QCOMPARE(tokens.size(), size_t(320));
        QCOMPARE(pieces.size(), size_t(320));
        for (size_t i = 0; i < pieces.size(); ++i) {
            QCOMPARE(tokens[i], pieces[i].piece);
            QCOMPARE(scores[i], pieces[i].score);
            QCOMPARE(types[i], int32_t(pieces[i].type));
        }
        QCOMPARE(types[0], 2);  // <unk>
        QCOMPARE(types[1], 3);  // <s>
        const int32_t im_end = spm->token_to_id("<|im_end|>");
        QCOMPARE(types[im_end], 4);  // user-defined
        QCOMPARE(f.get_uint("tokenizer.ggml.bos_token_id"), uint64_t(1));
        QCOMPARE(f.get_uint("tokenizer.ggml.eos_token_id"), uint64_t(im_end));  // chatml's end of turn
        QVERIFY(!f.find("tokenizer.ggml.eot_token_id"));  // written only when it differs from the EOS
        QCOMPARE(f.get_uint("tokenizer.ggml.unknown_token_id"), uint64_t(0));
        QCOMPARE(f.get("tokenizer.ggml.add_bos_token").get<bool>(), true);
        QCOMPARE(f.get("tokenizer.ggml.add_space_prefix").get<bool>(), true);
        QCOMPARE(f.get_string("tokenizer.chat_template"), jinja_chat_template(*find_template("chatml")));
        // F16 weights, F32 norms
        QCOMPARE(f.tensor_info("blk.0.attn_q.weight").type, uint32_t(GgmlType::F16));
        QCOMPARE(f.tensor_info("blk.0.attn_norm.weight").type, uint32_t(GgmlType::F32));
        const std::string modelfile = read_file(root + "/vocab/Modelfile");
        QVERIFY(has(modelfile, "FROM ./tiny-F16.gguf\n"));
        QVERIFY(has(modelfile, "PARAMETER stop \"<|im_end|>\"\n"));
        QVERIFY(has(modelfile, "PARAMETER stop \"<|im_start|>\"\n"));
        QVERIFY(has(modelfile, "PARAMETER stop \"</s>\"\n"));
        QVERIFY(has(modelfile, "TEMPLATE \"\"\"") && has(modelfile, "{{ .Content }}"));
        QVERIFY(has(read_file(root + "/vocab/README.md"), "GGUF F16"));
    }

    void quantizedTypesFollowLlamaQuantize() {
        struct Case {
            const char* q;
            LlamaFileType ftype;
            GgmlType weights, output;
        };
        // Rows of 64 values: K-quant blocks (256) do not fit, so Q4_K_M falls back as llama-quantize does.
        const Case cases[] = {{"q8_0", LlamaFileType::MostlyQ8_0, GgmlType::Q8_0, GgmlType::Q8_0},
                              {"q4_0", LlamaFileType::MostlyQ4_0, GgmlType::Q4_0, GgmlType::Q8_0},
                              {"q4_k_m", LlamaFileType::MostlyQ4_K_M, GgmlType::Q5_0, GgmlType::Q8_0},
                              {"bf16", LlamaFileType::MostlyBF16, GgmlType::BF16, GgmlType::BF16}};
        for (const Case& k : cases) {
            const std::string dir = root + "/" + k.q;
            const ExportSummary s = export_gguf(model, dir, k.q);
            QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
            std::string label = k.q;
            for (char& ch : label) ch = char(std::toupper(ch));
            GgufFile f(dir + "/tiny-" + label + ".gguf");
            QCOMPARE(f.get_uint("general.file_type"), uint64_t(k.ftype));
            QCOMPARE(f.tensor_info("blk.0.attn_q.weight").type_name(), ggml_type_name(k.weights));
            QCOMPARE(f.tensor_info("output.weight").type_name(), ggml_type_name(k.output));
            QCOMPARE(f.tensor_info("output_norm.weight").type, uint32_t(GgmlType::F32));
            // Values decode to the source within the type's precision.
            const at::Tensor want = merged->model->layers[0]->as<DecoderLayer>()->mlp->up_proj->weight;
            CausalLM base = load_causal_lm(model);
            const at::Tensor src = base->model->layers[0]->as<DecoderLayer>()->mlp->up_proj->weight.detach();
            const double rel = ((f.tensor_f32("blk.0.ffn_up.weight") - src).norm() / src.norm()).item<double>();
            qInfo("%s: relative error of blk.0.ffn_up %.4f", k.q, rel);
            QVERIFY(rel < (k.weights == GgmlType::Q4_0 || k.weights == GgmlType::Q5_0 ? 0.15 : 0.01));
            (void)want;
        }
    }

    void qwenArchitecturesUseTheirNames() {
        for (const std::string type : {"qwen2", "qwen3"}) {
            const std::string dir = root + "/" + type;
            ModelConfig c = export_tiny_config(type);
            c.tie_word_embeddings = true;
            CausalLM m = make_model_dir(dir + "-src", c);
            const ExportSummary s = export_gguf(dir + "-src", dir, "f32");
            QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
            GgufFile f(dir + "/tiny-F32.gguf");
            QCOMPARE(f.get_string("general.architecture"), type);
            QCOMPARE(f.get_uint(type + ".attention.head_count"), uint64_t(c.num_attention_heads));
            QVERIFY(!f.find_tensor("output.weight"));  // tied: llama.cpp reuses token_embd
            torch::NoGradGuard g;
            const at::Tensor q = m->model->layers[0]->as<DecoderLayer>()->self_attn->q_proj->weight;
            QVERIFY(torch::equal(f.tensor_f32("blk.0.attn_q.weight"), q));  // no permutation
            if (type == "qwen2") {
                QVERIFY(f.find_tensor("blk.0.attn_q.bias"));
                QVERIFY(f.find_tensor("blk.0.attn_v.bias"));
            } else {
                QVERIFY(f.find_tensor("blk.0.attn_q_norm.weight"));
                QVERIFY(f.find_tensor("blk.0.attn_k_norm.weight"));
                QCOMPARE(f.get_uint("qwen3.attention.key_length"), uint64_t(c.head_dim));
            }
        }
    }

    void llama3RopeScalingAddsRopeFactors() {
        ModelConfig c = export_tiny_config();
        c.rope_scaling.type = "llama3";
        c.rope_scaling.factor = 8.0;
        c.rope_scaling.low_freq_factor = 1.0;
        c.rope_scaling.high_freq_factor = 4.0;
        c.rope_scaling.original_max_position_embeddings = 64;
        c.rope_theta = 500000.0;
        make_model_dir(root + "/rope-src", c);
        const ExportSummary s = export_gguf(root + "/rope-src", root + "/rope", "q8_0");
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        GgufFile f(root + "/rope/tiny-Q8_0.gguf");
        const at::Tensor r = f.tensor_f32("rope_freqs.weight");
        QCOMPARE(r.numel(), c.head_dim / 2);
        QCOMPARE(f.tensor_info("rope_freqs.weight").type, uint32_t(GgmlType::F32));
        // Formula check (convert_hf_to_gguf.py): high frequencies keep factor 1, low ones get `factor`.
        QCOMPARE(r[0].item<float>(), 1.0f);
        QCOMPARE(r[-1].item<float>(), 8.0f);
        for (int64_t i = 0; i < r.numel(); ++i) {
            const double freq = 1.0 / std::pow(c.rope_theta, 2.0 * i / c.head_dim), wavelen = 2 * M_PI / freq;
            const double want = wavelen < 64 / 4.0 ? 1 : wavelen > 64 ? 8 : 1 / ((1 - (64 / wavelen - 1) / 3) / 8 + (64 / wavelen - 1) / 3);
            QVERIFY(std::abs(r[i].item<double>() - want) < 1e-4 * want);
        }
    }
};

LATHE_TEST(TestExportGguf)
#include "test_export_gguf.moc"
