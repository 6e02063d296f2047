// A reward model's value head: the final hidden state of a token -> one score, as TRL's
// AutoModelForCausalLMWithValueHead (`v_head.summary`, a Linear hidden -> 1 with bias). Saved as
// value_head.safetensors beside the weights or the adapter, with the keys LLaMA-Factory and TRL use
// ("v_head.summary.weight" [1, C], "v_head.summary.bias" [1]), so each side reads the other's files.
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lathe {

class CausalLMImpl;

constexpr const char* kValueHeadFile = "value_head.safetensors";
constexpr const char* kValueHeadWeight = "v_head.summary.weight";
constexpr const char* kValueHeadBias = "v_head.summary.bias";

class ValueHead {
public:
    // nn.Linear's default initialisation (uniform in +-1/sqrt(C) for weight and bias), seeded. Float32.
    ValueHead(int64_t hidden_size, c10::Device device, uint64_t seed = 42);
    ValueHead(at::Tensor weight, at::Tensor bias);

    // hidden (..., C) -> scores (...), computed in float32 whatever the model's dtype.
    at::Tensor forward(const at::Tensor& hidden) const;
    int64_t hidden_size() const;

    // The trainable tensors under their saved names.
    std::vector<std::pair<std::string, at::Tensor>> named_parameters() const;

    at::Tensor weight;  // (1, C)
    at::Tensor bias;    // (1)
};

// Scores at the last non-padding token of each row: hidden (B, T, C), attention_mask (B, T) with right
// padding -> (B). This is where LLaMA-Factory's PairwiseTrainer reads a sequence's reward.
at::Tensor last_token_scores(const ValueHead& head, const at::Tensor& hidden, const at::Tensor& attention_mask);

// The reward of each token sequence (prompt + response ids, e.g. from the chat template), batched with
// right padding; no gradients. -> (N) float32 on the model's device.
at::Tensor score_sequences(CausalLMImpl& model, const ValueHead& head, const std::vector<std::vector<int32_t>>& sequences);

// Writes `dir`/value_head.safetensors atomically (other files untouched).
void save_value_head(const ValueHead& head, const std::string& dir);
bool has_value_head(const std::string& dir);
// Reads `dir`/value_head.safetensors onto `device`. Throws IoError when the file is missing or unreadable,
// ModelError naming the file and tensor when a key is missing or its shape does not fit `hidden_size`.
ValueHead load_value_head(const std::string& dir, int64_t hidden_size, c10::Device device);

}  // namespace lathe
