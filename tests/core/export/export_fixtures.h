// Fixtures for the export tests: a SentencePiece tokenizer trained here, tiny random model folders with
// it, LoRA adapters saved in PEFT's layout, and an export config pointing at them.
#pragma once
#include "core/export/export.h"
#include "core/io/json_file.h"
#include "core/model/model_folder.h"
#include "core/peft/adapter_io.h"
#include "core/peft/lora.h"
#include "core/tokenizer/sentencepiece_trainer.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "tests/core/model/tiny_models.h"
#include "tests/checks.h"
#include "tests/registry.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

namespace lathe::test {

// A BPE SentencePiece model (byte fallback, <|im_start|>/<|im_end|> as user-defined pieces) trained
// once per process on a few hundred generated lines; returns the folder holding tokenizer.model.
inline std::string export_tokenizer_dir() {
    static const std::string dir = [] {
        const std::string d = scratch_dir() + "/spm-tokenizer";
        std::filesystem::create_directories(d);
        const std::string text = d + "/corpus.txt";
        std::ofstream out(text);
        const char* words[] = {"the", "model", "learns", "to", "stop", "when", "its", "answer", "ends", "hello",
                               "world", "export", "weights", "into", "a", "file", "that", "other", "tools", "run"};
        for (int i = 0; i < 400; ++i) {
            for (int j = 0; j < 8; ++j) out << words[(i * 7 + j * 3) % 20] << (j == 7 ? "" : " ");
            out << (i % 3 == 0 ? "." : "") << "\n";
        }
        out.close();
        SentencePieceTrainOptions o;
        o.input_files = {text};
        o.model_prefix = d + "/tokenizer";
        o.vocab_size = 320;
        o.user_defined_symbols = {"<|im_start|>", "<|im_end|>"};
        o.num_threads = 1;
        train_sentencepiece(o);
        write_json_file(d + "/tokenizer_config.json",
                        {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"add_bos_token", true},
                         {"tokenizer_class", "LlamaTokenizer"}});
        return d;
    }();
    return dir;
}

inline ModelConfig export_tiny_config(const std::string& model_type = "llama") {
    ModelConfig c = tiny_config(model_type);
    c.vocab_size = 320;
    c.hidden_size = 64;      // rows of 64: Q8_0 / Q4_0 blocks of 32 fit, K quants fall back
    c.intermediate_size = 128;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 16;
    c.bos_token_id = 1;
    c.eos_token_ids = {2};
    return c;
}

// A random model folder with the trained tokenizer copied in. Returns the model, as saved.
inline CausalLM make_model_dir(const std::string& dir, const ModelConfig& c, uint64_t seed = 11,
                               const std::string& tokenizer_dir = export_tokenizer_dir()) {
    CausalLM m(c);
    m->init_weights(seed, 0.2);
    m->eval();
    save_causal_lm(*m, dir);
    for (const auto& e : std::filesystem::directory_iterator(tokenizer_dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("tokenizer", 0) == 0 || name == "special_tokens_map.json")
            std::filesystem::copy_file(e.path(), dir + "/" + name, std::filesystem::copy_options::overwrite_existing);
    }
    return m;
}

// A LoRA adapter on the model in `model_dir` with random A and B, saved to `adapter_dir`.
inline void make_adapter(const std::string& model_dir, const std::string& adapter_dir, uint64_t seed,
                         const std::string& base_name = "") {
    CausalLM m = load_causal_lm(model_dir);
    LoraSettings s;
    s.rank = 4;
    s.alpha = 8;
    s.seed = seed;
    LoraModel lora = LoraModel::apply(m.ptr(), s);
    torch::NoGradGuard g;
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed);
    for (auto& p : m->named_parameters())
        if (p.key().find("lora_") != std::string::npos) p.value().copy_(torch::empty(p.value().sizes()).normal_(0, 0.3, gen));
    save_lora_adapter(lora, adapter_dir, base_name.empty() ? model_dir : base_name);
}

inline torch::Tensor probe_ids() { return torch::tensor({1, 17, 33, 4, 90, 12, 55, 3, 8, 61}, torch::kLong).view({1, 10}); }

inline torch::Tensor logits_of(CausalLMImpl& m) {
    torch::NoGradGuard g;
    return m.forward(probe_ids()).to(torch::kDouble);
}

// Names in `dir` containing ".tmp-" or ".old-": what a failed export must not leave behind.
inline std::vector<std::string> leftovers(const std::string& dir) {
    std::vector<std::string> out;
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string n = e.path().filename().string();
        if (n.find(".tmp-") != std::string::npos || n.find(".old-") != std::string::npos) out.push_back(n);
    }
    return out;
}

}  // namespace lathe::test
