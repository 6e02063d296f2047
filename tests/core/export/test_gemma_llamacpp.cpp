// Gemma 2 and Gemma 3 exported to GGUF and run by llama.cpp (node-llama-cpp's prebuilt binaries): the
// greedy tokens equal Lathe's, and the logits at every prompt position agree within 1e-3, on tiny models
// whose prompt outgrows the sliding window, whose norms are random (the +1 llama.cpp needs), whose query
// scale is not llama.cpp's (folded into the weights), with soft-capping (Gemma 2) and two RoPE bases
// (Gemma 3). Skips with a message when node or the package is missing.
#include "tests/core/export/llamacpp_family.h"
#include "tests/core/model/gemma_models.h"

using namespace lathe;
using namespace lathe::test;

class TestGemmaLlamacpp : public QObject {
    Q_OBJECT

    void check_family(const ModelConfig& c) {
        // llama.cpp's GELU reads a float16 table (ggml's GGML_GELU_FP16), about 1e-3 off in relative terms: its
        // logits are held to the Gemma formulas computed with that GELU, while Lathe's are held to the exact
        // formulas (test_gemma's forwardMatchesThePlainFormulas).
        CausalLM m = make_gemma(c, 17);
        check_llamacpp_family(*m, c.model_type, [&](const std::vector<int64_t>& t) { return gemma_reference_logits(*m, t, true); });
    }

private slots:
    void initTestCase() {
        const std::string why = harness_missing();
        if (!why.empty()) QSKIP(why.c_str());
    }
    void gemma3MatchesLlamacpp() { check_family(tiny_gemma3_config()); }
    void gemma2MatchesLlamacpp() { check_family(tiny_gemma2_config()); }
};

LATHE_TEST(TestGemmaLlamacpp)
#include "test_gemma_llamacpp.moc"
