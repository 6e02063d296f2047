// The training memory estimate (core/train/memory_estimate.h) against its formulas: what each part
// counts, how it scales with tokens, method, precision and gradient checkpointing, and the warning
// before Start. Calibration against measured peaks lives in docs/benchmarks.md, not here.
#include "tests/registry.h"

#include "core/model/config.h"
#include "core/model/attention_kernel.h"
#include "core/train/memory_estimate.h"
#include "core/train/precision.h"
#include "core/train/train_config.h"

#include <QtTest>

#include <cmath>

using namespace lathe;

namespace {

// A small model of `layers` layers, for the inputs a config gives.
ModelConfig small_model(int64_t layers) {
    ModelConfig m;
    m.num_hidden_layers = layers;
    m.hidden_size = 64;
    m.num_attention_heads = 4;
    m.num_key_value_heads = 2;
    m.head_dim = 16;
    m.intermediate_size = 128;
    m.vocab_size = 100;
    return m;
}

// Qwen2.5-0.5B's shape.
MemoryEstimateInputs qwen05(const std::string& method, const std::string& precision = "fp32") {
    MemoryEstimateInputs in;
    in.layers = 24;
    in.hidden = 896;
    in.heads = 14;
    in.kv_heads = 2;
    in.head_dim = 64;
    in.intermediate = 4864;
    in.vocab = 151936;
    in.tied = true;
    in.parameters = 494032768;
    in.method = parse_method(method);
    in.precision = precision;
    in.stage = Stage::Pt;
    in.cutoff_len = 1024;
    in.batch = 2;
    return in;
}

constexpr double kC = 896, kQ = 896, kK = 128, kI = 4864, kH = 14;

}  // namespace

class TestMemoryEstimate : public QObject {
    Q_OBJECT
private slots:
    // Per token and layer: the norms' inputs and outputs, q k v and the attention output, one float32
    // log-sum-exp per head, gate, up and SwiGLU's output; LoRA adds x A^T per adapter.
    void activationsPerTokenAndLayer() {
        const double fp32 = 4 * (4 * kC + 2 * kQ + 2 * kK + 3 * kI) + 4 * kH;
        QCOMPARE(double(activation_bytes_per_token_layer(qwen05("full"))), fp32);
        QCOMPARE(double(activation_bytes_per_token_layer(qwen05("lora"))), fp32 + 7 * 8 * 4);
        // bf16 autocast, full: float32 residual stream, bf16 products; q, k, v, gate and up each keep their
        // own bf16 cast of the norm's output (five where two are counted).
        const double full_bf16 = 2 * 4 * kC + 5 * 2 * kC + 2 * (2 * kQ + 2 * kK + 3 * kI) + 4 * kH;
        QCOMPARE(double(activation_bytes_per_token_layer(qwen05("full", "bf16"))), full_bf16);
        // LoRA under bf16: the frozen embedding is bf16, so is the residual stream.
        const double lora_bf16 = 2 * (4 * kC + 2 * kQ + 2 * kK + 3 * kI) + 4 * kH + 7 * 8 * 2;
        QCOMPARE(double(activation_bytes_per_token_layer(qwen05("lora", "bf16"))), lora_bf16);
        MemoryEstimateInputs dropout = qwen05("lora");
        dropout.lora_dropout = 0.05;
        QCOMPARE(double(activation_bytes_per_token_layer(dropout)), fp32 + 7 * 8 * 4 + (4 + 1) * (5 * kC + kQ + kI));
        // DoRA: its node keeps the scaled product z, besides what others keep for q, k, v, o and down; with
        // dropout, the chain two outputs per linear.
        const double outputs = kQ + 2 * kK + kC + 2 * kI + kC;
        MemoryEstimateInputs dora = qwen05("lora", "bf16");
        dora.dora = true;
        QCOMPARE(double(activation_bytes_per_token_layer(dora)), lora_bf16 + 2 * (kQ + 2 * kK + 2 * kC));
        dora.lora_dropout = 0.05;
        QCOMPARE(double(activation_bytes_per_token_layer(dora)), lora_bf16 + (2 + 1) * (5 * kC + kQ + kI) + 2 * 2 * outputs);
    }

