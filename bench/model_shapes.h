// Random-weight Hugging Face folders of real model shapes, so that every benchmark runs on real
// proportions without a model hub: config.json as the real model's (every key, shape-relevant or not),
// BF16 safetensors drawn normal(0, 0.02) from a seed (norms ones, biases zeros), and the real tokenizer
// files where ../shared has them. Used by bench-shapes, bench-load and bench-train --shape.
//
// Where each config comes from (the Hugging Face config.json of the base model, as quoted in public
// repositories found with the search tool; the shape-relevant values agree across every source seen):
//   qwen2.5-0.5b  Qwen/Qwen2.5-0.5B config.json (a copy titled "# Qwen/Qwen2.5-0.5B ## model config";
//                 shapes also in rwth-i6/i6_experiments .../qwen2/qwen2_configs.py)
//   qwen2.5-1.5b  Qwen/Qwen2.5-1.5B: shapes as the Instruct config.json quoted in several repositories
//                 (1536, 28 layers, 12/2 heads, 8960, tied); the base model's max_position_embeddings
//                 131072 and eos 151643 (the Instruct's are 32768 and 151645)
//   llama-3.2-1b  meta-llama/Llama-3.2-1B config.json (kevinstephano/thunder_model_blocks
//                 hf_llama/llama_config.py), with its llama3 rope_scaling (factor 32)
//   smollm2-135m  HuggingFaceTB/SmolLM2-135M config.json (printed in satyasundar/erav3-s13 README.md;
//                 max_position_embeddings 8192 as the current file, an older print says 2048)
//   gemma3-1b     google/gemma-3-1b-pt config.json (transformers 4.50): shapes as quoted in several
//                 repositories (1152, 26 layers, 4/1 heads of 256, 6912, 262144, window 512, every 6th
//                 layer global, RoPE bases 1e6 and 10000)
//   phi4-mini     microsoft/Phi-4-mini-instruct config.json: shapes as quoted in several repositories
//                 (3072, 32 layers, 24/8 heads of 128, 8192, 200064 tied, partial_rotary_factor 0.75,
//                 longrope from 4096 to 131072, window 262144); the 48 longrope factors are placeholders
//                 (a smooth ramp: their values change no cost)
//   85m, 260k     the project's small shapes (issue 10): 85m is the "base" new-model preset with a
//                 512-token vocabulary (block-dominated); 260k is llama2.c's stories260K shape.
//
// Tokenizers: gemma3/ for Gemma 3 1B; qwen3/ (Qwen2.5's byte-level BPE with Qwen3's added tokens, all ids < 151936) for both
// Qwen2.5 shapes; llama3/ for Llama 3.2 and, standing in, for Phi-4-mini (its 200k BPE is not in ../shared;
// llama3's 128256 ids fit its table). SmolLM2's own tokenizer is not in ../shared: llama2/'s
// SentencePiece (32000 ids < 49152) stands in, so its text statistics differ from SmolLM2's and the
// config's bos/eos (0, SmolLM2's <|endoftext|>) are llama2's <unk>. The small shapes get a SentencePiece
// BPE of 512 pieces trained on the ASCII lines of the bundled corpus (the training path needs a tokenizer).
#pragma once
#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/model/config.h"
#include "core/model/transformer.h"
#include "core/train/new_model.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace lathe::bench {

struct ModelShape {
    std::string name;
    std::string source;     // where the config comes from
    std::string tokenizer;  // a folder of ../shared/tokenizers, or "spm512" (trained on the bundled corpus)
    nlohmann::json config;  // config.json as written
};

