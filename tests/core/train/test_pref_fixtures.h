// Fixtures for the preference tests (rm, dpo, kto): a synthetic preference a tiny model can learn,
// a model folder with a character tokenizer for end-to-end runs, and a quiet training loop.
#pragma once
#include "core/data/batching.h"
#include "core/data/example.h"
#include "core/io/json_file.h"
#include "core/model/model_folder.h"
#include "core/model/transformer.h"
#include "core/train/run_dir.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "tests/checks.h"
#include "tests/core/model/tiny_models.h"
#include "tests/registry.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace lathe::test {

// Chosen responses end with kGood, rejected ones with kBad; everything before is shared and random.
constexpr int32_t kGood = 70, kBad = 71;

inline std::vector<Example> synthetic_pairs(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto token = [&] { return static_cast<int32_t>(3 + rng() % 60); };
    std::vector<Example> out;
    for (size_t i = 0; i < n; ++i) {
        Example e;
        e.source = "synthetic#" + std::to_string(i);
        const size_t prompt_len = 3 + rng() % 4, middle_len = 1 + rng() % 3;
        std::vector<int32_t> prompt, middle;
        for (size_t k = 0; k < prompt_len; ++k) prompt.push_back(token());
        for (size_t k = 0; k < middle_len; ++k) middle.push_back(token());
        auto build = [&](int32_t last, std::vector<int32_t>& ids, std::vector<int32_t>& labels) {
            ids = prompt;
            labels.assign(prompt.size(), kIgnoreIndex);
            for (int32_t t : middle) ids.push_back(t), labels.push_back(t);
            ids.push_back(last);
            labels.push_back(last);
        };
        build(kGood, e.input_ids, e.labels);
        build(kBad, e.rejected_ids, e.rejected_labels);
        out.push_back(std::move(e));
    }
    return out;
}

inline CausalLM tiny_lm(uint64_t seed = 11) {
    CausalLM m(tiny_config());
    m->init_weights(seed, 0.2);
    return m;
}

inline std::string fresh_dir(const std::string& name) {
    const std::string dir = scratch_dir() + "/" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// Runs the shared loop quietly in a fresh directory; throws when it does not complete.
inline TrainSummary quiet_train(TrainerSetup& setup, const std::string& name) {
    const std::string dir = fresh_dir(name);
    setup.config.output_dir = dir;
    setup.config.save_steps = 0;
    setup.config.logging_steps = 1000;
    if (!setup.save_weights) setup.save_weights = [](const std::string&) {};
    if (!setup.load_weights) setup.load_weights = [](const std::string&) {};
    RunDir run(dir, false);
    TrainSummary s = train_loop(setup, run, TrainerEvents{}, nullptr);
    if (s.status != TrainSummary::Status::Completed) throw ModelError("training failed: " + s.message);
    return s;
}

// A model folder whose tokenizer maps each printable ASCII character to its code, "</s>" = 127 (EOS);
// the model is tiny_config with a 128-token vocabulary. Template "default" then encodes
// "Human: <prompt></s>\nAssistant:<response></s>".
inline std::string char_model_dir(const std::string& name, uint64_t seed = 5) {
    const std::string dir = fresh_dir(name);
    nlohmann::json vocab = nlohmann::json::object();
    for (int c = 32; c < 127; ++c) vocab[std::string(1, static_cast<char>(c))] = c;
    vocab["</s>"] = 127;
    nlohmann::json added = nlohmann::json::array({{{"id", 127}, {"content", "</s>"}, {"single_word", false},
                                                   {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                                                   {"special", true}}});
    nlohmann::json tok = {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", nullptr},
                          {"pre_tokenizer", nullptr}, {"post_processor", nullptr}, {"decoder", nullptr},
                          {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", nlohmann::json::array()}}}};
    write_json_file(dir + "/tokenizer.json", tok);
    write_json_file(dir + "/tokenizer_config.json", {{"eos_token", "</s>"}, {"pad_token", "</s>"}});
    ModelConfig c = tiny_config();
    c.vocab_size = 128;
    c.bos_token_id = -1;
    c.eos_token_ids = {127};
    CausalLM m(c);
    m->init_weights(seed, 0.2);
    save_causal_lm(*m, dir, torch::kFloat);
    return dir;
}

// A dataset folder holding `records` as pairs.json (alpaca ranking layout) or kto.json.
inline std::string pairs_dataset_dir(const std::string& name, const nlohmann::json& records) {
    const std::string dir = fresh_dir(name);
    write_json_file(dir + "/dataset_info.json",
                    {{"pairs", {{"file_name", "pairs.json"}, {"ranking", true},
                                {"columns", {{"prompt", "instruction"}, {"query", "input"}, {"chosen", "chosen"},
                                             {"rejected", "rejected"}}}}},
                     {"feedback", {{"file_name", "kto.json"},
                                   {"columns", {{"prompt", "instruction"}, {"response", "output"}, {"kto_tag", "label"}}}}}});
    write_json_file(dir + "/pairs.json", records);
    write_json_file(dir + "/kto.json", nlohmann::json::array());
    return dir;
}

// Text records of the synthetic preference: chosen answers end with "!", rejected with "?".
inline nlohmann::json text_pairs(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto word = [&] {
        std::string w;
        for (int k = 0; k < 3; ++k) w += static_cast<char>('a' + rng() % 26);
        return w;
    };
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < n; ++i) {
        const std::string q = word(), a = word();
        out.push_back({{"instruction", q}, {"input", ""}, {"chosen", a + "!"}, {"rejected", a + "?"}});
    }
    return out;
}

}  // namespace lathe::test
