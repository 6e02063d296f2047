// The Hugging Face folder an export writes: weights (sharded safetensors + index), config.json,
// generation_config.json, tokenizer files with the chat template, README.md.
#pragma once
#include "core/util/error.h"

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace lathe {

class CausalLMImpl;
struct ExportPlan;

// tokenizer_config.json for the export: the source's, with chat_template set to the Jinja of the
// plan's template and, for templates whose end-of-turn token replaces EOS (chatml, llama3, gemma...),
// eos_token set to it, as LLaMA-Factory's export does.
nlohmann::json export_tokenizer_config(const ExportPlan& plan);
// generation_config.json: the source's, with bos/pad ids and every stop id as eos_token_id.
nlohmann::json export_generation_config(const ExportPlan& plan);

// Writes the folder into `dir` (which exists and is empty). `progress(fraction, what)` is called as
// files are written.
void write_hf_export(const ExportPlan& plan, CausalLMImpl& model, const std::string& dir,
                     const std::function<void(double, const Problem&)>& progress);

}  // namespace lathe
