// AdamW against torch.optim.AdamW's update written out element by element in double precision, the
// parameter groups transformers' Trainer uses (no decay on biases and norms), the checkpointed state,
// and clip_grad_norm against torch.nn.utils.clip_grad_norm_.
#include "tests/registry.h"

#include "core/train/adamw.h"
#include "core/util/error.h"

#include <QtTest>

#include <cmath>
#include <limits>

using namespace lathe;

namespace {

// One parameter tensor of the reference, in double, with its moments.
struct RefParam {
    std::vector<double> p, m, v;
    bool decay;
};

// torch.optim.AdamW (amsgrad off, maximize off): decoupled decay, then the bias-corrected Adam step.
void ref_step(RefParam& r, const std::vector<double>& g, double lr, int64_t t, double b1, double b2, double eps, double wd) {
    for (size_t i = 0; i < r.p.size(); ++i) {
        if (r.decay) r.p[i] -= lr * wd * r.p[i];
        r.m[i] = b1 * r.m[i] + (1 - b1) * g[i];
        r.v[i] = b2 * r.v[i] + (1 - b2) * g[i] * g[i];
        const double m_hat = r.m[i] / (1 - std::pow(b1, t));
        const double v_hat = r.v[i] / (1 - std::pow(b2, t));
        r.p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
}

std::vector<double> values(const torch::Tensor& t) {
    auto c = t.to(torch::kDouble).contiguous().view(-1);
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// Gradients that change sign and size from step to step.
torch::Tensor grad_for(const torch::Tensor& p, int step, int which) {
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(100 * step + which);
    return torch::randn(p.sizes(), gen) * (0.5 + step);
}

std::vector<NamedParameter> make_params() {
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(1);
    return {{"model.layers.0.mlp.up_proj.weight", torch::randn({4, 3}, gen).requires_grad_()},
            {"model.layers.0.self_attn.q_proj.bias", torch::randn({4}, gen).requires_grad_()},
            {"model.layers.0.input_layernorm.weight", torch::randn({3}, gen).requires_grad_()},
            {"model.norm.weight", torch::randn({3}, gen).requires_grad_()},
            {"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", torch::randn({2, 3}, gen).requires_grad_()}};
}

}  // namespace

class TestTrainAdamW : public QObject {
    Q_OBJECT

private slots:
    void decayGroupsAsTransformers() {
        QVERIFY(AdamW::decays("model.layers.0.mlp.up_proj.weight"));
        QVERIFY(AdamW::decays("model.embed_tokens.weight"));
        QVERIFY(AdamW::decays("lm_head.weight"));
        QVERIFY(AdamW::decays("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
        QVERIFY(!AdamW::decays("model.layers.0.self_attn.q_proj.bias"));
        QVERIFY(!AdamW::decays("model.layers.3.input_layernorm.weight"));
        QVERIFY(!AdamW::decays("model.layers.3.post_attention_layernorm.weight"));
        QVERIFY(!AdamW::decays("model.layers.0.self_attn.q_norm.weight"));
        QVERIFY(!AdamW::decays("model.norm.weight"));
    }

    void equalsReferenceUpdate_data() {
        QTest::addColumn<double>("weight_decay");
        QTest::newRow("no decay") << 0.0;
        QTest::newRow("decay 0.1") << 0.1;
    }
    void equalsReferenceUpdate() {
        QFETCH(double, weight_decay);
        AdamWOptions o;
        o.beta1 = 0.8;
        o.beta2 = 0.95;
        o.eps = 1e-6;
        o.weight_decay = weight_decay;
        auto params = make_params();
        std::vector<RefParam> ref;
        for (const auto& p : params) {
            auto v = values(p.param);
            ref.push_back({v, std::vector<double>(v.size()), std::vector<double>(v.size()), AdamW::decays(p.name)});
        }
        AdamW opt(params, o);
        const double lrs[] = {0.05, 0.1, 0.02, 0.07};  // a schedule changes lr between steps
        for (int step = 1; step <= 4; ++step) {
            opt.zero_grad();
            for (size_t i = 0; i < params.size(); ++i) {
                auto g = grad_for(params[i].param, step, static_cast<int>(i));
                params[i].param.mutable_grad() = g.clone();
                ref_step(ref[i], values(g), lrs[step - 1], step, o.beta1, o.beta2, o.eps, o.weight_decay);
            }
            opt.step(lrs[step - 1]);
            QCOMPARE(opt.steps(), int64_t(step));
            for (size_t i = 0; i < params.size(); ++i) {
                const auto got = values(params[i].param);
                for (size_t k = 0; k < got.size(); ++k)
                    if (std::abs(got[k] - ref[i].p[k]) > 1e-5 * (1 + std::abs(ref[i].p[k])))
                        QFAIL(qPrintable(QString("%1[%2] after step %3: %4, reference %5")
                                             .arg(params[i].name.c_str()).arg(k).arg(step).arg(got[k]).arg(ref[i].p[k])));
            }
        }
        // The decay must have made a difference exactly where it applies: rerun the weight without decay.
        if (weight_decay > 0) {
            auto plain = make_params();
            AdamWOptions nd = o;
            nd.weight_decay = 0;
            AdamW opt2(plain, nd);
            for (int step = 1; step <= 4; ++step) {
                opt2.zero_grad();
                for (size_t i = 0; i < plain.size(); ++i)
                    plain[i].param.mutable_grad() = grad_for(plain[i].param, step, static_cast<int>(i));
                opt2.step(lrs[step - 1]);
            }
            for (size_t i = 0; i < plain.size(); ++i) {
                const bool same = torch::equal(plain[i].param, params[i].param);
                QVERIFY2(same == !AdamW::decays(params[i].name), params[i].name.c_str());
            }
        }
    }

    void parameterWithoutGradientIsLeftAlone() {
        auto params = make_params();
        AdamWOptions o;
        o.weight_decay = 0.5;
        AdamW opt(params, o);
        const auto before0 = params[0].param.detach().clone(), before1 = params[1].param.detach().clone();
        params[1].param.mutable_grad() = torch::ones_like(params[1].param);
        opt.step(0.1);
        QVERIFY(torch::equal(params[0].param, before0));  // no grad: no decay, no update
        QVERIFY(!torch::equal(params[1].param, before1));
        QVERIFY(torch::equal(opt.state()[0].second, torch::zeros_like(before0)));  // its moments stay zero
    }

    void stateRoundTripContinuesIdentically() {
        auto a = make_params(), b = make_params();
        AdamWOptions o;
        o.weight_decay = 0.01;
        AdamW oa(a, o), ob(b, o);
        for (int step = 1; step <= 2; ++step) {
            for (size_t i = 0; i < a.size(); ++i) a[i].param.mutable_grad() = grad_for(a[i].param, step, static_cast<int>(i));
            oa.step(0.1);
            oa.zero_grad();
        }
        {
            torch::NoGradGuard g;
            for (size_t i = 0; i < a.size(); ++i) b[i].param.copy_(a[i].param);
        }
        ob.load_state(oa.state(), "checkpoint-2/optimizer.safetensors");
        QCOMPARE(ob.steps(), int64_t(2));
        for (auto* p : {&a, &b})
            for (size_t i = 0; i < p->size(); ++i) (*p)[i].param.mutable_grad() = grad_for((*p)[i].param, 3, static_cast<int>(i));
        oa.step(0.1);
        ob.step(0.1);
        for (size_t i = 0; i < a.size(); ++i) QVERIFY(torch::equal(a[i].param, b[i].param));
    }

    void stateErrorsNameTheTensor() {
        auto params = make_params();
        AdamW opt(params, {});
        auto state = opt.state();
        auto missing = state;
        missing.erase(missing.begin());
        QString msg;
        try {
            opt.load_state(missing, "ckpt/optimizer.safetensors");
        } catch (const ModelError& e) {
            msg = e.what();
        }
        QCOMPARE(msg, QString("ckpt/optimizer.safetensors: optimizer state 'exp_avg/model.layers.0.mlp.up_proj.weight' is missing"));
        auto wrong = state;
        wrong[0].second = torch::zeros({3, 4});
        try {
            opt.load_state(wrong, "ckpt/optimizer.safetensors");
        } catch (const ModelError& e) {
            msg = e.what();
        }
        QCOMPARE(msg, QString("ckpt/optimizer.safetensors: optimizer state 'exp_avg/model.layers.0.mlp.up_proj.weight' "
                              "has shape [3, 4], expected [4, 3]"));
    }

    void clipGradNormReturnsPreClipNorm() {
        auto a = torch::zeros({2}, torch::requires_grad()), b = torch::zeros({1}, torch::requires_grad());
        std::vector<NamedParameter> ps = {{"a", a}, {"b", b}};
        auto set = [&] {
            a.mutable_grad() = torch::tensor({3.0f, 4.0f});
            b.mutable_grad() = torch::tensor({12.0f});
        };
        set();
        QVERIFY(std::abs(clip_grad_norm(ps, 1.3) - 13.0) < 1e-5);  // sqrt(9 + 16 + 144)
        const double coef = 1.3 / (13.0 + 1e-6);                   // torch's clip_coef
        QVERIFY(std::abs(a.grad()[0].item<double>() - 3 * coef) < 1e-6);
        QVERIFY(std::abs(a.grad()[1].item<double>() - 4 * coef) < 1e-6);
        QVERIFY(std::abs(b.grad()[0].item<double>() - 12 * coef) < 1e-6);
        QVERIFY(std::abs(torch::cat({a.grad(), b.grad()}).norm().item<double>() - 1.3) < 1e-5);
        set();
        QVERIFY(std::abs(clip_grad_norm(ps, 20.0) - 13.0) < 1e-5);  // below the limit: untouched
        QCOMPARE(b.grad()[0].item<float>(), 12.0f);
        QVERIFY(std::abs(clip_grad_norm(ps, 0.0) - 13.0) < 1e-5);   // 0: measure only
        QCOMPARE(b.grad()[0].item<float>(), 12.0f);
        b.mutable_grad() = torch::tensor({std::numeric_limits<float>::infinity()});
        QVERIFY(std::isinf(clip_grad_norm(ps, 1.0)));  // reported, so the loop can stop
    }
};

LATHE_TEST(TestTrainAdamW)
#include "test_train_adamw.moc"
