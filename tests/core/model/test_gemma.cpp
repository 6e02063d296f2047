// Gemma 2 and Gemma 3 (text): config.json as transformers writes it, the forward pass against the plain
// formulas (gemma_models.h), incremental decoding past the sliding window, training paths (gradient
// checkpointing, soft-capped chunked log-probabilities, LoRA's targets), saving and loading, and the
// GGUF plan's names, norms and refusals.
#include "tests/checks.h"
#include "tests/registry.h"
#include "tests/core/model/decode_checks.h"
#include "tests/core/model/gemma_models.h"

#include "core/export/gguf_model.h"
#include "core/export/gguf_vocab.h"
#include "core/tokenizer/tokenizer.h"
#include "core/model/kv_cache.h"
#include "core/model/model_folder.h"
#include "core/peft/lora.h"
#include "core/train/grad_checkpoint.h"
#include "core/train/token_logprobs.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <QtTest>

#include <filesystem>

using namespace lathe;
using json = nlohmann::json;
using lathe::test::error_of;

namespace {

// Gemma 3 1B's config.json (transformers 4.50), shrunk.
json gemma3_json() {
    return json::parse(R"({
      "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "attention_bias": false,
      "attn_logit_softcapping": null, "bos_token_id": 2, "eos_token_id": [1, 106], "final_logit_softcapping": null,
      "head_dim": 32, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 64, "intermediate_size": 128,
      "max_position_embeddings": 32768, "num_attention_heads": 4, "num_hidden_layers": 13, "num_key_value_heads": 1,
      "pad_token_id": 0, "query_pre_attn_scalar": 32, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000,
      "rope_scaling": null, "rope_theta": 1000000, "sliding_window": 512, "sliding_window_pattern": 6,
      "torch_dtype": "bfloat16", "vocab_size": 262144})");
}

double grad_diff(CausalLMImpl& a, CausalLMImpl& b) {
    double worst = 0;
    auto pa = a.named_parameters(), pb = b.named_parameters();
    for (auto& item : pa) {
        const auto& ga = item.value().grad();
        const auto& gb = pb[item.key()].grad();
        if (!ga.defined() && !gb.defined()) continue;
        if (!ga.defined() || !gb.defined()) return 1e9;
        worst = std::max(worst, (ga - gb).abs().max().item<double>());
    }
    return worst;
}

}  // namespace