    void activationsScaleWithTokensAndLayers() {
        MemoryEstimateInputs in = qwen05("lora");
        const MemoryEstimate a = estimate_memory(in);
        const double layer = double(activation_bytes_per_token_layer(in));
        const double tokens = 2 * 1024;
        // LoRA without dropout: one autograd node per linear, no slack on what it saves.
        QCOMPARE(saved_activation_slack(in), kFusedAdapterSlack);
        QCOMPARE(double(a.activations), std::floor(kFusedAdapterSlack * tokens * (24 * layer + 2 * 4 * kC + 16)));
        MemoryEstimateInputs chained = in;
        chained.lora_dropout = 0.1;  // dropout trains through the autograd chain, whose tensors are counted
        QCOMPARE(saved_activation_slack(chained), kFusedAdapterSlack);
        QCOMPARE(saved_activation_slack(qwen05("full")), kPlainLinearSlack);
        in.cutoff_len = 2048;
        QVERIFY(std::abs(double(estimate_memory(in).activations) - 2 * double(a.activations)) <= 2);
        in.cutoff_len = 1024;
        in.stage = Stage::Dpo;  // chosen and rejected: twice the rows
        QVERIFY(std::abs(double(estimate_memory(in).activations) - 2 * double(a.activations)) <= 2);
        // freeze with the last 2 layers trainable: only those layers' activations
        MemoryEstimateInputs freeze = qwen05("freeze");
        QCOMPARE(double(estimate_memory(freeze).activations),
                 std::floor(kPlainLinearSlack * tokens * (2 * double(activation_bytes_per_token_layer(freeze)) + 2 * 4 * kC + 16)));
    }

    // With the fused softmax (a CPU with AVX-512) backward holds four score blocks of the fused block
    // rows in the products' dtype, instead of four float32 blocks of up to 16 MB.
    void fusedAttentionCountsItsBlocks() {
        MemoryEstimateInputs in = qwen05("lora", "bf16");
        QVERIFY(!in.fused_attention);
        const MemoryEstimate plain = estimate_memory(in);
        in.fused_attention = true;
        const MemoryEstimate fused = estimate_memory(in);
        const double rows = double(fused_attention_block_rows(2, 14, 1024, 1024));
        QVERIFY(rows >= 64);
        const double plain_scores = 4.0 * std::min(16.0 * (1 << 20), 4.0 * 2 * kH * 1024 * 1024);
        const double fused_scores = 4.0 * 2 * rows * 2 * kH * 1024;
        QVERIFY(std::abs((double(plain.transient) - double(fused.transient)) - (plain_scores - fused_scores)) <= 2);
        QCOMPARE(fused.activations, plain.activations);
        // A form with no cutoff or batch yet (the studio before a model is chosen) estimates without failing.
        in.cutoff_len = 0;
        in.batch = 0;
        QCOMPARE(fused_attention_block_rows(0, 14, 0, 0), int64_t{1});
        QVERIFY(estimate_memory(in).peak() > 0);
    }

    // Gradient checkpointing keeps each layer's input and attention output (with a float32 log-sum-exp
    // per head) and recomputes one layer at a time.
    void checkpointingKeepsLayerInputs() {
        MemoryEstimateInputs in = qwen05("lora");
        const MemoryEstimate plain = estimate_memory(in);
        in.gradient_checkpointing = true;
        const MemoryEstimate ckpt = estimate_memory(in);
        const double tokens = 2 * 1024, layer = double(activation_bytes_per_token_layer(in));
        QCOMPARE(double(ckpt.activations), std::floor(kFusedAdapterSlack * tokens * (24 * (4 * kC + 4 * kQ + 4 * kH) + 2 * 4 * kC + 16)));
        QCOMPARE(double(ckpt.transient) - double(plain.transient), tokens * layer);
        QVERIFY(ckpt.peak() < plain.peak());
        QCOMPARE(ckpt.weights, plain.weights);
    }

