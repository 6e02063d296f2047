// Inference weights (core/infer): the bf16 and Q8_0 kernels compute what a float64 reference computes on
// the same (rounded) weights; packed models answer like float32 ones to stated bounds; loading keeps
// float32 and bfloat16 tensors in the mapped files instead of copying them; every file dtype loads in
// every format.
#include "tests/registry.h"

#include "core/infer/gemv.h"
#include "core/io/gguf_quant.h"
#include "core/infer/inference_weights.h"
#include "core/model/fused_ops.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"
#include "core/model/transformer.h"
#include "core/peft/adapter_io.h"
#include "core/peft/lora.h"
#include "core/util/error.h"
#include "tests/core/model/tiny_models.h"
#include "tests/core/peft/peft_fixtures.h"

#include <QtTest>
#include <torch/torch.h>

#include <filesystem>
#include <malloc.h>
#include <fstream>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

// A model whose widths are multiples of 32 (int8's block), with large weights for peaked predictions.
ModelConfig packable_config(int64_t vocab = 256) {
    auto c = test::tiny_config("llama");
    c.vocab_size = vocab;
    c.hidden_size = 64;
    c.intermediate_size = 128;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 16;
    return c;
}

std::string saved_model(const std::string& name, torch::ScalarType dtype, const ModelConfig& c, bool tied = false) {
    const std::string dir = test::scratch_dir() + "/infer-" + name;
    fs::remove_all(dir);
    ModelConfig config = c;
    config.tie_word_embeddings = tied;
    CausalLM m(config);
    m->init_weights(11, 0.15);
    save_causal_lm(*m, dir, dtype);
    return dir;
}

std::vector<int32_t> greedy_ids(CausalLMImpl& m, int64_t n) {
    GenerateOptions o;
    o.sampling.temperature = 0;
    o.max_new_tokens = n;
    return generate(m, nullptr, {1, 5, 9, 14, 3}, o).ids;
}

// Teacher-forced logits over a fixed sequence (1, T, V).
torch::Tensor logits_of(CausalLMImpl& m) {
    c10::InferenceMode guard;
    std::vector<int64_t> seq;
    for (int i = 0; i < 48; ++i) seq.push_back((i * 37 + 5) % m.config().vocab_size);
    return m.forward(torch::tensor(seq).unsqueeze(0)).to(torch::kFloat);
}

double top1_agreement(const torch::Tensor& a, const torch::Tensor& b) {
    return a.argmax(-1).eq(b.argmax(-1)).to(torch::kFloat).mean().item<double>();
}

// Anonymous (not file-backed) resident memory of this process, after glibc returns what it can (freed
// tensors may otherwise stay in its heap and count).
int64_t rss_anon_bytes() {
    malloc_trim(0);
    std::ifstream f("/proc/self/status");
    std::string key;
    while (f >> key) {
        if (key == "RssAnon:") {
            int64_t kb = 0;
            f >> kb;
            return kb * 1024;
        }
        std::string rest;
        std::getline(f, rest);
    }
    return -1;
}

// Lifts a LATHE_KERNEL_ISA cap a test set (kernels::limit_kernel_isa) when it goes out of scope.
struct IsaCapLifted {
    ~IsaCapLifted() { kernels::limit_kernel_isa(kernels::kNoKernelCap); }
};

}  // namespace

class TestInferenceWeights : public QObject {
    Q_OBJECT
private slots:
    void kernelsMatchAFloat64Reference_data() {
        QTest::addColumn<QString>("isa");
        // Every code path this processor can run: the highest first, then each one below it.
        QTest::newRow("best") << "amx";
        QTest::newRow("avx512-bf16") << "avx512-bf16";
        QTest::newRow("avx512") << "avx512";
        QTest::newRow("avx2") << "avx2";
        QTest::newRow("portable") << "portable";
    }

