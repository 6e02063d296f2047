// The fine-tuning method as a value. Configs keep LLaMA-Factory's name (`finetuning_type: lora`); the
// engine decides on the enum, never on the string. QLoRA is LoRA with quantization_bit set.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace lathe {

enum class Method { Full, Freeze, Lora };

const std::vector<std::string>& method_names();  // full, freeze, lora
const char* method_name(Method m);
// nullopt when `name` is none of them.
std::optional<Method> method_from_name(const std::string& name);
// ConfigError naming finetuning_type and the valid names when `name` is none of them.
Method parse_method(const std::string& name);

}  // namespace lathe
