// lathe-cli info --model DIR: what a model folder holds, without loading its weights.
#include "app/cli/args.h"
#include "app/cli/common.h"
#include "core/data/template.h"
#include "core/io/safetensors.h"
#include "core/model/config.h"
#include "core/model/model_folder.h"
#include "core/model/model_info.h"
#include "core/train/memory_estimate.h"
#include "core/train/precision.h"
#include "core/train/train_config.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <cstdio>
#include <map>
#include <memory>

namespace lathe::cli {

int cmd_info(int argc, char** argv) {
    if (wants_help(argc, argv)) {
        std::puts("usage: lathe-cli info --model DIR [--stage sft] [--cutoff-len 1024] [--batch 1] [--lora-rank 8]\n"
                  "                      [--bf16 auto|true|false] [--pure-bf16] [--device cpu]\n"
                  "Prints the architecture, parameter count, weight dtypes, tokenizer, chat template, the\n"
                  "memory needed to run the model and the estimated peak memory of fine-tuning it with each\n"
                  "method, with and without gradient checkpointing, for that stage, cutoff and batch.");
        return 0;
    }
    Args args(argc, argv, 2, {"pure-bf16"},
              {"model", "stage", "cutoff-len", "batch", "lora-rank", "bf16", "device"});
    const std::string dir = args.require("model");
    // The training settings the estimate is for: checked before anything is printed.
    TrainConfig tc;
    tc.model_name_or_path = dir;
    tc.stage = args.get("stage").value_or("sft");
    tc.cutoff_len = args.get_int("cutoff-len", 1024);
    tc.per_device_train_batch_size = args.get_int("batch", 1);
    tc.lora_rank = args.get_int("lora-rank", 8);
    tc.device = args.get("device").value_or("cpu");
    if (auto b = args.get("bf16")) tc.set("bf16", *b);
    tc.pure_bf16 = args.has("pure-bf16");
    auto positive = [](const char* flag, int value) {
        if (value < 1) throw ConfigError(std::string(flag) + " must be at least 1, got " + std::to_string(value));
    };
    positive("--cutoff-len", tc.cutoff_len);
    positive("--batch", tc.per_device_train_batch_size);
    positive("--lora-rank", tc.lora_rank);
    if (const auto stage = stage_from_name(tc.stage); !stage || *stage == Stage::Ppo)
        throw ConfigError("--stage must be pt, sft, rm, dpo or kto, got '" + tc.stage + "'");
    const Precision precision = decide_precision(tc);
    ModelConfig c = read_model_config(dir);
    TensorStore store(dir);

    std::map<std::string, int64_t> dtype_counts;
    for (const auto& n : store.names()) dtype_counts[dtype_name(store.entry(n).dtype)]++;
    std::string dtypes;
    for (const auto& [d, n] : dtype_counts) dtypes += (dtypes.empty() ? "" : ", ") + d + " (" + std::to_string(n) + " tensors)";

    const double params = static_cast<double>(c.parameter_count());
    const double embed = static_cast<double>(c.vocab_size * c.hidden_size);
    std::printf("model:         %s\n", dir.c_str());
    std::printf("architecture:  %s (%s)\n", c.model_type.c_str(), c.arch().hf_class);
    std::printf("parameters:    %s (embeddings %s%s)\n", human_count(params).c_str(), human_count(embed).c_str(),
                c.tie_word_embeddings ? ", tied to the output head" : "");
    std::printf("shape:         %lld layers, hidden %lld, intermediate %lld, heads %lld (kv %lld), head_dim %lld, "
                "vocab %lld, context %lld\n",
                (long long)c.num_hidden_layers, (long long)c.hidden_size, (long long)c.intermediate_size,
                (long long)c.num_attention_heads, (long long)c.num_key_value_heads, (long long)c.head_dim,
                (long long)c.vocab_size, (long long)c.max_position_embeddings);
    std::string scaling = c.rope_scaling.type.empty() ? "none" : c.rope_scaling.type + " x" + std::to_string(c.rope_scaling.factor);
    if (c.rope_scaling.type == "longrope")
        scaling += " (long factors past " + std::to_string(c.rope_scaling.original_max_position_embeddings) + " tokens)";
    if (c.rotary_dim() != c.head_dim)
        scaling += ", rotary " + std::to_string(c.rotary_dim()) + " of " + std::to_string(c.head_dim) + " dimensions";
    if (c.sliding_window > 0) scaling += ", window " + std::to_string(c.sliding_window);
    std::printf("rope:          theta %g, scaling %s\n", c.rope_theta, scaling.c_str());
    std::printf("weights:       %s, %s on disk\n", dtypes.c_str(), human_bytes(static_cast<double>(store.total_bytes())).c_str());

    std::unique_ptr<Tokenizer> tok;
    try {
        tok = Tokenizer::from_dir(dir);
        const auto& s = tok->special();
        std::printf("tokenizer:     %s, vocab %d, bos %s, eos %s\n", tok->kind().c_str(), tok->vocab_size(),
                    s.bos_id >= 0 ? (s.bos + " (" + std::to_string(s.bos_id) + ")").c_str() : "none",
                    s.eos_id >= 0 ? (s.eos + " (" + std::to_string(s.eos_id) + ")").c_str() : "none");
    } catch (const Error& e) {
        std::printf("tokenizer:     unavailable: %s\n", e.what());
    }
    std::printf("template:      %s (auto-detected)\n", pick_template(tok.get(), c.model_type).c_str());

    const int64_t ctx = std::min<int64_t>(c.max_position_embeddings, 4096);
    const double weights = params * 4;
    const double kv = 2.0 * c.num_hidden_layers * c.num_key_value_heads * c.head_dim * ctx * 4;
    // Memory in the units of the training estimates below and of the studio (format_bytes, powers of 1024);
    // file sizes above in disk units (human_bytes, powers of 1000), as `ls -h --si` and the export listing.
    std::printf("memory:        inference fp32 ~%s (weights %s + KV cache %s at %lld tokens); bf16 about half\n",
                format_bytes(uint64_t(weights + kv)).c_str(), format_bytes(uint64_t(weights)).c_str(),
                format_bytes(uint64_t(kv)).c_str(), (long long)ctx);
    // Training: the engine's estimate (core/train/memory_estimate.h) per method, for these settings.
    const uint64_t available = available_memory_bytes();
    std::printf("training:      stage %s, cutoff %d, batch %d, %s; peak memory estimated (%s available now)\n",
                tc.stage.c_str(), tc.cutoff_len, tc.per_device_train_batch_size, precision.reason.message.c_str(),
                available ? format_bytes(available).c_str() : "unknown");
    std::printf("               %-12s %14s %26s\n", "method", "peak", "gradient checkpointing");
    const std::pair<const char*, int> methods[] = {{"full", 0}, {"freeze", 0}, {"lora", 0}, {"lora", 8}, {"lora", 4}};
    for (const auto& [method, bits] : methods) {
        TrainConfig m = tc;
        m.finetuning_type = method;
        m.quantization_bit = bits;
        const std::string name = bits ? "qlora-" + std::to_string(bits) + "bit" : std::string(method);
        uint64_t peak[2];
        for (int ckpt = 0; ckpt < 2; ++ckpt) {
            m.gradient_checkpointing = ckpt == 1;
            peak[ckpt] = estimate_memory(memory_estimate_inputs(c, m, precision)).peak();
        }
        std::printf("               %-12s %14s %26s%s\n", name.c_str(), format_bytes(peak[0]).c_str(),
                    format_bytes(peak[1]).c_str(), available && peak[0] > available ? "  (does not fit now)" : "");
    }
    return 0;
}

}  // namespace lathe::cli