inline const std::vector<ModelShape>& model_shapes() {
    using json = nlohmann::json;
    static const std::vector<ModelShape> shapes = {
        {"qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B config.json", "qwen3",
         json::parse(R"({
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
  "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24, "model_type": "qwen2",
  "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
  "transformers_version": "4.40.1", "use_cache": true, "use_mrope": false, "use_sliding_window": false,
  "vocab_size": 151936})")},
        {"qwen2.5-1.5b", "Qwen/Qwen2.5-1.5B config.json", "qwen3",
         json::parse(R"({
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 1536, "initializer_range": 0.02,
  "intermediate_size": 8960, "max_position_embeddings": 131072, "max_window_layers": 28, "model_type": "qwen2",
  "num_attention_heads": 12, "num_hidden_layers": 28, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
  "transformers_version": "4.40.1", "use_cache": true, "use_mrope": false, "use_sliding_window": false,
  "vocab_size": 151936})")},
        {"llama-3.2-1b", "meta-llama/Llama-3.2-1B config.json", "llama3",
         json::parse(R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 128000, "eos_token_id": 128001, "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048,
  "initializer_range": 0.02, "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
  "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
  "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
  "transformers_version": "4.45.0.dev0", "use_cache": true, "vocab_size": 128256})")},
        {"smollm2-135m", "HuggingFaceTB/SmolLM2-135M config.json (tokenizer: llama2's stands in)", "llama2",
         json::parse(R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 0,
  "eos_token_id": 0, "head_dim": 64, "hidden_act": "silu", "hidden_size": 576,
  "initializer_range": 0.041666666666666664, "intermediate_size": 1536, "is_llama_config": true,
  "max_position_embeddings": 8192, "mlp_bias": false, "model_type": "llama", "num_attention_heads": 9,
  "num_hidden_layers": 30, "num_key_value_heads": 3, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_interleaved": false, "rope_scaling": null, "rope_theta": 100000, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "transformers_version": "4.42.3", "use_cache": true, "vocab_size": 49152})")},
        {"gemma3-1b", "google/gemma-3-1b-pt config.json", "gemma3",
         json::parse(R"({
  "architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "attn_logit_softcapping": null, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 106],
  "final_logit_softcapping": null, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152,
  "initializer_range": 0.02, "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text",
  "num_attention_heads": 4, "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0,
  "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000, "rope_scaling": null,
  "rope_theta": 1000000, "sliding_window": 512, "sliding_window_pattern": 6, "torch_dtype": "bfloat16",
  "transformers_version": "4.50.0.dev0", "use_cache": true, "vocab_size": 262144})")},
        {"phi4-mini", "microsoft/Phi-4-mini-instruct config.json (tokenizer: llama3's stands in)", "llama3", [] {
             json j = json::parse(R"({
  "architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 199999,
  "embd_pdrop": 0.0, "eos_token_id": 199999, "full_attn_mod": 1, "hidden_act": "silu", "hidden_size": 3072,
  "initializer_range": 0.02, "intermediate_size": 8192, "interpolate_factor": 1, "lm_head_bias": false,
  "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "phi3", "num_attention_heads": 24,
  "num_hidden_layers": 32, "num_key_value_heads": 8, "original_max_position_embeddings": 4096, "pad_token_id": 199999,
  "partial_rotary_factor": 0.75, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
  "sliding_window": 262144, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.45.0",
  "use_cache": true, "vocab_size": 200064})");
             std::vector<double> short_factor, long_factor;
             for (int i = 0; i < 48; ++i) {
                 short_factor.push_back(1.0 + 0.05 * i);
                 long_factor.push_back(1.0 + 1.0 * i);
             }
             j["rope_scaling"] = {{"type", "longrope"}, {"short_factor", short_factor}, {"long_factor", long_factor}};
             return j;
         }()},
        {"85m", "Lathe: the 'base' new-model preset with a 512-token vocabulary (issue 10)", "spm512",
         json::parse(R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1, "eos_token_id": 2,
  "head_dim": 64, "hidden_act": "silu", "hidden_size": 768, "intermediate_size": 2048,
  "max_position_embeddings": 2048, "mlp_bias": false, "model_type": "llama", "num_attention_heads": 12,
  "num_hidden_layers": 12, "num_key_value_heads": 12, "rms_norm_eps": 1e-05, "rope_scaling": null,
  "rope_theta": 10000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 512})")},
        {"260k", "Lathe: llama2.c's stories260K shape (issue 10)", "spm512",
         json::parse(R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1, "eos_token_id": 2,
  "head_dim": 8, "hidden_act": "silu", "hidden_size": 64, "intermediate_size": 172,
  "max_position_embeddings": 512, "mlp_bias": false, "model_type": "llama", "num_attention_heads": 8,
  "num_hidden_layers": 5, "num_key_value_heads": 4, "rms_norm_eps": 1e-05, "rope_scaling": null,
  "rope_theta": 10000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 512})")},
    };
    return shapes;
}

inline const ModelShape& find_model_shape(const std::string& name) {
    std::string known;
    for (const auto& s : model_shapes()) {
        if (s.name == name) return s;
        known += (known.empty() ? "" : ", ") + s.name;
    }
    throw std::runtime_error("unknown shape '" + name + "' (known: " + known + ")");
}

// ../shared/tokenizers: $LATHE_SHARED_DIR, else next to the source tree (a checkout or a worktree
// under wt/); "" when absent.
inline std::string shared_tokenizers_dir() {
    namespace fs = std::filesystem;
    std::vector<fs::path> bases;
    if (const char* env = std::getenv("LATHE_SHARED_DIR")) bases.emplace_back(env);
    bases.push_back(fs::path(LATHE_BENCH_SOURCE_ROOT) / ".." / "shared");
    bases.push_back(fs::path(LATHE_BENCH_SOURCE_ROOT) / ".." / ".." / "shared");
    std::error_code ec;
    for (const auto& b : bases)
        if (fs::is_directory(b / "tokenizers", ec)) return fs::canonical(b / "tokenizers").string();
    return "";
}

