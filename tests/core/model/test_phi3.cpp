// Phi-3, Phi-3.5-mini and Phi-4-mini (model_type phi3): config.json as transformers writes it (longrope,
// partial rotary, the window on every layer), the forward pass and its gradients against the plain formulas
// (phi3_models.h), incremental decoding, gradient checkpointing, LoRA's PEFT names on the fused projections,
// saving and loading, the GGUF plan, and the chat templates picked from Phi's Jinja.
#include "tests/checks.h"
#include "tests/registry.h"
#include "tests/core/model/decode_checks.h"
#include "tests/core/model/phi3_models.h"

#include "core/data/template.h"
#include "core/export/gguf_model.h"
#include "core/model/kv_cache.h"
#include "core/model/model_folder.h"
#include "core/model/rope.h"
#include "core/peft/lora.h"
#include "core/train/grad_checkpoint.h"
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

std::vector<double> ramp(int n, double from, double step) {
    std::vector<double> v;
    for (int i = 0; i < n; ++i) v.push_back(from + step * i);
    return v;
}

// Phi-4-mini-instruct's config.json (transformers 4.49), shrunk: 24 heads of 128 became 4 of 16, the
// longrope factors 48 entries (rotary 96 of 128) became 6.
json phi4_mini_json() {
    json j = json::parse(R"({
      "architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "attention_bias": false, "attention_dropout": 0.0,
      "bos_token_id": 199999, "eos_token_id": 199999, "pad_token_id": 199999, "embd_pdrop": 0.0, "resid_pdrop": 0.0,
      "hidden_act": "silu", "hidden_size": 64, "intermediate_size": 96, "initializer_range": 0.02,
      "max_position_embeddings": 131072, "original_max_position_embeddings": 4096, "num_attention_heads": 4,
      "num_hidden_layers": 2, "num_key_value_heads": 2, "partial_rotary_factor": 0.75, "rms_norm_eps": 1e-05,
      "rope_theta": 10000.0, "sliding_window": 262144, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
      "vocab_size": 320})");
    j["rope_scaling"] = {{"type", "longrope"}, {"short_factor", ramp(6, 1.0, 0.1)}, {"long_factor", ramp(6, 1.0, 4.0)}};
    return j;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> shapes_of(CausalLMImpl& m) {
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
    for (auto& p : m.named_parameters()) shapes.emplace_back(p.key(), p.value().sizes().vec());
    return shapes;
}

}  // namespace

class TestPhi3 : public QObject {
    Q_OBJECT
private slots:
    void phi4MiniConfigAsTransformersWritesIt() {
        const ModelConfig c = ModelConfig::from_json(phi4_mini_json(), "config.json");
        QVERIFY(c.arch().fused_projections);
        QCOMPARE(c.rotary_dim(), int64_t(12));
        QVERIFY(c.tie_word_embeddings);
        QCOMPARE(c.rope_scaling.type, std::string("longrope"));
        QCOMPARE(c.rope_scaling.original_max_position_embeddings, int64_t(4096));
        // transformers: factor = max / original = 32, attention factor sqrt(1 + ln 32 / ln 4096).
        QCOMPARE(c.rope_scaling.factor, 32.0);
        QVERIFY(std::abs(c.rope_scaling.attention_factor - std::sqrt(1.0 + std::log(32.0) / std::log(4096.0))) < 1e-12);
        QCOMPARE(c.sliding_window, int64_t(262144));  // on every layer
        QCOMPARE(int(c.sliding_layers.size()), 2);
        QVERIFY(c.layer_slides(0) && c.layer_slides(1));
        // The fused projections hold the same parameters as separate ones.
        const int64_t h = 64, layer = h * (64 + 2 * 32) + 64 * h + 3 * h * 96 + 2 * h;
        QCOMPARE(c.parameter_count(), 320 * h + 2 * layer + h);

        // Written back as Phi-3 does (type, top-level original length) and read again.
        const json out = c.to_json(nullptr);
        QCOMPARE(out["architectures"][0].get<std::string>(), std::string("Phi3ForCausalLM"));
        QCOMPARE(out["rope_scaling"]["type"].get<std::string>(), std::string("longrope"));
        QCOMPARE(out["original_max_position_embeddings"].get<int64_t>(), int64_t(4096));
        QCOMPARE(out["partial_rotary_factor"].get<double>(), 0.75);
        const ModelConfig back = ModelConfig::from_json(out, "written");
        QVERIFY(back.rope_scaling.long_factor == c.rope_scaling.long_factor);
        QVERIFY(back.rope_scaling.short_factor == c.rope_scaling.short_factor);
        QCOMPARE(back.rope_scaling.attention_factor, c.rope_scaling.attention_factor);
        QCOMPARE(back.sliding_window, c.sliding_window);

        // Phi-3's first 128k configs called it "su"; an explicit attention_factor wins; transformers 5's
        // rope_parameters carry the same fields.
        json j = phi4_mini_json();
        j["rope_scaling"]["type"] = "su";
        j["rope_scaling"]["attention_factor"] = 1.25;
        const ModelConfig su = ModelConfig::from_json(j, "config.json");
        QCOMPARE(su.rope_scaling.type, std::string("longrope"));
        QCOMPARE(su.rope_scaling.attention_factor, 1.25);
        QCOMPARE(su.to_json(&j)["rope_scaling"]["attention_factor"].get<double>(), 1.25);
        j = phi4_mini_json();
        j["rope_parameters"] = j["rope_scaling"];
        j["rope_parameters"]["rope_type"] = "longrope";
        j["rope_parameters"]["partial_rotary_factor"] = 0.5;
        j["rope_parameters"]["short_factor"] = ramp(4, 1.0, 0.1);
        j["rope_parameters"]["long_factor"] = ramp(4, 1.0, 2.0);
        j.erase("rope_scaling");
        j.erase("partial_rotary_factor");
        const ModelConfig v5 = ModelConfig::from_json(j, "config.json");
        QCOMPARE(v5.rotary_dim(), int64_t(8));
        QCOMPARE(v5.rope_scaling.long_factor.size(), size_t(4));

        // Phi-3-mini-4k: no scaling, full rotary, a window of 2047 on every layer.
        j = phi4_mini_json();
        j["rope_scaling"] = nullptr;
        j.erase("partial_rotary_factor");
        j["sliding_window"] = 2047;
        j["tie_word_embeddings"] = false;
        const ModelConfig mini = ModelConfig::from_json(j, "config.json");
        QCOMPARE(mini.rotary_dim(), int64_t(16));
        QVERIFY(mini.rope_scaling.type.empty());
        QCOMPARE(mini.sliding_window, int64_t(2047));
    }