    void kernelsMatchAFloat64Reference() {
        QFETCH(QString, isa);
        QVERIFY(!kernels::limit_kernel_isa("sse9"));  // an unknown name changes nothing
        QVERIFY(kernels::limit_kernel_isa(isa.toUtf8().constData()));
        const IsaCapLifted lifted;
        qInfo("kernels: %s", kernels::kernel_isa());
        torch::manual_seed(2);
        // Lengths with vector tails (67, 200: one AVX-512 step and a tail) and Q8_0 blocks (96: an odd
        // number of blocks; 128: an even one); 1 to 8 rows (the decode range: one row, and the several-row
        // tiles full and partial; 37 outputs leave a group of one).
        for (int64_t in : {67, 96, 128, 200}) {
            for (int64_t rows : {1, 2, 3, 5, 8}) {
                const int64_t out = 37;
                auto w = torch::randn({out, in});
                auto x = torch::randn({rows, in});
                auto y = torch::empty({rows, out});
                kernels::gemv_f32(w.data_ptr<float>(), out, in, x.data_ptr<float>(), rows, y.data_ptr<float>());
                auto ref = torch::matmul(x.to(torch::kDouble), w.to(torch::kDouble).t()).to(torch::kFloat);
                QVERIFY2(torch::allclose(y, ref, 1e-5, 1e-4), "f32");

                auto wb = w.to(torch::kBFloat16).contiguous();
                kernels::gemv_bf16(reinterpret_cast<const uint16_t*>(wb.data_ptr()), out, in, x.data_ptr<float>(), rows,
                                   y.data_ptr<float>());
                // With vdpbf16ps x meets the weights rounded to bf16 (to nearest even), as in llama.cpp.
                const bool rounds = kernels::bf16_rounds_input();
                const auto xr = rounds ? x.to(torch::kBFloat16).to(torch::kDouble) : x.to(torch::kDouble);
                ref = torch::matmul(xr, wb.to(torch::kDouble).t()).to(torch::kFloat);
                QVERIFY2(torch::allclose(y, ref, 1e-5, 1e-4), "bf16");
                if (rounds) {  // a row alone gives the same bits as in a batch (tiles sum in the same order)
                    auto one = torch::empty({1, out});
                    for (int64_t r = 0; r < rows; ++r) {
                        kernels::gemv_bf16(reinterpret_cast<const uint16_t*>(wb.data_ptr()), out, in,
                                           x[r].contiguous().data_ptr<float>(), 1, one.data_ptr<float>());
                        QVERIFY2(torch::equal(one[0], y[r]), "bf16: a row alone differs from the same row in a batch");
                    }
                }

                if (in % kernels::kQ8Block) continue;
                auto packed = PackedWeight::pack(w, WeightFormat::Int8);
                auto deq = packed->dense(torch::kDouble);
                // Quantization error: at most half a step (max|w| / 127 / 2) per element of each block.
                auto step = w.view({out, in / 32, 32}).abs().amax(-1, true) / 127;
                QVERIFY((deq.to(torch::kFloat) - w).view({out, in / 32, 32}).abs().le(step * 0.5 + 1e-7).all().item<bool>());
                // Q8_0 x Q8_0 as llama.cpp: x is quantized per block of 32 too, then the block sums are exact.
                auto yq = packed->forward(x.unsqueeze(1), {}).squeeze(1);  // one position per row: the kernels
                auto xq = PackedWeight::pack(x, WeightFormat::Int8)->dense(torch::kDouble);
                ref = torch::matmul(xq, deq.t()).to(torch::kFloat);
                QVERIFY2(torch::allclose(yq, ref, 1e-5, 1e-4), "int8");
                // Every int8 path gives a row the same bits alone as in a batch (VNNI's several-row tiles
                // sum in the one-row kernel's order; the others run row by row).
                const auto q = packed->data(), sc = packed->scales();
                auto yb = torch::empty({rows, out}), one = torch::empty({1, out});
                kernels::gemv_q8(q.data_ptr<int8_t>(), sc.data_ptr<float>(), out, in, x.data_ptr<float>(), rows,
                                 yb.data_ptr<float>());
                for (int64_t r = 0; r < rows; ++r) {
                    kernels::gemv_q8(q.data_ptr<int8_t>(), sc.data_ptr<float>(), out, in, x[r].contiguous().data_ptr<float>(),
                                     1, one.data_ptr<float>());
                    QVERIFY2(torch::equal(one[0], yb[r]), "int8: a row alone differs from the same row in a batch");
                }
            }
        }
    }