// The tokenizer files of `shape` into `dir`; false (with a line on stderr) when they are not available.
inline bool write_shape_tokenizer(const ModelShape& shape, const std::string& dir, const std::string& tokenizers) {
    namespace fs = std::filesystem;
    if (shape.tokenizer == "spm512") {
        std::ifstream in(std::string(LATHE_BENCH_SOURCE_ROOT) + "/datasets/corpus_demo.txt");
        std::vector<std::string> lines;
        // The ASCII lines only: the corpus holds 1145 distinct characters (Korean too), more than 512 pieces
        // can cover; byte fallback encodes the rest.
        for (std::string line; std::getline(in, line);)
            if (!line.empty() && std::all_of(line.begin(), line.end(), [](unsigned char ch) { return ch < 128; }))
                lines.push_back(line);
        const ModelConfig spm = create_new_model_files("tiny", lines, dir, 512);
        if (spm.vocab_size > shape.config.at("vocab_size").get<int64_t>())
            throw std::runtime_error("the trained tokenizer has " + std::to_string(spm.vocab_size) + " pieces, more than " +
                                     shape.config.at("vocab_size").dump());
        return true;
    }
    const fs::path from = fs::path(tokenizers) / shape.tokenizer;
    std::error_code ec;
    if (tokenizers.empty() || !fs::is_directory(from, ec)) {
        std::fprintf(stderr, "warning: no tokenizer folder %s: %s is written without a tokenizer (it loads, it does "
                             "not train)\n", from.string().c_str(), dir.c_str());
        return false;
    }
    for (const auto& e : fs::directory_iterator(from)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("tokenizer", 0) != 0 && n != "special_tokens_map.json") continue;
        fs::copy_file(e.path(), fs::path(dir) / n, fs::copy_options::overwrite_existing);
        fs::permissions(fs::path(dir) / n, fs::perms::owner_write, fs::perm_options::add);  // ../shared's are read-only
    }
    return true;
}

// The model's tensors (names and shapes from the model itself, so they are what the loader expects), in
// BF16: normal(0, std) from one generator in file order, norms ones (zeros for Gemma, whose norms scale
// by 1 + w), biases zeros. Each tensor is drawn
// in float32 chunks of 16M values, so writing a 1.5B model holds one BF16 tensor and one chunk.
inline std::vector<TensorSource> random_weight_sources(const ModelConfig& c, uint64_t seed, double stddev = 0.02) {
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
    {
        CausalLM m(c);  // uninitialised parameters: nothing is written, only their names and shapes are read
        for (auto& p : m->named_parameters()) shapes.emplace_back(p.key(), p.value().sizes().vec());
    }
    auto gen = std::make_shared<at::Generator>(torch::make_generator<at::CPUGeneratorImpl>(seed));
    const double norm_value = c.arch().gemma_norms ? 0.0 : 1.0;
    std::vector<TensorSource> out;
    for (auto& [name, shape] : shapes) {
        const bool bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
        const bool norm = name.find("norm") != std::string::npos;
        out.push_back({name, DType::BF16, shape, [shape = shape, bias, norm, gen, stddev, norm_value] {
                           auto t = torch::empty(shape, torch::kBFloat16);
                           if (bias) return t.zero_();
                           if (norm) return t.fill_(norm_value);
                           auto flat = t.view({-1});
                           const int64_t n = flat.numel(), chunk = int64_t(1) << 24;
                           for (int64_t at = 0; at < n; at += chunk) {
                               const int64_t len = std::min(chunk, n - at);
                               flat.narrow(0, at, len).copy_(torch::empty({len}, torch::kFloat).normal_(0.0, stddev, *gen));
                           }
                           return t;
                       }});
    }
    return out;
}

// Writes the folder `dir` for `shape`: into a staging sibling renamed into place at the end, so a folder
// that exists is complete. Returns the model's config. `tokenizers` is ../shared/tokenizers ("" = none).
inline ModelConfig write_shape_folder(const ModelShape& shape, const std::string& dir, uint64_t seed,
                                      const std::string& tokenizers) {
    namespace fs = std::filesystem;
    const ModelConfig c = ModelConfig::from_json(shape.config, shape.name + " config");
    const fs::path target(dir);
    const fs::path staging = target.parent_path() / (target.filename().string() + ".partial-" + std::to_string(::getpid()));
    fs::remove_all(staging);
    fs::create_directories(staging);
    try {
        write_shape_tokenizer(shape, staging.string(), tokenizers);
        write_safetensors_streamed((staging / "model.safetensors").string(), random_weight_sources(c, seed),
                                   {{"format", "pt"}, {"lathe_bench_shape", shape.name}, {"seed", std::to_string(seed)}});
        write_json_file((staging / "config.json").string(), shape.config);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(staging, ec);
        throw;
    }
    fs::remove_all(target);
    fs::rename(staging, target);
    return c;
}

// A cached folder for `shape` under the temp directory (written when absent): lathe-bench-shapes/NAME-sSEED.
inline std::string cached_shape_folder(const std::string& name, uint64_t seed = 0) {
    namespace fs = std::filesystem;
    const ModelShape& shape = find_model_shape(name);
    const fs::path dir = fs::temp_directory_path() / "lathe-bench-shapes" / (name + "-s" + std::to_string(seed));
    std::error_code ec;
    if (fs::exists(dir / "config.json", ec) && fs::exists(dir / "model.safetensors", ec)) return dir.string();
    fs::create_directories(dir.parent_path());
    std::fprintf(stderr, "writing %s (%s) into %s\n", name.c_str(), shape.source.c_str(), dir.string().c_str());
    write_shape_folder(shape, dir.string(), seed, shared_tokenizers_dir());
    return dir.string();
}

}  // namespace lathe::bench
