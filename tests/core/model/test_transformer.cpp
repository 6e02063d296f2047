#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/safetensors.h"
#include "core/model/model_folder.h"
#include "core/model/transformer.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include "tests/core/model/tiny_models.h"

#include <torch/torch.h>
#include <QtTest>

#include <cmath>
#include <filesystem>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

torch::Tensor ids(std::vector<int64_t> v) { return torch::tensor(v, torch::kLong).unsqueeze(0); }

using lathe::test::max_diff;

CausalLM make_model(const ModelConfig& c, uint64_t seed = 7) {
    CausalLM m(c);
    m->init_weights(seed, 0.2);  // large weights: differences show up in the logits
    m->eval();
    return m;
}

std::string save_tmp(CausalLM& m, const std::string& name, uint64_t shard = 0) {
    const std::string dir = test::scratch_dir() + "/" + name;
    fs::remove_all(dir);
    save_causal_lm(*m, dir, torch::kFloat, shard);
    return dir;
}

using lathe::test::error_of;

}  // namespace

class TestTransformer : public QObject {
    Q_OBJECT
private slots:
    void tokenIdsOutsideTheTableAreNamed() {
        auto m = make_model(test::tiny_config("llama"));
        const int64_t rows = m->config().vocab_size;
        std::string msg = error_of([&] { m->forward(ids({1, rows, 2})); });
        QVERIFY2(msg.find("token id " + std::to_string(rows) + " is outside the model's embedding table (" +
                          std::to_string(rows) + " rows") != std::string::npos,
                 msg.c_str());
        msg = error_of([&] { m->forward(ids({-3})); });
        QVERIFY2(msg.find("token id -3 is outside") != std::string::npos, msg.c_str());
        QCOMPARE(m->forward(ids({0, rows - 1})).size(1), int64_t(2));  // the edges are rows
    }

    void parameterNamesFollowHuggingFace() {
        auto m = make_model(test::tiny_config("qwen2"));
        std::set<std::string> names;
        for (auto& p : m->named_parameters()) names.insert(p.key());
        QVERIFY(names.count("model.embed_tokens.weight"));
        QVERIFY(names.count("model.layers.1.self_attn.q_proj.bias"));  // qwen2: q/k/v bias
        QVERIFY(!names.count("model.layers.1.self_attn.o_proj.bias"));
        QVERIFY(names.count("model.layers.0.mlp.down_proj.weight"));
        QVERIFY(names.count("model.norm.weight"));
        QVERIFY(names.count("lm_head.weight"));
        int64_t count = 0;
        for (auto& p : m->parameters()) count += p.numel();
        QCOMPARE(count, m->config().parameter_count());
    }

    void qwen3HasQkNormAndTiedModelHasNoHead() {
        auto c = test::tiny_config("qwen3");
        c.tie_word_embeddings = true;
        auto m = make_model(c);
        std::set<std::string> names;
        for (auto& p : m->named_parameters()) names.insert(p.key());
        QVERIFY(names.count("model.layers.0.self_attn.q_norm.weight"));
        QVERIFY(names.count("model.layers.0.self_attn.k_norm.weight"));
        QVERIFY(!names.count("lm_head.weight"));
        torch::NoGradGuard g;
        auto h = m->hidden_states(ids({3, 4, 5}));
        auto expect = torch::matmul(h, m->model->embed_tokens->weight.t());
        QVERIFY(max_diff(m->forward(ids({3, 4, 5})), expect) < 1e-5);
    }

    void saveLoadRoundTripIsExact() {
        for (const char* type : {"llama", "qwen2", "qwen3", "mistral"}) {
            auto m = make_model(test::tiny_config(type));
            const std::string dir = save_tmp(m, std::string("rt-") + type, /*shard=*/20000);
            QVERIFY(fs::exists(dir + "/model.safetensors.index.json"));  // small shards force an index
            auto loaded = load_causal_lm(dir);
            auto a = m->named_parameters(), b = loaded->named_parameters();
            QCOMPARE(a.size(), b.size());
            for (auto& p : a) QVERIFY2(torch::equal(p.value(), b[p.key()]), p.key().c_str());
            torch::NoGradGuard g;
            QVERIFY(torch::equal(m->forward(ids({5, 6, 7, 8})), loaded->forward(ids({5, 6, 7, 8}))));
        }
    }

    void cachedDecodingEqualsFullRecomputation() {
        auto m = make_model(test::tiny_config("qwen2"));
        torch::NoGradGuard g;
        std::vector<int64_t> seq = {1, 17, 33, 4, 90, 12, 55, 3, 8, 61};
        auto full = m->forward(ids(seq));  // (1, T, V)
        KVCache cache(m->config(), 1, 32, torch::kCPU, torch::kFloat);
        ForwardOptions o;
        o.cache = &cache;
        auto prefill = m->forward(ids({seq.begin(), seq.begin() + 4}), o);
        QVERIFY(max_diff(prefill, full.narrow(1, 0, 4)) < 1e-5);
        for (size_t t = 4; t < seq.size(); ++t) {
            auto step = m->forward(ids({seq[t]}), o);
            QVERIFY2(max_diff(step[0][0], full[0][t]) < 1e-5, ("position " + std::to_string(t)).c_str());
        }
        QCOMPARE(cache.length, static_cast<int64_t>(seq.size()));
    }

