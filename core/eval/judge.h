// A reward model as the judge of predictions: the reward it gives each answer to its prompt, as
// `lathe-cli score` computes it (the chat template's rendering of prompt + answer, the value head at the
// last token). The judge is a folder Lathe wrote with stage rm: an rm LoRA adapter (adapter_config.json and
// value_head.safetensors, on the base named in adapter_config.json) or a full/freeze rm model folder.
// No LibTorch in this header.
#pragma once
#include "core/data/message.h"
#include "core/util/error.h"

#include <memory>
#include <string>
#include <vector>

namespace lathe {

class RewardJudge {
public:
    // Throws with the folder's name when it is no reward model (no value_head.safetensors), or its base
    // model cannot be read. `device`: auto | cpu | cuda[:N].
    RewardJudge(const std::string& path, const std::string& device = "auto", int cutoff_len = 2048);
    ~RewardJudge();
    RewardJudge(const RewardJudge&) = delete;
    RewardJudge& operator=(const RewardJudge&) = delete;

    struct Item {
        const std::vector<Message>* prompt = nullptr;  // ends with a user message
        std::string system;
        std::string response;
    };
    // One reward per item, in order.
    std::vector<double> score(const std::vector<Item>& items);
    std::string describe() const;  // "reward model <path> (template llama2)"
    Problem describe_note() const;  // the same as data

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lathe
