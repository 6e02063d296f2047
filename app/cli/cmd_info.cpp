// lathe-cli info --model DIR: what a model folder holds, without loading its weights.
#include "app/cli/args.h"
#include "app/cli/common.h"
#include "core/data/template.h"
#include "core/io/safetensors.h"
#include "core/model/config.h"
#include "core/model/model_folder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <cstdio>
#include <map>
#include <memory>

namespace lathe::cli {

int cmd_info(int argc, char** argv) {
    if (wants_help(argc, argv)) {
        std::puts("usage: lathe-cli info --model DIR\n"
                  "Prints the architecture, parameter count, weight dtypes, tokenizer, chat template and the\n"
                  "memory needed to run and to fine-tune the model.");
        return 0;
    }
    Args args(argc, argv, 2, {}, {"model"});
    const std::string dir = args.require("model");
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
    std::printf("rope:          theta %g, scaling %s\n", c.rope_theta,
                c.rope_scaling.type.empty() ? "none" : (c.rope_scaling.type + " x" + std::to_string(c.rope_scaling.factor)).c_str());
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
    std::printf("memory:        inference fp32 ~%s (weights %s + KV cache %s at %lld tokens); bf16 about half\n",
                human_bytes(weights + kv).c_str(), human_bytes(weights).c_str(), human_bytes(kv).c_str(), (long long)ctx);
    // Full fine-tuning with AdamW in fp32: weights + gradients + two moments = 16 bytes per parameter.
    std::printf("fine-tuning:   full ~%s + activations; LoRA ~%s + activations; QLoRA-4bit ~%s + activations\n",
                human_bytes(params * 16).c_str(), human_bytes(weights).c_str(), human_bytes(params * 0.56 + embed * 3.44).c_str());
    return 0;
}

}  // namespace lathe::cli