class TestGemma : public QObject {
    Q_OBJECT
private slots:
    void gemma3ConfigAsTransformersWritesIt() {
        const ModelConfig c = ModelConfig::from_json(gemma3_json(), "config.json");
        QCOMPARE(c.hidden_act, std::string("gelu_pytorch_tanh"));
        QVERIFY(c.tie_word_embeddings);  // Gemma ties unless told otherwise
        QCOMPARE(c.sliding_window, int64_t(512));
        QCOMPARE(c.rope_local_base_freq, 10000.0);
        QCOMPARE(c.attention_scale(), 1.0 / std::sqrt(32.0));
        QCOMPARE(int(c.sliding_layers.size()), 13);
        for (int i = 0; i < 13; ++i) QCOMPARE(bool(c.sliding_layers[size_t(i)]), (i + 1) % 6 != 0);  // 5 and 11 global
        QCOMPARE(c.eos_token_ids, (std::vector<int64_t>{1, 106}));
        // Four norms per layer and the q/k norms: the count Gemma3ForCausalLM reports for this shape.
        const int64_t h = 64, layer = h * 128 + 2 * h * 32 + 128 * h + 3 * h * 128 + 4 * h + 2 * 32;
        QCOMPARE(c.parameter_count(), 262144 * h + 13 * layer + h);

        // Written back and read again: the same model, with layer_types spelled out.
        const json out = c.to_json(nullptr);
        QCOMPARE(out["layer_types"][5].get<std::string>(), std::string("full_attention"));
        QCOMPARE(out["layer_types"][4].get<std::string>(), std::string("sliding_attention"));
        const ModelConfig back = ModelConfig::from_json(out, "written");
        QVERIFY(back.sliding_layers == c.sliding_layers);
        QCOMPARE(back.query_pre_attn_scalar, c.query_pre_attn_scalar);
        QCOMPARE(back.rope_local_base_freq, c.rope_local_base_freq);
        QCOMPARE(back.hidden_act, c.hidden_act);

        // layer_types, where present, decides (transformers >= 4.53).
        json j = gemma3_json();
        j["layer_types"] = json::array();
        for (int i = 0; i < 13; ++i) j["layer_types"].push_back(i % 2 ? "full_attention" : "sliding_attention");
        const ModelConfig typed = ModelConfig::from_json(j, "config.json");
        QVERIFY(typed.layer_slides(0) && !typed.layer_slides(1));

        // transformers 5: rope_parameters per layer type instead of rope_theta / rope_local_base_freq.
        j = gemma3_json();
        j.erase("rope_theta");
        j.erase("rope_local_base_freq");
        j.erase("rope_scaling");
        j["rope_parameters"] = {{"full_attention", {{"rope_type", "linear"}, {"factor", 8.0}, {"rope_theta", 1000000.0}}},
                                {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 20000.0}}}};
        const ModelConfig v5 = ModelConfig::from_json(j, "config.json");
        QCOMPARE(v5.rope_theta, 1000000.0);
        QCOMPARE(v5.rope_scaling.type, std::string("linear"));
        QCOMPARE(v5.rope_scaling.factor, 8.0);
        QCOMPARE(v5.rope_local_base_freq, 20000.0);
    }

    void gemmaConfigErrorsNameTheField() {
        json j = gemma3_json();
        j["model_type"] = "gemma3";
        std::string msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("m/config.json") != std::string::npos && msg.find("gemma3_text") != std::string::npos &&
                     msg.find("Gemma3ForConditionalGeneration") != std::string::npos,
                 msg.c_str());
        j = gemma3_json();
        j["layer_types"] = json::array({"sliding_attention"});
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("'layer_types' must list one entry per layer (13)") != std::string::npos, msg.c_str());
        j["layer_types"] = json::array();
        for (int i = 0; i < 13; ++i) j["layer_types"].push_back(i == 3 ? "chunked_attention" : "full_attention");
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("layer_types[3] is \"chunked_attention\"") != std::string::npos, msg.c_str());
        j = gemma3_json();
        j["hidden_activation"] = "relu2";
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("hidden_act 'relu2' is not supported") != std::string::npos, msg.c_str());
    }

    void forwardMatchesThePlainFormulas() {
        for (const ModelConfig& c : {test::tiny_gemma3_config(), test::tiny_gemma2_config()}) {
            CausalLM m = test::make_gemma(c, 5);
            const auto tokens = test::prompt(13);  // past the window of 4
            const auto ours = test::logits_of(*m, tokens).to(torch::kDouble);
            const auto ref = test::gemma_reference_logits(*m, tokens);
            const double diff = (ours - ref).abs().max().item<double>();
            qInfo("%s: max |logit - reference| %.2e (logits up to %.2f)", c.model_type.c_str(), diff,
                  ref.abs().max().item<double>());
            QVERIFY2(diff < 2e-4, qPrintable(QString::number(diff)));
            if (c.final_logit_softcapping > 0) QVERIFY(ours.abs().max().item<double>() < c.final_logit_softcapping);
        }
    }

    void slidingWindowChangesTheOutput() {
        // The window is not a no-op: without it the last position's logits move.
        ModelConfig c = test::tiny_gemma3_config();
        CausalLM a = test::make_gemma(c, 9);
        c.sliding_layers.assign(6, false);
        CausalLM b(c);
        {
            torch::NoGradGuard g;
            auto pb = b->named_parameters();
            for (auto& item : a->named_parameters()) pb[item.key()].copy_(item.value());
        }
        b->eval();
        const auto tokens = test::prompt(12);
        const double diff = (test::logits_of(*a, tokens) - test::logits_of(*b, tokens)).abs().max().item<double>();
        QVERIFY2(diff > 1e-3, qPrintable(QString::number(diff)));
    }

    void cachedDecodingMatchesTheFullPass() {
        for (const ModelConfig& c : {test::tiny_gemma3_config(), test::tiny_gemma2_config()}) {
            CausalLM m = test::make_gemma(c, 6);
            // A prompt of 5, then one token at a time up to 14: the later ones see a window of keys only.
            const double worst = test::cached_vs_full(*m, test::prompt(14), 5);
            qInfo("%s: cached vs full max diff %.2e", c.model_type.c_str(), worst);
            QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
        }
    }

    void checkpointingGivesTheSameGradients() {
        // Gemma 3's sliding layers take their own RoPE tables through the checkpoint.
        const ModelConfig c = test::tiny_gemma3_config();
        CausalLM a = test::make_gemma(c, 7), b = test::make_gemma(c, 7);
        a->train();
        b->train();
        const auto ids = torch::tensor(test::prompt(12), torch::kLong).unsqueeze(0);
        a->forward(ids).logsumexp(-1).sum().backward();
        ForwardOptions o;
        o.layer_runner = checkpointed_layer;
        b->forward(ids, o).logsumexp(-1).sum().backward();
        const double diff = grad_diff(*a, *b);
        QVERIFY2(diff < 1e-5, qPrintable(QString::number(diff)));
    }

    void softCappedLogprobsAndGradients() {
        // token_logprobs (chunked, no (T, V) logits kept) against log_softmax of the capped logits.
        const ModelConfig c = test::tiny_gemma2_config();
        CausalLM a = test::make_gemma(c, 8), b = test::make_gemma(c, 8);
        for (CausalLM* m : {&a, &b})
            for (auto& p : (*m)->named_parameters()) p.value().set_requires_grad(p.key().find("embed") == std::string::npos);
        const auto ids = torch::tensor(test::prompt(10), torch::kLong).unsqueeze(0);
        const auto targets = torch::tensor(test::prompt(11), torch::kLong).narrow(0, 1, 10);
        auto lp = token_logprobs(*a, a->hidden_states(ids).squeeze(0), targets, /*chunk_elements=*/3 * 320);
        auto ref = torch::log_softmax(b->forward(ids).squeeze(0), -1).gather(1, targets.unsqueeze(1)).squeeze(1);
        QVERIFY2((lp - ref).abs().max().item<double>() < 1e-5, "log-probabilities differ");
        lp.sum().backward();
        ref.sum().backward();
        const double diff = grad_diff(*a, *b);
        QVERIFY2(diff < 1e-5, qPrintable(QString::number(diff)));
    }

    void loraTargetsArePeftNames() {
        auto m = std::make_shared<CausalLMImpl>(test::tiny_gemma3_config());
        m->init_weights(3, 0.02);
        LoraModel lora = LoraModel::apply(m, LoraSettings{});
        QCOMPARE(lora.target_modules(), (std::vector<std::string>{"down_proj", "gate_proj", "k_proj", "o_proj", "q_proj",
                                                                  "up_proj", "v_proj"}));
        // A step changes the output (B starts at zero: the second pass differs only if training reached it).
        const auto ids = torch::tensor(test::prompt(12), torch::kLong).unsqueeze(0);
        m->train();
        auto loss = m->forward(ids).logsumexp(-1).mean();
        loss.backward();
        int with_grad = 0;
        for (auto& p : m->parameters())
            if (p.requires_grad() && p.grad().defined() && p.grad().abs().sum().item<double>() > 0) ++with_grad;
        QCOMPARE(with_grad, 6 * 7);  // lora_B of each of the 7 targets in 6 layers; lora_A's gradient is 0 while B is
    }

    void savedAndLoadedAsTransformersReadsIt() {
        CausalLM m = test::make_gemma(test::tiny_gemma2_config(), 4);
        const std::string dir = test::scratch_dir() + "/gemma2-saved";
        std::filesystem::remove_all(dir);
        save_causal_lm(*m, dir);
        const json cfg = json::parse(read_file(dir + "/config.json"));
        QCOMPARE(cfg["architectures"][0].get<std::string>(), std::string("Gemma2ForCausalLM"));
        QCOMPARE(cfg["final_logit_softcapping"].get<double>(), 3.0);
        QCOMPARE(cfg["hidden_activation"].get<std::string>(), std::string("gelu_pytorch_tanh"));
        CausalLM back = load_causal_lm(dir);
        const auto tokens = test::prompt(9);
        QCOMPARE((test::logits_of(*m, tokens) - test::logits_of(*back, tokens)).abs().max().item<double>(), 0.0);
    }

    void ggufPlanNamesNormsAndRefusals() {
        ModelConfig c = test::tiny_gemma3_config();
        CausalLM m = test::make_gemma(c, 2);
        std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
        for (auto& p : m->named_parameters()) shapes.emplace_back(p.key(), p.value().sizes().vec());
        QCOMPARE(gguf_architecture(c), std::string("gemma3"));
        std::map<std::string, GgufTensorPlan> plan;
        for (auto& t : plan_gguf_tensors(c, shapes, "f32")) plan[t.name] = t;
        QVERIFY(!plan.count("output.weight"));  // tied
        QCOMPARE(plan.at("blk.0.post_attention_norm.weight").source, std::string("model.layers.0.post_attention_layernorm.weight"));
        QCOMPARE(plan.at("blk.0.ffn_norm.weight").source, std::string("model.layers.0.pre_feedforward_layernorm.weight"));
        QCOMPARE(plan.at("blk.0.post_ffw_norm.weight").source, std::string("model.layers.0.post_feedforward_layernorm.weight"));
        QCOMPARE(plan.at("output_norm.weight").add, 1.0);
        QCOMPARE(plan.at("blk.2.attn_k_norm.weight").add, 1.0);
        QCOMPARE(plan.at("blk.2.attn_q.weight").add, 0.0);
        // query_pre_attn_scalar 24 where llama.cpp scales by 1/sqrt(32): folded into q_norm's (1 + w).
        const double s = std::sqrt(32.0 / 24.0);
        QVERIFY(std::abs(plan.at("blk.1.attn_q_norm.weight").scale - s) < 1e-12);
        QVERIFY(std::abs(plan.at("blk.1.attn_q_norm.weight").add - s) < 1e-12);
        QCOMPARE(plan.at("blk.1.attn_q.weight").scale, 1.0);

        ModelConfig g2 = test::tiny_gemma2_config();
        CausalLM m2 = test::make_gemma(g2, 2);
        std::vector<std::pair<std::string, std::vector<int64_t>>> shapes2;
        for (auto& p : m2->named_parameters()) shapes2.emplace_back(p.key(), p.value().sizes().vec());
        std::map<std::string, GgufTensorPlan> plan2;
        for (auto& t : plan_gguf_tensors(g2, shapes2, "f32")) plan2[t.name] = t;
        QVERIFY(!plan2.count("blk.1.attn_q_norm.weight"));
        QVERIFY(std::abs(plan2.at("blk.1.attn_q.weight").scale - s) < 1e-12);  // no q_norm: the rows

        c.sliding_layers[2] = false;
        std::string msg = error_of([&] { plan_gguf_tensors(c, shapes, "f32"); });
        QVERIFY2(msg.find("layer 2 is global") != std::string::npos && msg.find("export_format: hf") != std::string::npos,
                 msg.c_str());
        c = test::tiny_gemma3_config();
        c.rope_local_base_freq = 5000;
        msg = error_of([&] { plan_gguf_tensors(c, shapes, "f32"); });
        QVERIFY2(msg.find("rope_local_base_freq") != std::string::npos, msg.c_str());
        g2.final_logit_softcapping = 0;
        msg = error_of([&] { plan_gguf_tensors(g2, shapes2, "f32"); });
        QVERIFY2(msg.find("soft-cap") != std::string::npos, msg.c_str());
    }

    void realTokenizerFitsTheOneBModel() {
        // Gemma 3's tokenizer has 262145 entries, the last the vision models' <image_soft_token>; the 1B text
        // model has 262144 rows. The GGUF vocabulary leaves that added token out (as convert_hf_to_gguf.py),
        // while a tokenizer with ordinary pieces past the rows is still refused.
        const std::string dir = test::shared_tokenizer_dir("gemma3");
        if (dir.empty()) QSKIP("../shared/tokenizers/gemma3 is absent (set LATHE_SHARED_DIR)");
        auto tok = Tokenizer::from_dir(dir);
        QCOMPARE(tok->vocab_size(), int64_t(262145));
        const GgufVocab v = build_gguf_vocab(dir, *tok, 262144);
        QCOMPARE(int64_t(v.tokens.size()), int64_t(262144));
        QCOMPARE(v.tokens.back(), std::string("<unused6241>"));
        QVERIFY(!v.add_space_prefix);  // Gemma writes no leading "▁"
        const std::string msg = error_of([&] { build_gguf_vocab(dir, *tok, 200000); });
        QVERIFY2(msg.find("262145 tokens but the model's embedding has only 200000 rows") != std::string::npos, msg.c_str());
    }
};

LATHE_TEST(TestGemma)
#include "test_gemma.moc"
