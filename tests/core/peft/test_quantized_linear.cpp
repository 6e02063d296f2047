#include "tests/registry.h"

#include "core/peft/lora.h"
#include "core/peft/lora_layer.h"
#include "core/peft/quantized_linear.h"
#include "tests/core/peft/peft_fixtures.h"

#include <QtTest>


using namespace lathe;
using namespace lathe::test;

namespace {

// A LoRA (or DoRA) Linear over a quantized copy of `w`, and the same adapter over a dense Linear holding
// the dequantized weight: the reference every quantized computation must agree with.
struct Pair {
    Linear quantized{nullptr}, dense{nullptr};
};

Pair make_layers(int bits, bool dora, bool bias = true, double dropout = 0.0) {
    torch::manual_seed(11);
    const int64_t in = 96, out = 72;
    Pair p{Linear(in, out, bias), Linear(in, out, bias)};
    torch::NoGradGuard g;
    p.quantized->weight.normal_(0, 0.1);
    if (bias) p.quantized->bias.normal_(0, 0.1);
    quantize_linear(*p.quantized, bits, true);
    p.dense->weight.copy_(p.quantized->dense_weight());
    if (bias) p.dense->bias.copy_(p.quantized->bias);
    p.dense->weight.set_requires_grad(false);
    LoraLayerOptions o;
    o.rank = 4;
    o.alpha = 8;
    o.use_dora = dora;
    o.dropout = dropout;
    auto a = add_lora(*p.quantized, o, torch::make_generator<at::CPUGeneratorImpl>(5));
    auto b = add_lora(*p.dense, o, torch::make_generator<at::CPUGeneratorImpl>(5));
    a->lora_B->weight.normal_(0, 0.2);
    b->lora_B->weight.copy_(a->lora_B->weight);
    if (dora) {
        a->magnitude->weight.mul_(1.3);
        b->magnitude->weight.copy_(a->magnitude->weight);
    }
    return p;
}

ModelConfig model_25m() {
    auto c = tiny_config();
    c.vocab_size = 4096;
    c.hidden_size = 512;
    c.intermediate_size = 1408;
    c.num_hidden_layers = 8;
    c.num_attention_heads = 8;
    c.num_key_value_heads = 8;
    c.head_dim = 64;
    return c;
}

}  // namespace

class TestQuantizedLinear : public QObject {
    Q_OBJECT
private slots:
    // Gradients reach LoRA through the quantized base, and grad_input equals the dense computation.
    void gradientsFlowThroughQuantizedBase() {
        for (int bits : {4, 8})
            for (bool dora : {false, true}) {
                auto p = make_layers(bits, dora);
                auto x = torch::randn({2, 5, 96});
                auto xq = x.clone().requires_grad_(true), xd = x.clone().requires_grad_(true);
                auto upstream = torch::randn({2, 5, 72});
                auto yq = p.quantized(xq), yd = p.dense(xd);
                QVERIFY(max_diff(yq, yd) < 1e-5);
                (yq * upstream).sum().backward();
                (yd * upstream).sum().backward();
                QVERIFY(xq.grad().defined());
                QVERIFY2(max_diff(xq.grad(), xd.grad()) < 1e-5, std::to_string(max_diff(xq.grad(), xd.grad())).c_str());
                auto lq = lora_of(*p.quantized), ld = lora_of(*p.dense);
                QVERIFY(lq->lora_A->weight.grad().abs().sum().item<double>() > 0);
                QVERIFY(max_diff(lq->lora_A->weight.grad(), ld->lora_A->weight.grad()) < 1e-4);
                QVERIFY(max_diff(lq->lora_B->weight.grad(), ld->lora_B->weight.grad()) < 1e-4);
                if (dora) QVERIFY(max_diff(lq->magnitude->weight.grad(), ld->magnitude->weight.grad()) < 1e-4);
                QVERIFY(max_diff(p.quantized->bias.grad(), p.dense->bias.grad()) < 1e-4);
            }
    }

