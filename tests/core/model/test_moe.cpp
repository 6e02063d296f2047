// Mixtures of experts (Qwen3-MoE, Qwen2-MoE): config.json as transformers writes it, the forward pass and its
// gradients against the formulas written out token by token (moe_models.h), cached decoding, the
// load-balancing loss against its definition and in training, LoRA on the experts with PEFT's names, saving
// and loading, and the GGUF plan (experts stacked) with its refusals.
#include "tests/checks.h"
#include "tests/registry.h"
#include "tests/core/model/decode_checks.h"
#include "tests/core/model/moe_models.h"

#include "core/data/batching.h"
#include "core/export/gguf_model.h"
#include "core/model/kv_cache.h"
#include "core/model/model_folder.h"
#include "core/model/moe.h"
#include "core/peft/lora.h"
#include "core/train/objective.h"
#include "core/train/train_config.h"
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

// Qwen3-30B-A3B's config.json (transformers 4.51), shrunk: 128 experts of 768 became 8 of 32.
json qwen3_moe_json() {
    return json::parse(R"({
      "architectures": ["Qwen3MoeForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
      "bos_token_id": 151643, "decoder_sparse_step": 1, "eos_token_id": 151645, "head_dim": 24, "hidden_act": "silu",
      "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 96, "max_position_embeddings": 40960,
      "max_window_layers": 48, "mlp_only_layers": [], "model_type": "qwen3_moe", "moe_intermediate_size": 32,
      "norm_topk_prob": true, "num_attention_heads": 4, "num_experts": 8, "num_experts_per_tok": 2,
      "num_hidden_layers": 3, "num_key_value_heads": 2, "output_router_logits": false, "rms_norm_eps": 1e-06,
      "rope_scaling": null, "rope_theta": 1000000.0, "router_aux_loss_coef": 0.001, "sliding_window": null,
      "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false,
      "vocab_size": 320})");
}

torch::Tensor moe_logits(CausalLMImpl& m, const std::vector<int64_t>& tokens) {
    torch::NoGradGuard g;
    return m.forward(torch::tensor(tokens, torch::kLong).unsqueeze(0)).squeeze(0);  // (T, V)
}

std::vector<int64_t> moe_prompt(int n) {
    std::vector<int64_t> t;
    for (int i = 0; i < n; ++i) t.push_back(3 + (i * 37) % 300);
    return t;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> moe_shapes(CausalLMImpl& m) {
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
    for (auto& p : m.named_parameters()) shapes.emplace_back(p.key(), p.value().sizes().vec());
    return shapes;
}

}  // namespace

class TestMoe : public QObject {
    Q_OBJECT
private slots:
    void qwen3MoeConfigAsTransformersWritesIt() {
        const ModelConfig c = ModelConfig::from_json(qwen3_moe_json(), "config.json");
        QVERIFY(c.arch().moe);
        QCOMPARE(c.num_experts, int64_t(8));
        QCOMPARE(c.num_experts_per_tok, int64_t(2));
        QCOMPARE(c.moe_intermediate_size, int64_t(32));
        QVERIFY(c.norm_topk_prob);
        QCOMPARE(c.router_aux_loss_coef, 0.001);
        QVERIFY(c.layer_is_moe(0) && c.layer_is_moe(2));
        // The count transformers reports equals the parameters the model holds.
        CausalLM m(c);
        int64_t held = 0;
        for (auto& p : m->parameters()) held += p.numel();
        QCOMPARE(c.parameter_count(), held);

        // A dense layer among sparse ones (mlp_only_layers), and Qwen2-MoE's shared expert: counts still equal.
        json j = qwen3_moe_json();
        j["mlp_only_layers"] = {1};
        const ModelConfig mixed = ModelConfig::from_json(j, "config.json");
        QVERIFY(mixed.layer_is_moe(0) && !mixed.layer_is_moe(1));
        CausalLM mm(mixed);
        QVERIFY(mm->named_parameters().contains("model.layers.1.mlp.gate_proj.weight"));
        QVERIFY(mm->named_parameters().contains("model.layers.0.mlp.experts.7.down_proj.weight"));
        const ModelConfig q2 = test::tiny_qwen2_moe_config();
        CausalLM m2(q2);
        held = 0;
        for (auto& p : m2->parameters()) held += p.numel();
        QCOMPARE(q2.parameter_count(), held);
        QVERIFY(m2->named_parameters().contains("model.layers.2.mlp.shared_expert_gate.weight"));

        // Written back and read again.
        const ModelConfig back = ModelConfig::from_json(mixed.to_json(nullptr), "written");
        QCOMPARE(back.mlp_only_layers, std::vector<int64_t>{1});
        QCOMPARE(back.num_experts_per_tok, int64_t(2));
        QCOMPARE(back.norm_topk_prob, true);
        QCOMPARE(mixed.to_json(nullptr)["architectures"][0].get<std::string>(), std::string("Qwen3MoeForCausalLM"));
    }