    // Weights by the dtype they are held in, and AdamW's state (gradient + two moments) of what trains.
    void weightsAndOptimizerState() {
        const double N = 494032768;
        const MemoryEstimate full = estimate_memory(qwen05("full"));
        QCOMPARE(double(full.weights), 4 * N);
        QCOMPARE(double(full.train_state), 12 * N);
        const MemoryEstimate pure = estimate_memory(qwen05("full", "pure bf16"));
        QCOMPARE(double(pure.weights), 2 * N);
        QCOMPARE(double(pure.train_state), 6 * N);

        const double lora_params = 24 * 8 * ((kC + kQ) + 2 * (kC + kK) + (kQ + kC) + 2 * (kC + kI) + (kI + kC));
        const MemoryEstimate lora = estimate_memory(qwen05("lora"));
        QCOMPARE(double(lora.weights), 4 * N + 4 * lora_params);
        QCOMPARE(double(lora.train_state), 12 * lora_params);
        const MemoryEstimate lora_bf16 = estimate_memory(qwen05("lora", "bf16"));
        QCOMPARE(double(lora_bf16.weights), 2 * N + 4 * lora_params);  // adapters stay float32

        MemoryEstimateInputs q4 = qwen05("lora");
        q4.quantization_bit = 4;
        const MemoryEstimate qlora = estimate_memory(q4);
        QVERIFY(qlora.weights < lora_bf16.weights);
        const double matrices = 24 * (kC * kQ + 2 * kC * kK + kQ * kC + 3 * kC * kI);
        QCOMPARE(double(qlora.weights), std::floor(matrices * (0.5 + 1.0 / 64) + (N - matrices) * 4 + 4 * lora_params));
        // loading: the whole base in its load dtype before quantizing; bf16 when the checkpoint is
        q4.checkpoint_bf16 = true;
        QCOMPARE(double(estimate_memory(q4).load_peak - estimate_memory(q4).runtime), 2 * N);

        // a dpo reference for full fine-tuning without precomputed log-probs is a frozen copy
        MemoryEstimateInputs dpo = qwen05("full");
        dpo.reference_copy = true;
        QCOMPARE(double(estimate_memory(dpo).weights), 8 * N);
    }

    void peakIsTheLargerOfLoadingAndTraining() {
        MemoryEstimateInputs in = qwen05("lora");
        in.cutoff_len = 16;
        in.batch = 1;
        in.quantization_bit = 4;
        const MemoryEstimate e = estimate_memory(in);
        QVERIFY(e.load_peak > e.training());  // tiny batch: loading the float32 base is the peak
        QCOMPARE(e.peak(), e.load_peak);
        in.cutoff_len = 4096;
        const MemoryEstimate big = estimate_memory(in);
        QCOMPARE(big.peak(), std::max(big.training(), big.load_peak));
    }

    void inputsFromConfigs() {
        ModelConfig m = small_model(3);
        m.torch_dtype = "bfloat16";
        TrainConfig c;
        c.stage = "dpo";
        c.finetuning_type = "full";
        c.cutoff_len = 300;
        c.per_device_train_batch_size = 3;
        c.gradient_checkpointing = true;
        Precision p;
        p.mode = PrecisionMode::Bf16;
        MemoryEstimateInputs in = memory_estimate_inputs(m, c, p);
        QCOMPARE(in.layers, int64_t(3));
        QCOMPARE(in.parameters, m.parameter_count());
        QCOMPARE(in.precision, std::string("bf16"));
        QVERIFY(in.reference_copy);
        QVERIFY(in.checkpoint_bf16);
        QVERIFY(in.gradient_checkpointing);
        QCOMPARE(in.cutoff_len, int64_t(300));
        QCOMPARE(in.batch, int64_t(3));
        c.precompute_ref_log_probs = true;
        QVERIFY(!memory_estimate_inputs(m, c, p).reference_copy);
        c.precompute_ref_log_probs = false;
        c.pref_loss = "orpo";  // no reference at all
        QVERIFY(!memory_estimate_inputs(m, c, p).reference_copy);
        c.finetuning_type = "freeze";
        c.quantization_bit = 4;  // only LoRA quantizes
        QCOMPARE(memory_estimate_inputs(m, c, p).quantization_bit, 0);
    }