    // With dropout in training DoRA recomputes the base product on the dropped input (no bias), through
    // the quantized path; the same dropout mask gives the same result as the dense reference.
    void doraWithDropoutMatchesDense() {
        auto p = make_layers(4, true, true, 0.3);
        p.quantized->train();
        p.dense->train();
        auto x = torch::randn({3, 96});
        torch::manual_seed(99);
        auto yq = p.quantized(x);
        torch::manual_seed(99);
        auto yd = p.dense(x);
        QVERIFY(max_diff(yq, yd) < 1e-5);
        p.quantized->eval();
        QVERIFY(max_diff(yq, p.quantized(x)) > 1e-4);  // the mask mattered
        yq.sum().backward();
        QVERIFY(lora_of(*p.quantized)->magnitude->weight.grad().defined());
    }

    // Backward dequantizes again from the saved codes: they are what autograd saved (changing them in
    // place after forward trips autograd's version check), not a dense copy of the weight.
    void backwardRecomputesFromSavedCodes() {
        auto p = make_layers(4, false);
        auto x = torch::randn({2, 96}, torch::requires_grad());
        auto y = p.quantized->base_forward(x);
        {
            torch::NoGradGuard g;
            quantized_weight(*p.quantized)->data.add_(0);  // bumps the version, values unchanged
        }
        std::string e;
        try {
            y.sum().backward();
        } catch (const c10::Error& err) {
            e = err.what();
        }
        QVERIFY2(contains(e, "modified by an inplace operation"), e.c_str());
    }

    void quantizedLinearHasNoDenseWeight() {
        Linear lin(128, 64, false);
        torch::NoGradGuard g;
        lin->weight.normal_(0, 0.1);
        auto x = torch::randn({3, 128});
        auto dense_out = lin(x);
        const int64_t bytes = quantize_linear(*lin, 4, true);
        QVERIFY(!lin->weight.defined());
        QVERIFY(lin->named_parameters().is_empty());
        QCOMPARE(bytes, int64_t(128 * 64 / 2 + 128 + 4 + 4));
        QVERIFY(quantized_weight(*lin) != nullptr);
        QVERIFY(max_diff(lin(x), dense_out) < 0.1 * dense_out.abs().max().item<double>());
        auto e = error_of([&] { quantize_linear(*lin, 4, true); });
        QVERIFY2(contains(e, "already quantized"), e.c_str());
        e = error_of([&] { quantize_linear(*lin, 3, true); });
        QVERIFY2(contains(e, "quantization_bit must be 4 (NF4) or 8 (int8), got 3"), e.c_str());
    }

    // QLoRA on a whole model: lm_head stays dense, LoRA trains on top, "adapter off" is the quantized base,
    // and merging re-quantizes.
    void qloraOnModel() {
        auto m = random_model();
        auto reference = random_model();  // will hold the dequantized weights densely
        torch::NoGradGuard g;
        auto report = quantize_base_weights(*m, 4, true);
        QCOMPARE(report.modules, int64_t(2 * 7));
        QVERIFY(m->lm_head->weight.defined() && !m->lm_head->storage);
        QVERIFY(!m->model->layers->ptr<DecoderLayerImpl>(0)->mlp->up_proj->weight.defined());
        auto quantized = named_linears(*m), dense = named_linears(*reference);
        for (size_t i = 0; i < quantized.size(); ++i)
            if (quantized[i].second->storage) dense[i].second->weight.copy_(quantized[i].second->dense_weight());
        auto base_out = m->forward(token_batch());
        QVERIFY(max_diff(base_out, reference->forward(token_batch())) < 1e-4);

        LoraSettings s;
        auto lora = LoraModel::apply(m.ptr(), s);
        QVERIFY(torch::equal(m->forward(token_batch()), base_out));  // B = 0
        auto t = lora.trainable();
        QCOMPARE(t.total, m->config().parameter_count() + t.trainable);  // quantized weights still counted
        randomize_adapters(*m);
        auto reference_lora = LoraModel::apply(reference.ptr(), s);
        randomize_adapters(*reference);
        QVERIFY(max_diff(m->forward(token_batch()), reference->forward(token_batch())) < 1e-4);
        lora.set_enabled(false);
        QVERIFY(torch::equal(m->forward(token_batch()), base_out));
        lora.set_enabled(true);

        // Merging re-quantizes W + s B A: within NF4's rounding of the merged weight.
        auto up = m->model->layers->ptr<DecoderLayerImpl>(0)->mlp->up_proj;
        auto expected = lora_of(*up)->merged_weight(*up);
        lora.merge();
        QVERIFY(quantized_weight(*up) != nullptr);
        QVERIFY(!up->adapter);
        const double err = max_diff(up->dense_weight(), expected);
        QVERIFY2(err <= 0.16 * expected.abs().max().item<double>(), std::to_string(err).c_str());
        auto e = error_of([&] { quantize_base_weights(*m, 4, true); });
        QVERIFY2(contains(e, "'model.layers.0.self_attn.q_proj' is already quantized"), e.c_str());
    }

