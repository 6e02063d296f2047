#include "tests/registry.h"

#include "core/peft/freeze.h"
#include "core/train/train_config.h"
#include "core/train/method_settings.h"
#include "tests/core/peft/peft_fixtures.h"

#include <QtTest>

#include <set>

using namespace lathe;
using namespace lathe::test;

namespace {

// One SGD step on a next-token loss; returns the names of the parameters whose values changed.
std::set<std::string> changed_by_one_step(CausalLM& m) {
    std::map<std::string, torch::Tensor> before;
    for (auto& p : m->named_parameters()) before[p.key()] = p.value().detach().clone();
    std::vector<torch::Tensor> trainable;
    for (auto& p : m->parameters())
        if (p.requires_grad()) trainable.push_back(p);
    torch::optim::SGD opt(trainable, torch::optim::SGDOptions(0.5));
    m->train();
    auto ids = token_batch();
    auto logits = m->forward(ids);  // (B, T, V)
    auto loss = torch::nn::functional::cross_entropy(logits.narrow(1, 0, 5).reshape({-1, logits.size(-1)}),
                                                     ids.narrow(1, 1, 5).reshape(-1));
    opt.zero_grad();
    loss.backward();
    opt.step();
    std::set<std::string> changed;
    for (auto& p : m->named_parameters())
        if (!torch::equal(p.value(), before[p.key()])) changed.insert(p.key());
    return changed;
}

std::set<std::string> names_where(CausalLM& m, const std::function<bool(const std::string&)>& pred) {
    std::set<std::string> out;
    for (auto& p : m->named_parameters())
        if (pred(p.key())) out.insert(p.key());
    return out;
}

bool starts(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

ModelConfig three_layers() {
    auto c = tiny_config();
    c.num_hidden_layers = 3;
    return c;
}

}  // namespace

class TestFreeze : public QObject {
    Q_OBJECT
private slots:
    void lastLayersTrainOnly() {
        auto m = random_model(three_layers());
        FreezeSettings s;
        s.trainable_layers = 2;
        auto t = apply_freeze(*m, s);
        auto expected = names_where(m, [](const std::string& n) {
            return starts(n, "model.layers.1.") || starts(n, "model.layers.2.");
        });
        const auto names = t.names();
        QCOMPARE(std::set<std::string>(names.begin(), names.end()), expected);
        QCOMPARE(changed_by_one_step(m), expected);
        int64_t count = 0;
        for (const auto& [n, p] : t.named) count += p.numel();
        QCOMPARE(t.trainable, count);
        QCOMPARE(t.total, m->config().parameter_count());
    }

    void firstLayerChosenModulesAndExtras() {
        auto m = random_model(three_layers());
        FreezeSettings s;
        s.trainable_layers = -1;
        s.trainable_modules = {"mlp", "q_proj"};
        s.extra_modules = {"embed_tokens", "norm"};
        apply_freeze(*m, s);
        auto expected = names_where(m, [](const std::string& n) {
            return starts(n, "model.layers.0.mlp.") || starts(n, "model.layers.0.self_attn.q_proj.") ||
                   n == "model.embed_tokens.weight" || n == "model.norm.weight";
        });
        QCOMPARE(expected.size(), size_t(3 + 1 + 2));
        QCOMPARE(changed_by_one_step(m), expected);  // "norm" is model.norm, not every layernorm
    }

    void layerCountBeyondModelSelectsAll() {
        auto m = random_model();
        FreezeSettings s;
        s.trainable_layers = 10;
        s.trainable_modules = {"self_attn"};
        auto t = apply_freeze(*m, s);
        QCOMPARE(t.named.size(), size_t(2 * 4));  // q/k/v/o weights of both layers
    }

    void settingsFromTrainConfig() {
        TrainConfig c;
        c.freeze_trainable_layers = -3;
        c.freeze_trainable_modules = "mlp, self_attn";
        c.freeze_extra_modules = "embed_tokens";
        auto s = freeze_settings(c);
        QCOMPARE(s.trainable_layers, int64_t(-3));
        QCOMPARE(s.trainable_modules, (std::vector<std::string>{"mlp", "self_attn"}));
        QCOMPARE(s.extra_modules, (std::vector<std::string>{"embed_tokens"}));
        QCOMPARE(freeze_settings(TrainConfig{}).trainable_modules, (std::vector<std::string>{"all"}));
    }

    void errorsNameBadValueAndValidOnes() {
        auto m = random_model();
        FreezeSettings s;
        s.trainable_modules = {"mlpp"};
        auto e = error_of([&] { apply_freeze(*m, s); });
        QVERIFY2(contains(e, "freeze_trainable_modules: this model has no module named 'mlpp' (did you mean 'mlp'?); valid: ") &&
                     contains(e, "all") && contains(e, "self_attn") && contains(e, "down_proj"),
                 e.c_str());
        s.trainable_modules = {"all"};
        s.extra_modules = {"lm_heda"};
        e = error_of([&] { apply_freeze(*m, s); });
        QVERIFY2(contains(e, "freeze_extra_modules: this model has no module named 'lm_heda' (did you mean 'lm_head'?); "
                             "valid: embed_tokens, lm_head, norm"),
                 e.c_str());
        s.extra_modules = {};
        s.trainable_modules = {};
        e = error_of([&] { apply_freeze(*m, s); });
        QVERIFY2(contains(e, "freeze_trainable_modules is empty; use 'all' or module names"), e.c_str());
        s.trainable_modules = {"all"};
        s.trainable_layers = 0;
        e = error_of([&] { apply_freeze(*m, s); });
        QVERIFY2(contains(e, "freeze_trainable_layers = 0 with freeze_trainable_modules = all leaves nothing to train"), e.c_str());
    }
};

LATHE_TEST(TestFreeze)
#include "test_freeze.moc"
