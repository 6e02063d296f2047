// Phi-3 and Phi-4-mini exported to GGUF and run by llama.cpp (node-llama-cpp's prebuilt binaries): the
// greedy tokens equal Lathe's, and the logits at every prompt position agree within 1e-3, on tiny models with
// the fused qkv_proj / gate_up_proj, and (Phi-4-mini) tied embeddings, RoPE on three quarters of each head and
// longrope's long factors and attention factor (the 13-token prompt is past the pretrained length of 8, and
// llama.cpp's context is too). Skips with a message when node or the package is missing.
#include "tests/core/export/llamacpp_family.h"
#include "tests/core/model/phi3_models.h"

using namespace lathe;
using namespace lathe::test;

class TestPhi3Llamacpp : public QObject {
    Q_OBJECT

    void check_family(const ModelConfig& c, const std::string& name) {
        CausalLM m = make_phi3(c, 17);
        check_llamacpp_family(*m, name, [&](const std::vector<int64_t>& t) { return phi3_reference_logits(*m, t); });
    }

private slots:
    void initTestCase() {
        const std::string why = harness_missing();
        if (!why.empty()) QSKIP(why.c_str());
    }
    void phi3MatchesLlamacpp() {
        // llama.cpp ignores Phi's sliding window (llama-model.cpp: "Phi SWA is currently disabled"): this model
        // has none, the window is held to the formulas in test_phi3.
        ModelConfig c = tiny_phi3_config();
        c.sliding_window = 0;
        c.sliding_layers.clear();
        check_family(c, "phi3");
    }
    void phi4MiniMatchesLlamacpp() { check_family(tiny_phi4_mini_config(), "phi4-mini"); }
};

LATHE_TEST(TestPhi3Llamacpp)
#include "test_phi3_llamacpp.moc"