    // The memory and error numbers the QLoRA design is judged by (speed: bench/bench_train), on a ~25M-parameter model.
    void memoryAndErrorOn25MModel() {
        auto m = random_model(model_25m());
        torch::NoGradGuard g;
        std::vector<torch::Tensor> originals;
        for (auto& [name, l] : named_linears(*m))
            if (name != "lm_head") originals.push_back(l->weight.clone());
        auto report = quantize_base_weights(*m, 4, true);
        QCOMPARE(report.elements, int64_t(8 * (4 * 512 * 512 + 3 * 512 * 1408)));
        QVERIFY2(report.ratio_to_fp32() <= 0.16, std::to_string(report.ratio_to_fp32()).c_str());

        double max_abs = 0, err_sum = 0, w_sum = 0;
        size_t i = 0;
        for (auto& [name, l] : named_linears(*m)) {
            if (name == "lm_head") continue;
            auto back = l->dense_weight();
            auto err = (back - originals[i++]).abs();
            max_abs = std::max(max_abs, err.max().item<double>());
            err_sum += err.sum().item<double>();
        }
        for (auto& w : originals) w_sum += w.abs().sum().item<double>();
        // Each element is within the widest NF4 half-gap (0.152) of its block absmax.
        double max_absmax = 0;
        for (auto& w : originals) max_absmax = std::max(max_absmax, w.abs().max().item<double>());
        // Plus double quantization's error on the scale: half the dynamic map's widest gap times the scale.
        auto half_gap = [](const torch::Tensor& t) {
            return ((t.slice(0, 1) - t.slice(0, 0, t.numel() - 1)).max() / 2).item<double>();
        };
        const double bound = (half_gap(nf4_table(torch::kCPU)) + half_gap(dynamic_map(torch::kCPU))) * max_absmax + 1e-6;
        QVERIFY2(max_abs <= bound, (std::to_string(max_abs) + " > " + std::to_string(bound)).c_str());
        const double elements = double(report.elements);
        qInfo("25M model, 4-bit NF4 + double quant: %ld Linears, %.1f M weights, %.2f MB fp32 -> %.2f MB (%.4fx)",
              long(report.modules), elements / 1e6, 4 * elements / 1e6, report.quantized_bytes / 1e6,
              report.ratio_to_fp32());
        qInfo("round trip: max abs error %.4f (bound %.4f), mean relative error %.4f", max_abs, bound, err_sum / w_sum);
        QVERIFY(err_sum / w_sum < 0.12);

        auto int8 = random_model(model_25m());
        auto r8 = quantize_base_weights(*int8, 8);
        qInfo("int8: %.4fx fp32 bytes", r8.ratio_to_fp32());
        QVERIFY(r8.ratio_to_fp32() < 0.26);
    }
};

LATHE_TEST(TestQuantizedLinear)
#include "test_quantized_linear.moc"
