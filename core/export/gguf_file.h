// The GGUF an export writes: hyperparameters, the embedded tokenizer, the chat template and every
// tensor in the chosen types (gguf_model.h), plus an Ollama Modelfile and README.md beside it.
#pragma once
#include "core/util/error.h"

#include <functional>
#include <string>

namespace lathe {

class CausalLMImpl;
struct ExportPlan;
struct GgufVocab;

// The plan's tokenizer as GGUF metadata, with the template's end-of-turn token as EOS (and as EOT
// when it differs from the tokenizer's EOS), so llama.cpp stops where the model was taught to.
GgufVocab export_gguf_vocab(const ExportPlan& plan);

// Ollama's Modelfile for `gguf_name`: FROM, TEMPLATE (Go syntax) and one PARAMETER stop per stop text.
std::string ollama_modelfile(const ExportPlan& plan, const std::string& gguf_name);

// Writes `<dir>/<gguf_file_name(plan)>`, Modelfile and README.md. Throws Cancelled when the caller's
// CancelScope is set (checked between tensors, core/util/cancel.h).
void write_gguf_export(const ExportPlan& plan, CausalLMImpl& model, const std::string& dir,
                       const std::function<void(double, const Problem&)>& progress);

}  // namespace lathe
