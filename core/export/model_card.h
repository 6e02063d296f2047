// The README.md written beside an export: base model, method, adapters, datasets, chat template and
// format, with a front matter the Hugging Face Hub reads.
#pragma once
#include <string>

namespace lathe {

struct ExportPlan;

// `files_note` describes the weights ("2 shards of bfloat16 safetensors", "GGUF Q4_K_M").
std::string model_card(const ExportPlan& plan, const std::string& files_note);

}  // namespace lathe
