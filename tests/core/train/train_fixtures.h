// Shared fixtures of the training tests: a tiny model folder whose tokenizer is trained in the test (no
// files from outside the tree), a dataset dir, a run config that finishes in a second, and file
// comparisons for run outputs.
#pragma once
#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/model/model_folder.h"
#include "core/train/new_model.h"
#include "core/train/run_dir.h"
#include "core/train/train_config.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "tests/core/model/tiny_models.h"
#include "tests/registry.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace lathe::test {

// Alpaca records of small arithmetic facts; prompt and answer lengths vary from record to record.
inline nlohmann::json toy_records(int n) {
    static const char* names[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    nlohmann::json out = nlohmann::json::array();
    for (int i = 0; i < n; ++i) {
        const int a = i % 10, b = (i * 3 + 1) % 10;
        std::string q = "What is " + std::string(names[a]) + " plus " + names[b] + "?";
        if (i % 3 == 0) q += " Please answer with words.";
        std::string ans = std::string(names[a]) + " plus " + names[b] + " is " + std::to_string(a + b) + ".";
        if (i % 4 == 1) ans += " That is all there is to it.";
        out.push_back({{"instruction", q}, {"input", ""}, {"output", ans}});
    }
    return out;
}

struct TinyWorld {
    std::string root;       // everything of this fixture lives below
    std::string model_dir;  // HF folder: config.json, model.safetensors, tokenizer files
    std::string data_dir;   // dataset_info.json registering "toy"
    ModelConfig config;
};

// A tiny llama (2 layers, hidden 64: NF4's 64-element blocks divide every weight) with a SentencePiece
// tokenizer trained on the toy records, and the records as dataset "toy".
inline TinyWorld make_tiny_world(const std::string& name, int records = 16) {
    TinyWorld w;
    w.root = scratch_dir() + "/" + name;
    w.model_dir = w.root + "/model";
    w.data_dir = w.root + "/data";
    std::filesystem::create_directories(w.data_dir);
    const nlohmann::json recs = toy_records(records);
    write_json_file(w.data_dir + "/toy.json", recs);
    write_json_file(w.data_dir + "/dataset_info.json", {{"toy", {{"file_name", "toy.json"}}}});

    std::vector<std::string> texts;
    for (const auto& r : recs) {
        texts.push_back(r["instruction"]);
        texts.push_back(r["output"]);
    }
    const ModelConfig spm = create_new_model_files("tiny", texts, w.model_dir, 320);
    ModelConfig c = tiny_config();
    c.vocab_size = spm.vocab_size;
    c.bos_token_id = spm.bos_token_id;
    c.eos_token_ids = spm.eos_token_ids;
    c.hidden_size = 64;
    c.head_dim = 16;
    c.intermediate_size = 128;
    c.max_position_embeddings = 256;
    CausalLM m(c);
    m->init_weights(11);
    save_causal_lm(*m, w.model_dir);
    w.config = c;
    return w;
}

// sft on "toy" with the chatml template: 6 optimizer steps of 2 x 2 examples on the CPU.
inline TrainConfig tiny_run(const TinyWorld& w, const std::string& output_dir, const std::string& method = "full") {
    TrainConfig c;
    c.model_name_or_path = w.model_dir;
    c.template_name = "chatml";
    c.dataset = "toy";
    c.dataset_dir = w.data_dir;
    c.output_dir = output_dir;
    c.finetuning_type = method;
    c.cutoff_len = 64;
    c.per_device_train_batch_size = 2;
    c.gradient_accumulation_steps = 2;
    c.max_steps = 6;
    c.logging_steps = 1;
    c.save_steps = 0;
    c.learning_rate = 3e-3;
    c.warmup_steps = 1;
    c.lora_rank = 4;
    c.device = "cpu";
    c.bf16 = Toggle::Off;  // the same numbers on every machine (test_precision covers bf16)
    c.seed = 7;
    return c;
}

inline std::map<std::string, torch::Tensor> read_tensors(const std::string& path) {
    SafetensorsFile f(path);
    std::map<std::string, torch::Tensor> out;
    for (const auto& e : f.entries()) out[e.name] = f.tensor(e.name).to(torch::kDouble).clone();
    return out;
}

// Largest absolute difference between two safetensors files with the same tensor names; infinity when
// the names or shapes differ.
inline double max_file_diff(const std::string& a, const std::string& b) {
    const auto ta = read_tensors(a), tb = read_tensors(b);
    if (ta.size() != tb.size()) return std::numeric_limits<double>::infinity();
    double worst = 0;
    for (const auto& [name, t] : ta) {
        auto it = tb.find(name);
        if (it == tb.end() || it->second.sizes() != t.sizes()) return std::numeric_limits<double>::infinity();
        if (t.numel()) worst = std::max(worst, (t - it->second).abs().max().item<double>());
    }
    return worst;
}

// Paths below `dir` whose name contains `part` (e.g. ".tmp-": staging leftovers).
inline std::vector<std::string> paths_containing(const std::string& dir, const std::string& part) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
        if (e.path().filename().string().find(part) != std::string::npos) out.push_back(e.path().string());
    return out;
}

// trainer_log.jsonl without the fields that depend on the clock.
inline std::vector<nlohmann::json> timeless_log(const std::string& run_dir) {
    auto rows = read_trainer_log(run_dir);
    for (auto& r : rows)
        for (const char* k : {"elapsed_time", "remaining_time", "throughput"}) r.erase(k);
    return rows;
}

inline std::string qstr(const nlohmann::json& j) { return j.dump(); }

}  // namespace lathe::test