    void paddedBatchEqualsSingleSequences() {
        auto m = make_model(test::tiny_config());
        torch::NoGradGuard g;
        auto a = m->forward(ids({5, 6, 7, 8, 9}));
        auto b = m->forward(ids({10, 11, 12}));
        auto batch = torch::tensor({5, 6, 7, 8, 9, 10, 11, 12, 0, 0}, torch::kLong).view({2, 5});
        ForwardOptions o;
        o.attention_mask = torch::tensor({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, torch::kLong).view({2, 5});
        auto out = m->forward(batch, o);
        QVERIFY(max_diff(out[0], a[0]) < 1e-5);
        QVERIFY(max_diff(out[1].narrow(0, 0, 3), b[0]) < 1e-5);
    }

    // One decoder layer computed by explicit loops in double precision: RMSNorm, projections,
    // rotate-half RoPE, grouped-query causal attention, SwiGLU MLP.
    void layerMatchesHandComputation() {
        auto c = test::tiny_config();
        c.num_hidden_layers = 1;
        auto m = make_model(c, 11);
        const int64_t T = 5, C = c.hidden_size, H = c.num_attention_heads, KV = c.num_key_value_heads,
                      D = c.head_dim, F = c.intermediate_size;
        torch::NoGradGuard g;
        auto x = torch::randn({1, T, C}, torch::TensorOptions().dtype(torch::kFloat));
        auto layer = m->model->layers->ptr<DecoderLayerImpl>(0);
        AttentionContext ctx;
        RotaryEmbedding rope(c);
        auto [cos, sin] = rope.tables(T, torch::kCPU, torch::kFloat);
        ctx.cos = cos;
        ctx.sin = sin;
        auto got = layer->forward(x, ctx, 0).to(torch::kDouble);

        auto X = x.to(torch::kDouble)[0];
        auto W = [&](const Linear& l) { return l->weight.to(torch::kDouble); };
        auto rms = [&](const torch::Tensor& v, const torch::Tensor& w) {
            auto out = torch::empty_like(v);
            for (int64_t t = 0; t < v.size(0); ++t) {
                double ss = 0;
                for (int64_t i = 0; i < v.size(1); ++i) ss += v[t][i].item<double>() * v[t][i].item<double>();
                const double r = 1.0 / std::sqrt(ss / v.size(1) + c.rms_norm_eps);
                for (int64_t i = 0; i < v.size(1); ++i)
                    out[t][i] = v[t][i].item<double>() * r * w[i].item<double>();
            }
            return out;
        };
        auto matvec = [&](const torch::Tensor& v, const torch::Tensor& w) {  // v (T, in), w (out, in)
            auto out = torch::zeros({v.size(0), w.size(0)}, torch::kDouble);
            for (int64_t t = 0; t < v.size(0); ++t)
                for (int64_t o = 0; o < w.size(0); ++o) {
                    double s = 0;
                    for (int64_t i = 0; i < w.size(1); ++i) s += v[t][i].item<double>() * w[o][i].item<double>();
                    out[t][o] = s;
                }
            return out;
        };
        auto h = rms(X, layer->input_layernorm->weight.to(torch::kDouble));
        auto q = matvec(h, W(layer->self_attn->q_proj)), k = matvec(h, W(layer->self_attn->k_proj)),
             v = matvec(h, W(layer->self_attn->v_proj));
        auto rotate = [&](torch::Tensor t, int64_t heads) {
            auto out = t.clone();
            for (int64_t p = 0; p < T; ++p)
                for (int64_t hh = 0; hh < heads; ++hh)
                    for (int64_t i = 0; i < D / 2; ++i) {
                        const double theta = p * std::pow(c.rope_theta, -2.0 * i / D);
                        const double a = t[p][hh * D + i].item<double>(), b = t[p][hh * D + i + D / 2].item<double>();
                        out[p][hh * D + i] = a * std::cos(theta) - b * std::sin(theta);
                        out[p][hh * D + i + D / 2] = b * std::cos(theta) + a * std::sin(theta);
                    }
            return out;
        };
        q = rotate(q, H);
        k = rotate(k, KV);
        auto attn = torch::zeros({T, H * D}, torch::kDouble);
        for (int64_t hh = 0; hh < H; ++hh) {
            const int64_t kvh = hh / (H / KV);
            for (int64_t i = 0; i < T; ++i) {
                std::vector<double> s(i + 1);
                double mx = -1e300, z = 0;
                for (int64_t j = 0; j <= i; ++j) {
                    double d = 0;
                    for (int64_t e = 0; e < D; ++e) d += q[i][hh * D + e].item<double>() * k[j][kvh * D + e].item<double>();
                    s[j] = d / std::sqrt(double(D));
                    mx = std::max(mx, s[j]);
                }
                for (auto& e : s) z += (e = std::exp(e - mx));
                for (int64_t e = 0; e < D; ++e) {
                    double acc = 0;
                    for (int64_t j = 0; j <= i; ++j) acc += s[j] / z * v[j][kvh * D + e].item<double>();
                    attn[i][hh * D + e] = acc;
                }
            }
        }
        auto x2 = X + matvec(attn, W(layer->self_attn->o_proj));
        auto h2 = rms(x2, layer->post_attention_layernorm->weight.to(torch::kDouble));
        auto gte = matvec(h2, W(layer->mlp->gate_proj)), up = matvec(h2, W(layer->mlp->up_proj));
        auto act = torch::empty({T, F}, torch::kDouble);
        for (int64_t t = 0; t < T; ++t)
            for (int64_t f = 0; f < F; ++f) {
                const double a = gte[t][f].item<double>();
                act[t][f] = a / (1 + std::exp(-a)) * up[t][f].item<double>();
            }
        auto expect = x2 + matvec(act, W(layer->mlp->down_proj));
        const double diff = max_diff(got[0], expect);
        QVERIFY2(diff < 1e-4, std::to_string(diff).c_str());
    }

    void llama3RopeScalingFollowsItsFormula() {
        auto c = test::tiny_config();
        c.head_dim = 64;
        c.rope_theta = 500000.0;
        auto plain = rope_inv_freq(c);
        c.rope_scaling.type = "llama3";
        c.rope_scaling.factor = 8.0;
        c.rope_scaling.low_freq_factor = 1.0;
        c.rope_scaling.high_freq_factor = 4.0;
        c.rope_scaling.original_max_position_embeddings = 8192;
        auto scaled = rope_inv_freq(c);
        for (int64_t i = 0; i < plain.size(0); ++i) {
            const double f = plain[i].item<double>(), s = scaled[i].item<double>();
            const double wavelen = 2 * M_PI / f;
            double expect = f;
            if (wavelen > 8192.0) expect = f / 8.0;
            else if (wavelen >= 2048.0) {
                const double smooth = (8192.0 / wavelen - 1.0) / 3.0;
                expect = (1 - smooth) * f / 8.0 + smooth * f;
            }
            QVERIFY2(std::abs(s - expect) <= 1e-6 * std::abs(expect), std::to_string(i).c_str());
        }
        QCOMPARE(scaled[0].item<float>(), plain[0].item<float>());                       // high frequency kept
        QVERIFY(std::abs(scaled[31].item<double>() * 8 - plain[31].item<double>()) < 1e-9);  // lowest slowed
        c.rope_scaling = {};
        c.rope_scaling.type = "linear";
        c.rope_scaling.factor = 4.0;
        QVERIFY(torch::allclose(rope_inv_freq(c), plain / 4.0));
    }

    void badFoldersGiveClearErrors() {
        QCOMPARE(error_of([] { load_causal_lm("/nonexistent/model"); }),
                 std::string("model folder '/nonexistent/model' does not exist"));
        const std::string empty = test::scratch_dir() + "/empty-model";
        fs::create_directories(empty);
        QVERIFY(error_of([&] { load_causal_lm(empty); }).find("no config.json") != std::string::npos);

        auto m = make_model(test::tiny_config());
        const std::string dir = save_tmp(m, "broken");
        auto cfg = nlohmann::json::parse(read_file(dir + "/config.json"));
        cfg["model_type"] = "gpt_neox";
        write_file_atomic(dir + "/config.json", cfg.dump());
        auto msg = error_of([&] { load_causal_lm(dir); });
        QVERIFY2(msg.find("model_type 'gpt_neox' is not supported") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("config.json") != std::string::npos, msg.c_str());

        cfg["model_type"] = "llama";
        cfg["intermediate_size"] = 48;  // the weights say 64
        write_file_atomic(dir + "/config.json", cfg.dump());
        msg = error_of([&] { load_causal_lm(dir); });
        QVERIFY2(msg.find("has shape [64, 32], expected [48, 32]") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("model.safetensors") != std::string::npos, msg.c_str());

        cfg["intermediate_size"] = 64;
        cfg["num_hidden_layers"] = 3;
        write_file_atomic(dir + "/config.json", cfg.dump());
        msg = error_of([&] { load_causal_lm(dir); });
        QVERIFY2(msg.find("tensor 'model.layers.2.self_attn.q_proj.weight' is missing") != std::string::npos, msg.c_str());

        cfg["num_hidden_layers"] = 2;
        cfg["num_key_value_heads"] = 3;
        write_file_atomic(dir + "/config.json", cfg.dump());
        msg = error_of([&] { load_causal_lm(dir); });
        QVERIFY2(msg.find("num_key_value_heads (3) must divide num_attention_heads (4)") != std::string::npos, msg.c_str());

        write_file_atomic(dir + "/config.json", "{\"model_type\": \"llama\",");
        msg = error_of([&] { load_causal_lm(dir); });
        QVERIFY2(msg.find("config.json:1:") != std::string::npos && msg.find("invalid JSON") != std::string::npos,
                 msg.c_str());
    }
};

LATHE_TEST(TestTransformer)
#include "test_transformer.moc"