    // The warning says by how much, and offers only changes that need less, each with its estimate.
    void warningSaysWhatToChange() {
        const MemoryEstimateInputs in = qwen05("lora");
        const uint64_t need = estimate_memory(in).peak();
        QVERIFY(memory_warning(in, 0).message.empty());  // unknown: no warning
        QVERIFY(memory_warning(in, need).message.empty());
        const std::string w = memory_warning(in, need / 2).message;
        QVERIFY2(w.find("is available") != std::string::npos, w.c_str());
        QVERIFY2(w.find("gradient checkpointing (≈ ") != std::string::npos, w.c_str());
        QVERIFY2(w.find("cutoff_len 512") != std::string::npos, w.c_str());
        QVERIFY2(w.find("batch size 1") != std::string::npos, w.c_str());
        QVERIFY2(w.find("QLoRA 4-bit") != std::string::npos, w.c_str());
        QVERIFY2(w.find("LoRA (") == std::string::npos, w.c_str());  // already LoRA
        MemoryEstimateInputs full = qwen05("full");
        const std::string wf = memory_warning(full, estimate_memory(full).peak() / 2).message;
        QVERIFY2(wf.find("LoRA (") != std::string::npos, wf.c_str());
        MemoryEstimateInputs small = in;
        small.cutoff_len = 128;
        small.batch = 1;
        small.gradient_checkpointing = true;
        small.quantization_bit = 4;
        const std::string none = memory_warning(small, 1).message;
        QVERIFY2(none.find("to need less") == std::string::npos, none.c_str());  // nothing left to offer
    }

    void dataParallelProcessesEachHoldTheRun() {
        // Full fine-tuning on two processes of this machine: each adds its gradient buckets' float32 copy;
        // ZeRO-1 takes half the AdamW moments off again; the warning counts both processes.
        const MemoryEstimateInputs one = qwen05("full");
        MemoryEstimateInputs two = one;
        two.processes = two.world = 2;
        const double N = double(one.parameters);
        QCOMPARE(double(estimate_memory(two).train_state), double(estimate_memory(one).train_state) + 4 * N);
        MemoryEstimateInputs zero = two;
        zero.zero1 = true;
        QCOMPARE(double(estimate_memory(zero).train_state), double(estimate_memory(two).train_state) - 2 * 4 * N / 2);
        const uint64_t each = estimate_memory(two).peak();
        QVERIFY(memory_warning(two, 2 * each).message.empty());
        const std::string w = memory_warning(two, each + each / 2).message;  // room for one and a half
        QVERIFY2(w.find("this run's 2 processes need 2 x") != std::string::npos, w.c_str());
        QVERIFY2(w.find("one process on this machine (≈ ") != std::string::npos, w.c_str());
        TrainConfig c;
        c.nproc_per_node = 2;
        c.nnodes = 3;
        c.zero_stage = 1;
        const ModelConfig m = small_model(2);
        const MemoryEstimateInputs from = memory_estimate_inputs(m, c, decide_precision(c));
        QCOMPARE(from.processes, 2);
        QCOMPARE(from.world, 6);
        QVERIFY(from.zero1);
    }

    void availableMemoryIsRead() {
        // Linux: /proc/meminfo has MemAvailable.
        QVERIFY(available_memory_bytes() > (uint64_t(64) << 20));
    }
};

LATHE_TEST(TestMemoryEstimate)
#include "test_memory_estimate.moc"