    void moeConfigErrorsNameTheField() {
        json j = qwen3_moe_json();
        j["num_experts_per_tok"] = 9;
        std::string msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("m/config.json") != std::string::npos &&
                     msg.find("num_experts_per_tok must be between 1 and num_experts (8), got 9") != std::string::npos,
                 msg.c_str());
        j = qwen3_moe_json();
        j["mlp_only_layers"] = {5};
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("mlp_only_layers names layer 5, but the model has 3 layers") != std::string::npos, msg.c_str());
        j = qwen3_moe_json();
        j.erase("num_experts");
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("missing field 'num_experts'") != std::string::npos, msg.c_str());
        j = qwen3_moe_json();
        j["mlp_only_layers"] = "none";
        msg = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
        QVERIFY2(msg.find("field 'mlp_only_layers' has the wrong type") != std::string::npos, msg.c_str());
    }

    void forwardMatchesThePlainFormulas() {
        ModelConfig mixed = test::tiny_qwen3_moe_config();
        mixed.mlp_only_layers = {1};
        for (const ModelConfig& c : {test::tiny_qwen3_moe_config(), test::tiny_qwen2_moe_config(), mixed}) {
            CausalLM m = test::make_moe(c, 5);
            const auto tokens = moe_prompt(13);
            const auto ours = moe_logits(*m, tokens).to(torch::kDouble);
            const auto ref = test::moe_reference_logits(*m, tokens);
            const double diff = (ours - ref).abs().max().item<double>();
            qInfo("%s%s: max |logit - reference| %.2e (logits up to %.2f)", c.model_type.c_str(),
                  c.mlp_only_layers.empty() ? "" : " with a dense layer", diff, ref.abs().max().item<double>());
            QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
        }
    }

    void gradientsMatchThePlainFormulas() {
        // Through the router's weights, the grouped experts and the shared expert's gate.
        const ModelConfig c = test::tiny_qwen2_moe_config();
        CausalLM m = test::make_moe(c, 11);
        m->train();
        const auto tokens = moe_prompt(10);
        m->forward(torch::tensor(tokens, torch::kLong).unsqueeze(0)).squeeze(0).logsumexp(-1).sum().backward();
        std::map<std::string, torch::Tensor> p;
        for (auto& item : m->named_parameters()) p[item.key()] = item.value().detach().to(torch::kDouble).requires_grad_(true);
        test::moe_reference_logits(c, p, tokens).logsumexp(-1).sum().backward();
        double worst = 0;
        int routed = 0;
        for (auto& item : m->named_parameters()) {
            const auto& ours = item.value().grad();
            const auto& ref = p.at(item.key()).grad();
            if (!ref.defined()) {  // an expert no token chose
                QVERIFY2(!ours.defined() || ours.abs().max().item<double>() == 0, item.key().c_str());
                continue;
            }
            if (item.key().find("experts.") != std::string::npos && item.key().find("down_proj") != std::string::npos) ++routed;
            worst = std::max(worst, (ours.to(torch::kDouble) - ref).abs().max().item<double>());
        }
        qInfo("qwen2_moe: max |gradient - reference| %.2e; %d experts got tokens", worst, routed);
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
        QVERIFY(routed >= 4);
    }

    void cachedDecodingMatchesTheFullPass() {
        for (const ModelConfig& c : {test::tiny_qwen3_moe_config(), test::tiny_qwen2_moe_config()}) {
            CausalLM m = test::make_moe(c, 6);
            const double worst = test::cached_vs_full(*m, moe_prompt(12), 5);
            QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
        }
    }

    void loadBalancingLossIsItsDefinition() {
        // Two layers' logits over 2 x 3 tokens, the last token of row 1 padding: the loss is E times the sum over
        // experts of (share of the unpadded top-k assignments) x (mean unpadded probability), counted by hand.
        const int64_t E = 4, k = 2;
        auto gen = torch::make_generator<at::CPUGeneratorImpl>(3);
        std::vector<torch::Tensor> layers = {torch::randn({6, E}, gen), torch::randn({6, E}, gen)};
        const auto mask = torch::tensor({1, 1, 1, 1, 1, 0}, torch::kLong).view({2, 3});
        double share[2][4] = {}, prob[4] = {};
        int kept = 0;
        for (const auto& l : layers)
            for (int64_t t = 0; t < 6; ++t) {
                if (t == 5) continue;
                ++kept;
                const auto p = torch::softmax(l[t], -1);
                const auto top = std::get<1>(p.topk(k));
                for (int64_t j = 0; j < k; ++j) share[j][top[j].item<int64_t>()] += 1;
                for (int64_t e = 0; e < E; ++e) prob[e] += p[e].item<double>();
            }
        double want = 0;
        for (int j = 0; j < k; ++j)
            for (int e = 0; e < E; ++e) want += (share[j][e] / kept) * (prob[e] / kept);
        want *= E;
        QVERIFY(std::abs(load_balancing_loss(layers, E, k, mask).item<double>() - want) < 1e-6);
        // Without a mask every token counts; a perfectly even router gives k (each expert: k/E x 1/E, E times).
        const auto even = std::vector<torch::Tensor>{torch::zeros({8, E})};
        QVERIFY(std::abs(load_balancing_loss(even, E, k, {}).item<double>() - double(k)) < 1e-6);
    }

    void auxLossJoinsTheTrainingLoss() {
        // With moe_aux_loss_coef the objective's loss is the cross-entropy plus coef x the balance loss of the
        // routers it ran, and the routers get that gradient; without, neither.
        const ModelConfig c = test::tiny_qwen3_moe_config();
        CausalLM m = test::make_moe(c, 13);
        m->train();
        Batch b;
        b.input_ids = torch::tensor(moe_prompt(9), torch::kLong).view({1, 9});
        b.labels = b.input_ids.clone();
        b.attention_mask = torch::ones({1, 9}, torch::kLong);
        auto objective = make_lm_objective();
        TrainForward plain, balanced;
        balanced.moe_aux_loss_coef = 0.5;
        const auto without = objective->compute(*m, b, plain);
        QVERIFY(without.metrics.empty());
        const auto with = objective->compute(*m, b, balanced);
        const double n = 8;  // label tokens (shifted by one)
        const double aux = with.metrics.at("aux_loss") / n;
        QVERIFY(aux > 0);
        QVERIFY(std::abs(with.loss_sum.item<double>() - without.loss_sum.item<double>() - 0.5 * aux * n) < 1e-3);
        auto router = m->named_parameters()["model.layers.0.mlp.gate.weight"];
        with.loss_sum.backward();
        const auto g_with = router.grad().clone();
        router.mutable_grad().zero_();
        objective->compute(*m, b, plain).loss_sum.backward();
        QVERIFY((g_with - router.grad()).abs().max().item<double>() > 1e-6);

        // Not with gradient checkpointing (the router's logits do not survive the recomputation yet).
        TrainConfig t;
        t.model_name_or_path = "m";
        t.dataset = "d";
        t.moe_aux_loss_coef = 0.001;
        t.gradient_checkpointing = true;
        const std::string msg = error_of([&] { t.validate(); });
        QVERIFY2(msg.find("moe_aux_loss_coef: needs gradient_checkpointing: false") != std::string::npos, msg.c_str());
    }

    void loraReachesTheExperts() {
        // "all" targets every Linear but the head: attention, the router (mlp.gate) and each expert's projections,
        // with PEFT's names; an expert's adapter learns only from the tokens routed to it.
        auto m = std::make_shared<CausalLMImpl>(test::tiny_qwen2_moe_config());
        m->init_weights(3, 0.2);
        LoraModel lora = LoraModel::apply(m, LoraSettings{});
        QCOMPARE(lora.target_modules(), (std::vector<std::string>{"down_proj", "gate", "gate_proj", "k_proj", "o_proj",
                                                                  "q_proj", "shared_expert_gate", "up_proj", "v_proj"}));
        m->train();
        m->forward(torch::tensor(moe_prompt(1), torch::kLong).unsqueeze(0)).logsumexp(-1).mean().backward();
        int expert_b = 0, expert_b_with_grad = 0;
        for (auto& p : m->named_parameters()) {
            if (p.key().find("mlp.experts.") == std::string::npos || p.key().find("down_proj.lora_B") == std::string::npos) continue;
            ++expert_b;
            if (p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0) ++expert_b_with_grad;
        }
        QCOMPARE(expert_b, 3 * 6);
        // One token, two experts per layer: exactly those learn (3 layers x 2).
        QCOMPARE(expert_b_with_grad, 3 * 2);
    }

    void savedAndLoadedAsTransformersReadsIt() {
        CausalLM m = test::make_moe(test::tiny_qwen2_moe_config(), 4);
        const std::string dir = test::scratch_dir() + "/qwen2-moe-saved";
        std::filesystem::remove_all(dir);
        save_causal_lm(*m, dir);
        const json cfg = json::parse(read_file(dir + "/config.json"));
        QCOMPARE(cfg["architectures"][0].get<std::string>(), std::string("Qwen2MoeForCausalLM"));
        QCOMPARE(cfg["shared_expert_intermediate_size"].get<int64_t>(), int64_t(48));
        CausalLM back = load_causal_lm(dir);
        const auto tokens = moe_prompt(9);
        QCOMPARE((moe_logits(*m, tokens) - moe_logits(*back, tokens)).abs().max().item<double>(), 0.0);
    }

    void ggufPlanStacksTheExperts() {
        const ModelConfig c = test::tiny_qwen3_moe_config();
        CausalLM m = test::make_moe(c, 2);
        QCOMPARE(gguf_architecture(c), std::string("qwen3moe"));
        std::map<std::string, GgufTensorPlan> plan;
        for (auto& t : plan_gguf_tensors(c, moe_shapes(*m), "f32")) plan[t.name] = t;
        const GgufTensorPlan& up = plan.at("blk.1.ffn_up_exps.weight");
        QCOMPARE(up.shape, (std::vector<int64_t>{8, 32, 64}));
        QCOMPARE(up.stack.size(), size_t(8));
        QCOMPARE(up.stack[7], std::string("model.layers.1.mlp.experts.7.up_proj.weight"));
        QCOMPARE(plan.at("blk.2.ffn_down_exps.weight").shape, (std::vector<int64_t>{8, 64, 32}));
        QCOMPARE(plan.at("blk.0.ffn_gate_inp.weight").source, std::string("model.layers.0.mlp.gate.weight"));
        QVERIFY(!plan.count("blk.0.ffn_gate.weight"));
        for (const auto& [name, t] : plan) QVERIFY2(name.find("experts") == std::string::npos, name.c_str());

        const ModelConfig q2 = test::tiny_qwen2_moe_config();
        CausalLM m2 = test::make_moe(q2, 2);
        std::map<std::string, GgufTensorPlan> plan2;
        for (auto& t : plan_gguf_tensors(q2, moe_shapes(*m2), "q8_0")) plan2[t.name] = t;
        QCOMPARE(plan2.at("blk.0.ffn_gate_inp_shexp.weight").source, std::string("model.layers.0.mlp.shared_expert_gate.weight"));
        QCOMPARE(plan2.at("blk.0.ffn_up_shexp.weight").shape, (std::vector<int64_t>{48, 64}));

        // What llama.cpp fixes: every layer sparse, and whether the chosen weights are renormalised.
        ModelConfig dense = c;
        dense.mlp_only_layers = {2};
        CausalLM md = test::make_moe(dense, 2);
        std::string msg = error_of([&] { plan_gguf_tensors(dense, moe_shapes(*md), "f32"); });
        QVERIFY2(msg.find("layer 2 is dense") != std::string::npos && msg.find("export_format: hf") != std::string::npos, msg.c_str());
        ModelConfig plain = c;
        plain.norm_topk_prob = false;
        msg = error_of([&] { plan_gguf_tensors(plain, moe_shapes(*m), "f32"); });
        QVERIFY2(msg.find("norm_topk_prob is false") != std::string::npos, msg.c_str());
    }
};

LATHE_TEST(TestMoe)
#include "test_moe.moc"
