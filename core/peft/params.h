// What a fine-tuning method leaves trainable, counted the way PEFT's print_trainable_parameters does,
// and the lookups the methods share (Linear modules by name, comma lists).
#pragma once
#include "core/util/error.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lathe {

class CausalLMImpl;
class LinearImpl;

struct TrainableParameters {
    std::vector<std::pair<std::string, at::Tensor>> named;  // requires_grad, in named_parameters() order
    int64_t trainable = 0;  // elements in `named`
    int64_t total = 0;      // every parameter, counting a quantized weight by its original element count
    std::vector<std::string> names() const;
    // "trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622" (PEFT's line).
    std::string summary() const;
    Problem note() const;  // the same as data
};

TrainableParameters trainable_parameters(CausalLMImpl& model);

// Every lathe::Linear of the model with its full name ("model.layers.0.self_attn.q_proj", "lm_head").
std::vector<std::pair<std::string, std::shared_ptr<LinearImpl>>> named_linears(CausalLMImpl& model);

// The last component of a dotted name: "model.layers.0.mlp.up_proj" -> "up_proj".
std::string short_name(const std::string& name);
// PEFT's target matching: `name` is `target` or ends with "." + target.
bool name_matches(const std::string& name, const std::string& target);
// 4194304 -> "4,194,304" (PEFT's way of printing counts).
std::string with_commas(int64_t v);
// "a, b, c" for messages.
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

}  // namespace lathe