    // Where the processor has AMX, bf16 and int8 prompts (more than kGemvMaxRows rows) run on its tiles: every
    // shape the tiles cut unevenly (a tail along `in`, output rows that leave a group of one tile or part of
    // one, input rows that leave an odd tile) against float64, and a row gives the same bits in any prompt
    // batch of more than kGemvMaxRows rows.
    void amxPromptTilesMatchAFloat64Reference() {
        if (!kernels::amx_enabled())
            QSKIP(qPrintable(QString("kernels %1: this processor has no AMX tiles (or they are capped)").arg(kernels::kernel_isa())));
        torch::manual_seed(4);
        for (int64_t in : {64, 67, 96, 200})
            for (int64_t out : {9, 40, 64})
                for (int64_t rows : {9, 16, 33, 70}) {
                    const auto w = torch::randn({out, in}).to(torch::kBFloat16).contiguous();
                    const auto x = torch::randn({rows, in});
                    auto y = torch::empty({rows, out});
                    kernels::gemv_bf16(reinterpret_cast<const uint16_t*>(w.data_ptr()), out, in, x.data_ptr<float>(), rows,
                                       y.data_ptr<float>());
                    const auto ref = torch::matmul(x.to(torch::kBFloat16).to(torch::kDouble), w.to(torch::kDouble).t())
                                         .to(torch::kFloat);
                    const QString shape = QString("out %1, in %2, rows %3").arg(out).arg(in).arg(rows);
                    QVERIFY2(torch::allclose(y, ref, 1e-5, 1e-4), qPrintable(shape));
                    // The same rows reversed behind 5 others: other tiles, other neighbours.
                    const auto x2 = torch::cat({torch::randn({5, in}), x.flip(0)}).contiguous();
                    auto y2 = torch::empty({rows + 5, out});
                    kernels::gemv_bf16(reinterpret_cast<const uint16_t*>(w.data_ptr()), out, in, x2.data_ptr<float>(),
                                       rows + 5, y2.data_ptr<float>());
                    QVERIFY2(torch::equal(y2.narrow(0, 5, rows).flip(0), y), qPrintable(shape + ": rows differ by batch"));

                    // Q8_0 weights: dequantized to bf16 a group at a time, then the same products.
                    if (in % kernels::kQ8Block) continue;
                    const auto packed = PackedWeight::pack(torch::randn({out, in}), WeightFormat::Int8);
                    const auto q = packed->data(), sc = packed->scales();
                    kernels::gemv_q8(q.data_ptr<int8_t>(), sc.data_ptr<float>(), out, in, x.data_ptr<float>(), rows,
                                     y.data_ptr<float>());
                    const auto wq = packed->dense(torch::kFloat).to(torch::kBFloat16).to(torch::kDouble);
                    const auto ref_q = torch::matmul(x.to(torch::kBFloat16).to(torch::kDouble), wq.t()).to(torch::kFloat);
                    QVERIFY2(torch::allclose(y, ref_q, 1e-5, 1e-4), qPrintable(shape + ", int8"));
                    kernels::gemv_q8(q.data_ptr<int8_t>(), sc.data_ptr<float>(), out, in, x2.data_ptr<float>(), rows + 5,
                                     y2.data_ptr<float>());
                    QVERIFY2(torch::equal(y2.narrow(0, 5, rows).flip(0), y), qPrintable(shape + ", int8: rows differ by batch"));
                }
    }

