// Qwen3-MoE and Qwen2-MoE exported to GGUF and run by llama.cpp (node-llama-cpp's prebuilt binaries): the
// greedy tokens equal Lathe's, and the logits at every prompt position agree within 1e-3 of the formulas
// written out token by token, on tiny models whose experts llama.cpp reads stacked (ffn_*_exps), with the
// router's top-k renormalised (Qwen3-MoE) or not and a shared expert (Qwen2-MoE). Skips with a message when
// node or the package is missing.
#include "tests/core/export/llamacpp_family.h"
#include "tests/core/model/moe_models.h"

using namespace lathe;
using namespace lathe::test;

class TestMoeLlamacpp : public QObject {
    Q_OBJECT

    void check_family(const ModelConfig& c) {
        CausalLM m = make_moe(c, 17);
        check_llamacpp_family(*m, c.model_type, [&](const std::vector<int64_t>& t) { return moe_reference_logits(*m, t); });
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