    void phi3ConfigErrorsNameTheField() {
        json j = phi4_mini_json();
        j["rope_scaling"]["long_factor"] = ramp(5, 1.0, 1.0);
        std::string msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("m/config.json") != std::string::npos && msg.find("short_factor and long_factor differ") != std::string::npos,
                 msg.c_str());
        j = phi4_mini_json();
        j["rope_scaling"]["short_factor"] = ramp(8, 1.0, 0.1);
        j["rope_scaling"]["long_factor"] = ramp(8, 1.0, 0.1);
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("one entry per rotated pair (6), found 8") != std::string::npos, msg.c_str());
        j = phi4_mini_json();
        j["rope_scaling"].erase("long_factor");
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("rope_scaling.long_factor must be a list of numbers") != std::string::npos, msg.c_str());
        j = phi4_mini_json();
        j["rope_scaling"]["short_factor"][2] = "x";
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("rope_scaling.short_factor must hold positive numbers, found \"x\"") != std::string::npos, msg.c_str());
        j = phi4_mini_json();
        j["partial_rotary_factor"] = 0.7;  // 16 x 0.7 = 11 dimensions: odd
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("partial_rotary_factor must be even") != std::string::npos, msg.c_str());
        j["partial_rotary_factor"] = 1.5;
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("partial_rotary_factor must be in (0, 1]") != std::string::npos, msg.c_str());
        j = phi4_mini_json();
        j["rope_scaling"] = {{"type", "yarn"}, {"factor", 4.0}};
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("rope_scaling type 'yarn' is not supported (supported: linear, llama3, longrope)") != std::string::npos,
                 msg.c_str());
    }

    void forwardMatchesThePlainFormulas() {
        // Phi-3 past its window of 5; Phi-4-mini below its pretrained length of 8 (short factors) and past it
        // (long factors).
        struct Case {
            ModelConfig c;
            int n;
        };
        for (const Case& k : {Case{test::tiny_phi3_config(), 13}, Case{test::tiny_phi4_mini_config(), 6},
                              Case{test::tiny_phi4_mini_config(), 13}}) {
            CausalLM m = test::make_phi3(k.c, 5);
            const auto tokens = prompt(k.n);
            const auto ours = test::logits_of(*m, tokens).to(torch::kDouble);
            const auto ref = test::phi3_reference_logits(*m, tokens);
            const double diff = (ours - ref).abs().max().item<double>();
            qInfo("%s, %d tokens: max |logit - reference| %.2e (logits up to %.2f)",
                  k.c.partial_rotary_factor < 1 ? "phi4-mini" : "phi3", k.n, diff, ref.abs().max().item<double>());
            QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
        }
    }

    void longropeAndWindowChangeTheOutput() {
        // Neither is a no-op: the long factors give other logits than the short ones over the same 13 tokens,
        // and Phi-3's window moves the last position's logits.
        ModelConfig c = test::tiny_phi4_mini_config();
        CausalLM a = test::make_phi3(c, 9);
        auto short_only = c;
        short_only.rope_scaling.long_factor = short_only.rope_scaling.short_factor;
        RotaryEmbedding ra(c), rb(short_only);
        const auto la = ra.tables(13, torch::kCPU, torch::kFloat).first, lb = rb.tables(13, torch::kCPU, torch::kFloat).first;
        QVERIFY((la - lb).abs().max().item<double>() > 1e-2);
        QCOMPARE((ra.tables(8, torch::kCPU, torch::kFloat).first - rb.tables(8, torch::kCPU, torch::kFloat).first).abs().max().item<double>(), 0.0);
        QCOMPARE(la.size(1), int64_t(12));  // rotary_dim columns

        ModelConfig w = test::tiny_phi3_config();
        CausalLM with = test::make_phi3(w, 9);
        w.sliding_layers.clear();
        w.sliding_window = 0;
        CausalLM without(w);
        {
            torch::NoGradGuard g;
            auto pb = without->named_parameters();
            for (auto& item : with->named_parameters()) pb[item.key()].copy_(item.value());
        }
        without->eval();
        const auto tokens = test::prompt(12);
        const double diff = (test::logits_of(*with, tokens) - test::logits_of(*without, tokens)).abs().max().item<double>();
        QVERIFY2(diff > 1e-3, qPrintable(QString::number(diff)));
    }

    void gradientsMatchThePlainFormulas() {
        // Backward through the fused projections' slices and the partial rotation's pass-through dimensions.
        const ModelConfig c = test::tiny_phi4_mini_config();
        CausalLM m = test::make_phi3(c, 11);
        m->train();
        const auto tokens = test::prompt(10);
        m->forward(torch::tensor(tokens, torch::kLong).unsqueeze(0)).squeeze(0).logsumexp(-1).sum().backward();
        std::map<std::string, torch::Tensor> p;
        for (auto& item : m->named_parameters()) p[item.key()] = item.value().detach().to(torch::kDouble).requires_grad_(true);
        test::phi3_reference_logits(c, p, tokens).logsumexp(-1).sum().backward();
        double worst = 0;
        for (auto& item : m->named_parameters())
            worst = std::max(worst, (item.value().grad().to(torch::kDouble) - p.at(item.key()).grad()).abs().max().item<double>());
        qInfo("phi4-mini: max |gradient - reference| %.2e", worst);
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
    }

    void cachedDecodingMatchesTheFullPass() {
        // Phi-3 decodes past its window; Phi-4-mini's prompt is past the pretrained length already (a pass
        // that crosses it switches to the long factors for its own positions only, as transformers does).
        for (const ModelConfig& c : {test::tiny_phi3_config(), test::tiny_phi4_mini_config()}) {
            CausalLM m = test::make_phi3(c, 6);
            const double worst = test::cached_vs_full(*m, test::prompt(14), 9, c.rope_scaling.type.empty());
            qInfo("%s: cached vs full max diff %.2e", c.partial_rotary_factor < 1 ? "phi4-mini" : "phi3", worst);
            QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
        }
    }

    void checkpointingGivesTheSameGradients() {
        const ModelConfig c = test::tiny_phi4_mini_config();
        CausalLM a = test::make_phi3(c, 7), b = test::make_phi3(c, 7);
        a->train();
        b->train();
        const auto ids = torch::tensor(test::prompt(12), torch::kLong).unsqueeze(0);
        a->forward(ids).logsumexp(-1).sum().backward();
        ForwardOptions o;
        o.layer_runner = checkpointed_layer;
        b->forward(ids, o).logsumexp(-1).sum().backward();
        double worst = 0;
        auto pb = b->named_parameters();
        for (auto& item : a->named_parameters())
            worst = std::max(worst, (item.value().grad() - pb[item.key()].grad()).abs().max().item<double>());
        QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));
    }

    void loraTargetsArePeftNames() {
        // PEFT targets Phi-3's fused modules by their own names.
        auto m = std::make_shared<CausalLMImpl>(test::tiny_phi3_config());
        m->init_weights(3, 0.02);
        LoraModel lora = LoraModel::apply(m, LoraSettings{});
        QCOMPARE(lora.target_modules(), (std::vector<std::string>{"down_proj", "gate_up_proj", "o_proj", "qkv_proj"}));
        m->train();
        m->forward(torch::tensor(test::prompt(12), torch::kLong).unsqueeze(0)).logsumexp(-1).mean().backward();
        int with_grad = 0;
        for (auto& p : m->parameters())
            if (p.requires_grad() && p.grad().defined() && p.grad().abs().sum().item<double>() > 0) ++with_grad;
        QCOMPARE(with_grad, 3 * 4);  // lora_B of the 4 targets in 3 layers
    }

    void savedAndLoadedAsTransformersReadsIt() {
        CausalLM m = test::make_phi3(test::tiny_phi4_mini_config(), 4);
        const std::string dir = test::scratch_dir() + "/phi4-mini-saved";
        std::filesystem::remove_all(dir);
        save_causal_lm(*m, dir);
        const json cfg = json::parse(read_file(dir + "/config.json"));
        QCOMPARE(cfg["architectures"][0].get<std::string>(), std::string("Phi3ForCausalLM"));
        QCOMPARE(cfg["rope_scaling"]["long_factor"].size(), size_t(6));
        CausalLM back = load_causal_lm(dir);
        QCOMPARE(back->config().rope_scaling.attention_factor, m->config().rope_scaling.attention_factor);
        const auto tokens = test::prompt(11);
        QCOMPARE((test::logits_of(*m, tokens) - test::logits_of(*back, tokens)).abs().max().item<double>(), 0.0);
    }

    void ggufPlanFusedNamesAndRopeFactors() {
        const ModelConfig c = test::tiny_phi4_mini_config();
        CausalLM m = test::make_phi3(c, 2);
        QCOMPARE(gguf_architecture(c), std::string("phi3"));
        std::map<std::string, GgufTensorPlan> plan;
        for (auto& t : plan_gguf_tensors(c, shapes_of(*m), "f32")) plan[t.name] = t;
        QVERIFY(!plan.count("output.weight"));  // tied
        QCOMPARE(plan.at("blk.1.attn_qkv.weight").source, std::string("model.layers.1.self_attn.qkv_proj.weight"));
        QCOMPARE(plan.at("blk.1.attn_qkv.weight").shape, (std::vector<int64_t>{64 + 2 * 32, 64}));
        QCOMPARE(plan.at("blk.1.attn_qkv.weight").permute_heads, int64_t(0));
        QCOMPARE(plan.at("blk.0.ffn_up.weight").source, std::string("model.layers.0.mlp.gate_up_proj.weight"));
        QCOMPARE(plan.at("blk.0.ffn_up.weight").shape, (std::vector<int64_t>{2 * 96, 64}));
        QCOMPARE(plan.at("rope_factors_long.weight").shape, (std::vector<int64_t>{6}));
        const auto longf = generated_gguf_tensor(c, "rope_factors_long.weight");
        const auto shortf = generated_gguf_tensor(c, "rope_factors_short.weight");
        QCOMPARE(longf[5].item<float>(), 20.0f);
        QCOMPARE(shortf[1].item<float>(), 1.1f);
        // Plain Phi-3 (no longrope) has no factor tensors and an untied head.
        const ModelConfig p3 = test::tiny_phi3_config();
        CausalLM m3 = test::make_phi3(p3, 2);
        std::map<std::string, GgufTensorPlan> plan3;
        for (auto& t : plan_gguf_tensors(p3, shapes_of(*m3), "q8_0")) plan3[t.name] = t;
        QVERIFY(!plan3.count("rope_factors_long.weight"));
        QVERIFY(plan3.count("output.weight"));
    }

    void phiTemplates() {
        // The Jinja rules are in test_template's pickFromChatTemplateMarkers; a base model without one:
        QCOMPARE(pick_template(nullptr, "phi3"), std::string("phi"));

        // The slots as LLaMA-Factory's "phi": system, user turn, answer closed by <|end|> (EOS replaced).
        const ChatTemplate* t = find_template("phi");
        QCOMPARE(t->format.user, std::string("<|user|>\n{{content}}<|end|>\n<|assistant|>\n"));
        QVERIFY(t->replace_eos);
        QCOMPARE(t->stop_words, (std::vector<std::string>{"<|end|>"}));
        QCOMPARE(find_template("phi4_mini")->format.assistant, std::string("{{content}}<|end|>"));
    }
};

LATHE_TEST(TestPhi3)
#include "test_phi3.moc"
