#include "core/train/memory_estimate.h"

#include "core/model/attention_kernel.h"

#include "core/model/config.h"
#include "core/model/model_folder.h"
#include "core/model/model_info.h"
#include "core/train/new_model.h"
#include "core/train/precision.h"
#include "core/train/preference/preference_stage.h"
#include "core/train/train_config.h"
#include "core/util/messages.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

namespace lathe {

namespace {

// The process before a model: LibTorch and the other libraries mapped and touched, the studio or the
// CLI, the datasets. Measured as the "RSS at start" of bench-train (docs/benchmarks.md).
constexpr double kRuntimeBytes = 300.0 * (1 << 20);
// A tokenizer's tables grow with its vocabulary (Qwen2.5's 151,646 tokens: about 100 MB).
constexpr double kTokenizerBytesPerToken = 700.0;
// The output head's logits chunk (core/train/token_logprobs.h: at most 2^24 float32 elements) and the
// copies a chunk's statistics make of it.
constexpr double kLogitsChunkElements = double(int64_t(1) << 24);
// Attention's float32 score blocks (core/model/attention_kernel.h: at most about 16 MB each), a few at once.
constexpr double kAttentionBlockBytes = 16 << 20;

struct Dims {
    double C, Q, K, I, H, V, L;
};

Dims dims_of(const MemoryEstimateInputs& in) {
    return {double(in.hidden), double(in.heads * in.head_dim), double(in.kv_heads * in.head_dim),
            double(in.intermediate), double(in.heads), double(in.vocab), double(in.layers)};
}

bool is_fp32(const MemoryEstimateInputs& in) { return in.precision == "fp32"; }
bool is_pure(const MemoryEstimateInputs& in) { return in.precision == "pure bf16"; }

// Bytes of one element of the residual stream (the layers' inputs, norms' inputs): float32 unless the
// embedding that starts it is held in bf16 (frozen under bf16: LoRA, freeze; every weight under pure).
double residual_bytes(const MemoryEstimateInputs& in) {
    if (is_fp32(in)) return 4;
    if (is_pure(in)) return 2;
    return in.method == Method::Full ? 4 : 2;
}
// Bytes of one element of a matrix product's output (and of the cast inputs it saves): bf16 under
// autocast or pure bf16, float32 otherwise.
double product_bytes(const MemoryEstimateInputs& in) { return is_fp32(in) ? 4 : 2; }

// Matrix weights of one layer: q, k, v, o, gate, up, down.
double layer_matrix_params(const Dims& d) { return d.C * d.Q + 2 * d.C * d.K + d.Q * d.C + 3 * d.C * d.I; }
// A LoRA adapter on each: r (in + out).
double layer_lora_params(const Dims& d, int rank) {
    return double(rank) * ((d.C + d.Q) + 2 * (d.C + d.K) + (d.Q + d.C) + 2 * (d.C + d.I) + (d.I + d.C));
}
double layer_outputs(const Dims& d) { return d.Q + 2 * d.K + d.C + 2 * d.I + d.C; }

// Tokens whose activations one step holds: preference pairs (rm, dpo) run chosen and rejected together.
double tokens_per_step(const MemoryEstimateInputs& in) {
    const double rows = double(in.batch) * (stage_uses_pairs(in.stage) ? 2.0 : 1.0);
    return rows * double(in.cutoff_len);
}

// Layers whose activations backward needs: all, except under freeze with the last k layers trainable
// (nothing below them needs a gradient).
double saving_layers(const MemoryEstimateInputs& in) {
    if (in.method != Method::Freeze || in.freeze_trainable_layers <= 0) return double(in.layers);
    return double(std::min<int64_t>(in.freeze_trainable_layers, in.layers));
}

}  // namespace

MemoryEstimateInputs memory_estimate_inputs(const ModelConfig& m, const TrainConfig& c, const Precision& p) {
    MemoryEstimateInputs in;
    in.layers = m.num_hidden_layers;
    in.hidden = m.hidden_size;
    in.heads = m.num_attention_heads;
    in.kv_heads = m.num_key_value_heads;
    in.head_dim = m.head_dim;
    // A mixture of experts' token passes through its k experts (and the shared one): their widths add up.
    in.intermediate = m.num_experts > 0 ? m.num_experts_per_tok * m.moe_intermediate_size + m.shared_expert_intermediate_size
                                        : m.intermediate_size;
    in.vocab = m.vocab_size;
    in.parameters = m.parameter_count();
    in.tied = m.tie_word_embeddings;
    in.checkpoint_bf16 = m.torch_dtype == "bfloat16";
    in.stage = c.training_stage();
    in.method = c.method();
    in.quantization_bit = in.method == Method::Lora ? c.quantization_bit : 0;
    in.lora_rank = c.lora_rank;
    in.lora_dropout = c.lora_dropout;
    in.dora = c.use_dora;
    in.freeze_trainable_layers = c.freeze_trainable_layers;
    in.reference_copy = needs_reference_model(c) && in.method != Method::Lora && !c.precompute_ref_log_probs;
    in.precision = p.name();
    in.cutoff_len = c.cutoff_len;
    in.batch = c.per_device_train_batch_size;
    in.gradient_checkpointing = c.gradient_checkpointing;
    const bool cpu = c.device == "cpu" || ((c.device.empty() || c.device == "auto") && !torch::cuda::is_available());
    in.fused_attention = cpu && fused_attention_available(torch::kCPU);
    in.processes = std::max(1, c.nproc_per_node);
    in.world = in.processes * std::max(1, c.nnodes);
    in.zero1 = c.zero_stage == 1;
    return in;
}

uint64_t activation_bytes_per_token_layer(const MemoryEstimateInputs& in) {
    const Dims d = dims_of(in);
    const double r = residual_bytes(in), m = product_bytes(in);
    // Per token: the two norms' inputs (residual stream) and outputs (as the products below save them),
    // rotated q and k, v and the attention output (the attention kernel), a float32 log-sum-exp per head,
    // gate and up (SwiGLU) and SwiGLU's output (down_proj's input).
    double bytes = 2 * r * d.C + 2 * m * d.C + m * (2 * d.Q + 2 * d.K + 3 * d.I) + 4 * d.H;
    // A float32 residual stream under autocast (full fine-tuning): each of q, k, v, gate and up keeps its
    // own bf16 cast of the norm's float32 output, three more than counted above (LoRA's nodes cast once
    // per group, and its frozen bf16 embedding makes the stream bf16).
    if (r == 4 && m == 2 && in.method != Method::Lora) bytes += 3 * m * d.C;
    if (in.method == Method::Lora) {
        bytes += 7.0 * in.lora_rank * m;  // each adapter's x A^T, for B's gradient
        // Dropout's output (in the products' type) and its one-byte mask per adapter input.
        if (in.lora_dropout > 0) bytes += (m + 1) * (5 * d.C + d.Q + d.I);
        // DoRA: its node keeps each linear's scaled product z for the magnitude's gradient, the same tensor
        // as the output that SwiGLU keeps for gate and up, one more for q, k, v, o and down (measured on the
        // 85m shape: 198 MiB more than LoRA, 4.2K of the 7.9K output values a token and layer, where this
        // counts 3.8K). With dropout the chain keeps the
        // base product, the adapter's output and their rescaled sum: measured two outputs' worth more than
        // LoRA with dropout (85m: 2.4 in bf16, 2.05 in fp32).
        if (in.dora)
            bytes += in.lora_dropout > 0 ? 2 * m * layer_outputs(d) : m * (d.Q + 2 * d.K + 2 * d.C);
    }
    return static_cast<uint64_t>(bytes);
}

double saved_activation_slack(const MemoryEstimateInputs& in) {
    if (in.method != Method::Lora) return kPlainLinearSlack;
    return kFusedAdapterSlack;
}

MemoryEstimate estimate_memory(const MemoryEstimateInputs& in) {
    const Dims d = dims_of(in);
    const double N = double(in.parameters);
    const double matrices = d.L * layer_matrix_params(d);
    const double other = std::max(0.0, N - matrices);  // embeddings, head, norms, biases
    const double fp32 = is_fp32(in), pure = is_pure(in);
    const double trainable_e = pure ? 2 : 4, frozen_e = fp32 ? 4 : 2;
    const double state_e = pure ? 2 : 4;  // each of gradient, first and second moment

    MemoryEstimate e;
    e.runtime = static_cast<uint64_t>(kRuntimeBytes + kTokenizerBytesPerToken * d.V);
    double weights = 0, state = 0, transient = 0, load = 0;
    double trainable = N;  // trained elements
    if (in.method == Method::Lora) {
        const double lora = d.L * (layer_lora_params(d, in.lora_rank) + (in.dora ? layer_outputs(d) : 0));
        trainable = lora;
        double base = N * frozen_e;
        if (in.quantization_bit) {
            // NF4: two codes a byte and a float32 scale per 64 (double quantization: an 8-bit one);
            // int8: a byte and a float32 scale per row. Embeddings, head and norms are not quantized.
            const double per = in.quantization_bit == 4 ? 0.5 + 1.0 / 64 : 1.0 + 4.0 / d.C;
            base = matrices * per + other * frozen_e;
        }
        weights = base + lora * trainable_e;
        state = lora * 3 * state_e;
        const double load_e = in.quantization_bit && in.checkpoint_bf16 ? 2 : frozen_e;
        load = N * load_e;
    } else if (in.method == Method::Freeze) {
        const double k = std::min<double>(std::abs(in.freeze_trainable_layers), d.L);
        const double trained = k * (matrices / std::max(1.0, d.L) + 2 * d.C);
        trainable = trained;
        weights = trained * trainable_e + (N - trained) * frozen_e;
        state = trained * 3 * state_e;
        load = N * trainable_e;
    } else {  // full
        weights = N * trainable_e;
        state = N * 3 * state_e;
        if (!fp32 && !pure) transient += N * 2;  // autocast's bf16 copies of the float32 weights
        load = N * trainable_e;
    }
    if (in.reference_copy) weights += N * trainable_e;
    // A data-parallel run (core/dist/gradient_sync.h): the buckets hold a float32 copy of the gradients
    // while they are summed; with ZeRO-1 a process keeps the AdamW moments of its 1/world share only.
    if (in.world > 1) {
        state += trainable * 4;
        if (in.zero1) state -= trainable * 2 * state_e * (1.0 - 1.0 / in.world);
    }

    const double tokens = tokens_per_step(in);
    const double layer = double(activation_bytes_per_token_layer(in));
    const double r = residual_bytes(in);
    const double per_token_outside = 2 * r * d.C + 16;  // the last norm's input, the head's saved (N, C), ids
    double activations;
    const double slack = saved_activation_slack(in);
    if (in.gradient_checkpointing) {
        // Each layer's input, and its attention's output and float32 log-sum-exp per head (replayed by
        // the recomputation instead of the attention's products).
        activations = slack * tokens * (saving_layers(in) * (r * d.C + product_bytes(in) * d.Q + 4 * d.H) +
                                        per_token_outside);
        transient += 2 * tokens * layer;  // the layer being recomputed, and its gradients
    } else {
        activations = slack * tokens * (saving_layers(in) * layer + per_token_outside);
        transient += tokens * layer;  // the top layer's gradients as backward starts
    }
    const double logits = 3 * 4 * std::min(kLogitsChunkElements, tokens * d.V);
    // Attention's score blocks alive in backward: four float32 blocks of at most 16 MB; with the fused
    // softmax four blocks (scores, dP, P, dS) in the products' dtype, of fused_attention_block_rows rows.
    double scores = 4 * std::min(kAttentionBlockBytes, 4 * double(in.batch) * d.H * double(in.cutoff_len) * double(in.cutoff_len));
    if (in.fused_attention) {
        const double rows = double(fused_attention_block_rows(int64_t(in.batch), int64_t(d.H), in.cutoff_len, in.cutoff_len));
        scores = 4 * (fp32 ? 4 : 2) * rows * double(in.batch) * d.H * double(in.cutoff_len);
    }
    transient += logits + scores + tokens * 4 * d.C;  // + the hidden states' gradient

    e.weights = static_cast<uint64_t>(weights);
    e.train_state = static_cast<uint64_t>(state);
    e.activations = static_cast<uint64_t>(activations);
    e.transient = static_cast<uint64_t>(transient);
    e.load_peak = e.runtime + static_cast<uint64_t>(load);
    return e;
}

Problem memory_estimate_note(const MemoryEstimate& e) {
    return note("memory_estimate", {format_bytes(e.peak()), format_bytes(e.weights), format_bytes(e.train_state),
                                    format_bytes(e.activations), format_bytes(e.transient), format_bytes(e.runtime)});
}

std::string describe_memory_estimate(const MemoryEstimate& e) { return memory_estimate_note(e).message; }

std::atomic<uint64_t> g_available_override{0};

void override_available_memory(uint64_t bytes) { g_available_override = bytes; }

uint64_t available_memory_bytes() {
    if (const uint64_t forced = g_available_override) return forced;
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024;
    return 0;
}

Problem memory_warning(const MemoryEstimateInputs& in, uint64_t available) {
    // Every process of this machine holds its own copy of the run.
    auto machine = [](const MemoryEstimateInputs& x) { return estimate_memory(x).peak() * uint64_t(std::max(1, x.processes)); };
    const uint64_t need = machine(in);
    if (available == 0 || need <= available) return {};
    std::vector<Problem> ways;
    auto option = [&](const std::string& id, MemoryEstimateInputs alt, std::vector<std::string> args = {}) {
        const uint64_t peak = machine(alt);
        args.push_back(format_bytes(peak));
        if (peak < need) ways.push_back(note(id, std::move(args)));
    };
    if (in.processes > 1) {
        MemoryEstimateInputs alt = in;
        alt.processes = 1;
        alt.world = std::max(1, in.world - in.processes + 1);
        option("memory_way_one_process", alt);
    }
    if (!in.gradient_checkpointing) {
        MemoryEstimateInputs alt = in;
        alt.gradient_checkpointing = true;
        option("memory_way_checkpointing", alt);
    }
    if (in.cutoff_len > 256) {
        MemoryEstimateInputs alt = in;
        alt.cutoff_len = in.cutoff_len / 2;
        option("memory_way_cutoff", alt, {std::to_string(alt.cutoff_len)});
    }
    if (in.batch > 1) {
        MemoryEstimateInputs alt = in;
        alt.batch = 1;
        option("memory_way_batch", alt);
    }
    if (in.method != Method::Lora) {
        MemoryEstimateInputs alt = in;
        alt.method = Method::Lora;
        alt.reference_copy = false;
        option("memory_way_lora", alt);
    }
    if (in.quantization_bit != 4) {
        MemoryEstimateInputs alt = in;
        alt.method = Method::Lora;
        alt.quantization_bit = 4;
        alt.reference_copy = false;
        option("memory_way_qlora", alt);
    }
    const Problem estimate = memory_estimate_note(estimate_memory(in));
    const Problem text = in.processes > 1 ? composed("memory_needs_processes", {verbatim(std::to_string(in.processes)), estimate,
                                                                                 verbatim(format_bytes(available))})
                                          : composed("memory_needs", {estimate, verbatim(format_bytes(available))});
    if (ways.empty()) return text;
    // "a", "a or b", "a, b or c"
    Problem list = std::move(ways.back());
    ways.pop_back();
    if (!ways.empty()) {
        list = composed("or_pair", {std::move(ways.back()), std::move(list)});
        ways.pop_back();
    }
    while (!ways.empty()) {
        list = composed("comma_pair", {std::move(ways.back()), std::move(list)});
        ways.pop_back();
    }
    return composed("memory_less", {text, list});
}

RunMemory estimate_run_memory(const TrainConfig& c) { return estimate_run_memory(c, decide_precision(c)); }

RunMemory estimate_run_memory(const TrainConfig& c, const Precision& precision) {
    ModelConfig m;
    if (!c.create_new_model.empty()) {
        const NewModelPreset& p = find_new_model_preset(c.create_new_model);
        m = preset_model_config(p, c.tokenizer_vocab_size > 0 ? c.tokenizer_vocab_size : p.vocab);
    } else {
        m = read_model_config(c.model_name_or_path);
    }
    RunMemory r;
    r.inputs = memory_estimate_inputs(m, c, precision);
    r.estimate = estimate_memory(r.inputs);
    r.available = available_memory_bytes();
    r.warning = memory_warning(r.inputs, r.available);
    return r;
}

}  // namespace lathe