    // The AMX tiles and vdpbf16ps multiply x rounded to bf16 by round_to_bf16: the scalar rounding's bits
    // for every value, at every instruction-set level (AVX-512's integer form, the scalar loop).
    void activationsRoundAsTheScalarForm_data() { kernelsMatchAFloat64Reference_data(); }
    void activationsRoundAsTheScalarForm() {
        QFETCH(QString, isa);
        QVERIFY(kernels::limit_kernel_isa(isa.toUtf8().constData()));
        const IsaCapLifted lifted;
        const float inf = std::numeric_limits<float>::infinity();
        std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.5f, inf, -inf, std::numeric_limits<float>::quiet_NaN(),
                                -std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::max(),
                                std::numeric_limits<float>::denorm_min(), -1e-40f, 3e-39f,
                                std::numeric_limits<float>::min()};
        // Ties to even both ways (the low 16 bits exactly 0x8000 above an even and an odd bf16), one past a
        // tie, and a signalling NaN's payload.
        for (uint32_t bits : {0x3F808000u, 0x3F818000u, 0x3F808001u, 0x7F800001u, 0xFF812345u, 0x7F7FFFFFu}) {
            float f;
            std::memcpy(&f, &bits, 4);
            x.push_back(f);
        }
        auto r = torch::randn({1000});
        for (int64_t i = 0; i < r.numel(); ++i) x.push_back(r[i].item<float>() * (i % 7 == 0 ? 1e-30f : 3.0f));
        // Lengths around the 16-wide steps: every tail.
        for (size_t n : {size_t(0), size_t(1), size_t(15), size_t(16), size_t(17), size_t(33), x.size()}) {
            std::vector<uint16_t> got(n + 1, 0xABCD);
            kernels::round_to_bf16(x.data(), static_cast<int64_t>(n), got.data());
            for (size_t i = 0; i < n; ++i)
                QVERIFY2(got[i] == fp32_to_bf16(x[i]),
                         qPrintable(QString("value %1 (%2): %3, scalar %4").arg(i).arg(double(x[i])).arg(got[i]).arg(fp32_to_bf16(x[i]))));
            QCOMPARE(got[n], uint16_t(0xABCD));  // nothing written past n
        }
    }

    // SwiGLU's gate and up products in one pass over the AMX tiles (a prompt through packed weights): the
    // bits of the two products written out and swiglu() after them, for shapes the tiles cut unevenly, the
    // gate and up rows as two weights and as the halves of one (Phi-3); the MLP takes it and answers as
    // its products and swiglu do; nothing is fused for a decode's few rows or across formats.
    void gatedProductsAreTheProductsThenSwiglu() {
        if (!kernels::amx_enabled())
            QSKIP(qPrintable(QString("kernels %1: this processor has no AMX tiles (or they are capped)").arg(kernels::kernel_isa())));
        c10::InferenceMode guard;
        torch::manual_seed(8);
        for (auto format : {WeightFormat::BF16, WeightFormat::Int8})
            for (int64_t in : {64, 67, 96})
                for (int64_t n : {16, 37, 48})
                    for (int64_t rows : {9, 16, 33}) {
                        if (format == WeightFormat::Int8 && in % kernels::kQ8Block) continue;
                        const auto wg = torch::randn({n, in}), wu = torch::randn({n, in});
                        const auto gate = PackedWeight::pack(wg, format), up = PackedWeight::pack(wu, format);
                        const auto x = torch::randn({1, rows, in});
                        const QString shape = QString("%1, n %2, in %3, rows %4")
                                                  .arg(format == WeightFormat::BF16 ? "bf16" : "int8").arg(n).arg(in).arg(rows);
                        const auto ref = swiglu(gate->forward(x, {}), up->forward(x, {}));
                        const auto h = gate->swiglu_product(up.get(), x);
                        QVERIFY2(h.defined(), qPrintable(shape));
                        QCOMPARE(h.sizes().vec(), ref.sizes().vec());
                        QVERIFY2(torch::equal(h, ref), qPrintable(shape + ": differs from the products and swiglu"));
                        // Rows [gate; up] of one weight.
                        const auto both = PackedWeight::pack(torch::cat({wg, wu}), format);
                        const auto hb = both->swiglu_product(nullptr, x);
                        QVERIFY2(hb.defined() && torch::equal(hb, ref), qPrintable(shape + ": [gate; up] halves"));
                    }
        const auto gate = PackedWeight::pack(torch::randn({48, 64}), WeightFormat::BF16);
        const auto up8 = PackedWeight::pack(torch::randn({48, 64}), WeightFormat::Int8);
        QVERIFY(!gate->swiglu_product(up8.get(), torch::randn({20, 64})).defined());  // formats differ
        QVERIFY(!gate->swiglu_product(gate.get(), torch::randn({kernels::kGemvMaxRows, 64})).defined());  // a decode
        QVERIFY(!PackedWeight::pack(torch::randn({47, 64}), WeightFormat::BF16)->swiglu_product(nullptr, torch::randn({20, 64})).defined());

        // An MLP held in packed weights: its forward takes the one-pass path and answers as the products and
        // swiglu; with the up projection dense there is no one-pass path.
        auto c = packable_config();
        MLP mlp(c);
        for (auto* l : {mlp->gate_proj.get(), mlp->up_proj.get(), mlp->down_proj.get()}) {
            l->weight.normal_(0, 0.2);
            l->set_storage(PackedWeight::pack(l->weight, WeightFormat::Int8));
        }
        const auto x = torch::randn({2, 20, c.hidden_size});
        QVERIFY(mlp->stored_swiglu(x).defined());
        const auto expected = mlp->down_proj(swiglu(mlp->gate_proj(x), mlp->up_proj(x)));
        QVERIFY(torch::equal(mlp->forward(x), expected));
        mlp->up_proj->weight = mlp->up_proj->storage->dense(torch::kFloat);
        mlp->up_proj->storage.reset();
        QVERIFY(!mlp->stored_swiglu(x).defined());
        QVERIFY(torch::equal(mlp->forward(x), mlp->down_proj(swiglu(mlp->gate_proj(x), mlp->up_proj(x)))));
    }

    void promptRowsTakeTheTiledPathToTheSameResult() {
        torch::manual_seed(3);
        auto w = torch::randn({300, 64});
        auto bias = torch::randn({300});
        for (auto f : {WeightFormat::BF16, WeightFormat::Int8}) {
            auto p = PackedWeight::pack(w, f);
            auto x = torch::randn({2, 20, 64});  // 40 rows: dequantized tiles and sgemm
            auto want = torch::nn::functional::linear(x, p->dense(torch::kFloat), bias);
            auto got = p->forward(x, bias);
            QCOMPARE(got.sizes().vec(), want.sizes().vec());
            if (kernels::rows_are_independent() || kernels::amx_enabled()) {
                // Prompts take the decode kernels (or, where the processor has them, AMX tiles): x rounded to
                // bf16 where vdpbf16ps or AMX runs (bf16 weights; int8 on AMX, whose weights are dequantized to
                // bf16 as well) or quantized per block (int8 otherwise): within 1% of the largest output.
                const auto xr = kernels::bf16_rounds_input() ? x.to(torch::kBFloat16).to(torch::kFloat) : x;
                const auto want_r = torch::nn::functional::linear(xr, p->dense(torch::kFloat), bias);
                const double err = (got - want_r).abs().max().item<double>(), largest = want_r.abs().max().item<double>();
                QVERIFY2(err <= 0.01 * largest, qPrintable(QString("error %1 of largest %2").arg(err).arg(largest)));
                // The float32 tiles with sgemm, where the kernels are capped below that rule: as before.
                QVERIFY(kernels::limit_kernel_isa(kernels::bf16_rounds_input() ? "avx512" : "portable"));
                QVERIFY(!kernels::rows_are_independent());
                got = p->forward(x, bias);
                kernels::limit_kernel_isa(kernels::kNoKernelCap);  // no cap (the processor's own features still rule)
            }
            QVERIFY(torch::allclose(got, want, 1e-4, 1e-4));
            // One row at a time (the decode kernel) gives the same row; int8's decode kernel quantizes x
            // as well (Q8_0 x Q8_0), which moves it by under 2% of the largest output, and bf16's rounds x
            // to bf16 where vdpbf16ps runs (a relative 2^-9 per element: under 0.5%).
            auto one = p->forward(x[1][7], bias);
            const double largest = want[1][7].abs().max().item<double>();
            const double tol = f == WeightFormat::Int8            ? 0.02 * largest
                               : kernels::bf16_rounds_input() ? 0.005 * largest
                                                              : 1e-4;
            QVERIFY((one - want[1][7]).abs().max().item<double>() <= tol);
            // A sequence gets the same bits alone or among others, for a prompt (positions > 1) and for a
            // decoding step (one position): what keeps the server's answers independent of its batch.
            // (Where rows_are_independent(): AVX512-BF16, or AVX2 without AVX-512.)
            if (kernels::rows_are_independent()) {
                auto batch = torch::randn({3, 11, 64});
                QVERIFY(torch::equal(p->forward(batch.narrow(0, 1, 1), bias), p->forward(batch, bias).narrow(0, 1, 1)));
                auto steps = batch.narrow(1, 4, 1).contiguous();  // (3, 1, 64)
                QVERIFY(torch::equal(p->forward(steps.narrow(0, 2, 1), bias), p->forward(steps, bias).narrow(0, 2, 1)));
            } else {
                qInfo("kernels %s: rows are not independent here, the batch check is skipped", kernels::kernel_isa());
            }
            // Embedding lookups dequantize the rows asked for.
            auto ids = torch::tensor({{4, 299}, {0, 4}});
            QVERIFY(torch::allclose(p->rows(ids), p->dense(torch::kFloat).index({ids}), 0, 0));
        }
        try {
            PackedWeight::pack(torch::randn({4, 40}), WeightFormat::Int8);
            QFAIL("int8 needs whole blocks");
        } catch (const ConfigError& e) {
            QVERIFY2(QString(e.what()).contains("multiple of 32"), e.what());
        }
    }

    void packedModelsAgreeWithFloat32_data() {
        QTest::addColumn<QString>("isa");
        QTest::newRow("best") << "amx";        // bf16 rounds activations where vdpbf16ps (or AMX) runs
        QTest::newRow("avx512") << "avx512";  // bf16 widened to float32: activations exact
    }

    // The bounds the issue asks for: greedy agreement with float32 on a small model.
    void packedModelsAgreeWithFloat32() {
        QFETCH(QString, isa);
        QVERIFY(kernels::limit_kernel_isa(isa.toUtf8().constData()));
        const IsaCapLifted lifted;
        // bf16 weights from a float32 file, with activations rounded to bf16 too (vdpbf16ps), agree
        // less than with exact activations: 90% of positions instead of 95%.
        const double bf16_bound = kernels::bf16_rounds_input() ? 0.90 : 0.95;
        for (bool tied : {false, true}) {
            const std::string dir = saved_model(tied ? "agree-tied" : "agree", torch::kFloat, packable_config(), tied);
            CausalLM ref = load_causal_lm(dir);
            const auto ref_ids = greedy_ids(*ref, 24);
            const auto ref_logits = logits_of(*ref);
            for (auto f : {WeightFormat::F32, WeightFormat::BF16, WeightFormat::Int8}) {
                InferenceOptions o;
                o.weights = f;
                InferenceReport rep;
                CausalLM m = load_for_inference(dir, o, &rep);
                QCOMPARE(int(rep.weights), int(f));
                QCOMPARE(int(inference_format(*m)), int(f));
                const auto ids = greedy_ids(*m, 24);
                const auto logits = logits_of(*m);
                const double agree = top1_agreement(ref_logits, logits);
                const double err = (logits - ref_logits).abs().max().item<double>() /
                                   ref_logits.abs().max().item<double>();
                qInfo("%s tied=%d: top-1 agreement %.3f, max logit error %.2e of the largest, greedy %s",
                      weight_format_name(f), tied, agree, err, ids == ref_ids ? "identical" : "differs");
                if (f == WeightFormat::F32) {
                    QVERIFY(ids == ref_ids);
                    QVERIFY(err < 1e-5);
                } else {
                    // Bounds for this small, deliberately peaked model: bf16 agrees on 95% of positions (90%
                    // with rounded activations) with logits within 2% of the largest; int8 (weights and
                    // activations in Q8_0) on 90%, within 15%.
                    const bool bf = f == WeightFormat::BF16;
                    QVERIFY2(agree >= (bf ? bf16_bound : 0.90), "teacher-forced top-1 agreement with float32");
                    QVERIFY2(err < (bf ? 0.02 : 0.15), "logits close to float32's");
                    // The first greedy tokens agree; later ones may drift after a near tie.
                    QVERIFY(std::equal(ids.begin(), ids.begin() + 8, ref_ids.begin()));
                }
                if (f != WeightFormat::F32) QVERIFY(rep.packed_tensors > 0);
            }
        }
    }

    void everyFileDtypeLoadsInEveryFormat() {
        const auto c = packable_config();
        const std::string ref_dir = saved_model("dtype-f32", torch::kFloat, c);
        const auto ref = logits_of(*load_causal_lm(ref_dir));
        for (auto dtype : {torch::kFloat, torch::kBFloat16, torch::kHalf}) {
            const std::string dir = saved_model(std::string("dtype-") + c10::toString(dtype), dtype, c);
            for (auto f : {WeightFormat::Auto, WeightFormat::F32, WeightFormat::BF16, WeightFormat::Int8}) {
                InferenceOptions o;
                o.weights = f;
                InferenceReport rep;
                CausalLM m = load_for_inference(dir, o, &rep);
                if (f == WeightFormat::Auto)
                    QCOMPARE(int(rep.weights), int(dtype == torch::kBFloat16 ? WeightFormat::BF16 : WeightFormat::F32));
                // The load report says when activations are rounded to bf16 (and only then).
                QCOMPARE(rep.describe().find("activations rounded to bf16") != std::string::npos,
                         rep.weights == WeightFormat::BF16 && kernels::bf16_rounds_input());
                const auto logits = logits_of(*m);
                // (bf16 weights with activations rounded to bf16, where vdpbf16ps runs: 90%, as int8)
                const WeightFormat held = rep.weights;  // auto resolved
                const double bound =
                    held == WeightFormat::Int8 || (held == WeightFormat::BF16 && kernels::bf16_rounds_input()) ? 0.90 : 0.95;
                QVERIFY2(top1_agreement(ref, logits) >= bound,
                         qPrintable(QString("%1 file, %2 weights").arg(c10::toString(dtype)).arg(weight_format_name(f))));
            }
            // A bf16 checkpoint held as bf16 is the checkpoint's own values: the same logits as float32
            // computation of that file, to float32 rounding.
            // Where vdpbf16ps runs, activations are rounded to bf16 on the way in: checked against that
            // bound, and the exact claim with the kernels limited to widening bf16 to float32.
            if (dtype == torch::kBFloat16) {
                InferenceOptions o;
                o.weights = WeightFormat::BF16;
                auto exact = logits_of(*load_causal_lm(dir));
                if (kernels::bf16_rounds_input()) {
                    const auto rounded = logits_of(*load_for_inference(dir, o));
                    QVERIFY(top1_agreement(exact, rounded) >= 0.95);
                    QVERIFY((rounded - exact).abs().max().item<double>() <= 0.02 * exact.abs().max().item<double>());
                    QVERIFY(kernels::limit_kernel_isa("avx512"));
                }
                const bool same = torch::allclose(logits_of(*load_for_inference(dir, o)), exact, 1e-4, 1e-4);
                kernels::limit_kernel_isa(kernels::kNoKernelCap);
                QVERIFY(same);
            }
        }
    }

    void mappedTensorsAreUsedInPlace() {
        // About 32 MB of weights, mostly the embedding table and the head.
        auto c = packable_config(32768);
        c.hidden_size = 128;
        c.head_dim = 32;
        for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
            const std::string dir = saved_model(std::string("mapped-") + c10::toString(dtype), dtype, c);
            const int64_t file_bytes = static_cast<int64_t>(fs::file_size(dir + "/model.safetensors"));
            InferenceOptions o;
            o.weights = dtype == torch::kFloat ? WeightFormat::F32 : WeightFormat::BF16;
            const int64_t before = rss_anon_bytes();
            InferenceReport rep;
            CausalLM m = load_for_inference(dir, o, &rep);
            logits_of(*m);  // touches every weight
            const int64_t grown = rss_anon_bytes() - before;
            qInfo("%s: file %lld bytes, %lld used in place, anonymous memory grew %lld bytes", c10::toString(dtype),
                  (long long)file_bytes, (long long)rep.mapped_bytes, (long long)grown);
            QVERIFY(rep.mapped_bytes > file_bytes * 9 / 10);
            QVERIFY2(grown < file_bytes / 2, "the weights stay in the page cache, not in private memory");
            if (dtype == torch::kFloat) {
                // The check can fail: a copying load grows private memory by the weights.
                const int64_t before_copy = rss_anon_bytes();
                CausalLM copy = load_causal_lm(dir);
                logits_of(*copy);
                QVERIFY(rss_anon_bytes() - before_copy > file_bytes * 3 / 4);  // a copy: at least 3/4 of the file
            }
            // Writing to a mapped weight changes this process's copy only, never the file.
            if (dtype == torch::kFloat) {
                torch::NoGradGuard no_grad;
                m->model->norm->weight.fill_(2.0);
                auto& w = m->model->layers->ptr<DecoderLayerImpl>(0)->mlp->up_proj->weight;
                const float old = w[0][0].item<float>();
                w[0][0].fill_(old + 1);
                CausalLM again = load_causal_lm(dir);
                QCOMPARE(again->model->layers->ptr<DecoderLayerImpl>(0)->mlp->up_proj->weight[0][0].item<float>(), old);
            }
        }
    }

    void packedModelsRefuseToTrainAndStayOnTheCpu() {
        const std::string dir = saved_model("refuse", torch::kFloat, packable_config());
        InferenceOptions o;
        o.weights = WeightFormat::Int8;
        CausalLM m = load_for_inference(dir, o);
        auto x = torch::randn({1, 2, 64}, torch::requires_grad());
        try {
            m->model->layers->ptr<DecoderLayerImpl>(0)->mlp->up_proj->forward(x);
            QFAIL("a packed weight trained");
        } catch (const ModelError& e) {
            QVERIFY2(QString(e.what()).contains("packed for inference"), e.what());
        }
        try {
            o.device = torch::Device(torch::kCUDA, 0);
            load_for_inference(dir, o);
            QFAIL("int8 on CUDA");
        } catch (const ConfigError& e) {
            QVERIFY2(QString(e.what()).contains("int8 weights run on the CPU"), e.what());
        }
        try {
            parse_weight_format("int4");
            QFAIL("unknown format");
        } catch (const ConfigError& e) {
            QVERIFY2(QString(e.what()).contains("auto, f32, bf16 or int8"), e.what());
        }
    }

    void packingAModelInMemoryKeepsItsAnswers() {
        const std::string dir = saved_model("pack-in-memory", torch::kFloat, packable_config(), true);
        CausalLM m = load_causal_lm(dir);
        const auto ref = logits_of(*m);
        const auto rep = pack_for_inference(*m, WeightFormat::BF16);
        QVERIFY(rep.packed_tensors > 0);
        QCOMPARE(int(inference_format(*m)), int(WeightFormat::BF16));
        QVERIFY(m->model->embed_storage != nullptr);
        QVERIFY(top1_agreement(ref, logits_of(*m)) >= 0.95);
        QVERIFY(rep.weight_bytes < 4 * packable_config().parameter_count() * 6 / 10);
    }

    // lathe-cli chat/api --adapter A,B and the studio's merged chat: the adapters merge into float32
    // weights (as merge_lora_adapters does on a training model), which are then held as asked.
    void adaptersMergeBeforeTheWeightsAreHeld() {
        const std::string dir = saved_model("with-adapter", torch::kFloat, packable_config());
        const std::string adapter = test::scratch_dir() + "/infer-adapter";
        fs::remove_all(adapter);
        {
            CausalLM m = load_causal_lm(dir);
            LoraSettings s;
            s.targets = {"q_proj", "v_proj", "down_proj"};
            auto lora = LoraModel::apply(m.ptr(), s);
            test::randomize_adapters(*m, 4, 0.2);
            save_lora_adapter(lora, adapter, dir);
        }
        CausalLM merged = load_causal_lm(dir);
        const auto base = logits_of(*merged);
        merge_lora_adapters(merged.ptr(), {adapter}, dir);
        const auto ref = logits_of(*merged);
        QVERIFY2(top1_agreement(base, ref) < 0.9, "the adapter changes too little to be seen");

        InferenceOptions io;
        io.weights = WeightFormat::F32;
        io.adapters = {adapter};
        InferenceReport rep;
        CausalLM f32 = load_for_inference(dir, io, &rep);
        QVERIFY(test::max_diff(logits_of(*f32), ref) < 1e-4);
        QCOMPARE(int(rep.weights), int(WeightFormat::F32));
        QCOMPARE(rep.file_dtype, std::string("F32"));

        io.weights = WeightFormat::BF16;
        CausalLM bf16 = load_for_inference(dir, io, &rep);
        QCOMPARE(int(inference_format(*bf16)), int(WeightFormat::BF16));
        QCOMPARE(int(rep.weights), int(WeightFormat::BF16));
        QVERIFY(rep.packed_tensors > 0);
        QVERIFY(top1_agreement(ref, logits_of(*bf16)) >= 0.95);

        io.adapters = {test::scratch_dir() + "/infer-no-such-adapter"};
        try {
            load_for_inference(dir, io);
            QFAIL("a missing adapter loaded");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("infer-no-such-adapter"), e.what());
        }
    }
};

LATHE_TEST(TestInferenceWeights)
#include "test_inference_weights.moc"
