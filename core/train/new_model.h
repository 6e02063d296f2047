// Pre-training from scratch: a preset model size, a SentencePiece tokenizer trained on the run's own
// text, written as a Hugging Face folder (tokenizer.model + tokenizer.json + tokenizer_config.json)
// that the training run then fills with weights.
#pragma once
#include "core/model/config.h"
#include "core/util/messages.h"

#include <functional>
#include <string>
#include <vector>

namespace lathe {

struct NewModelPreset {
    const char* name;
    int64_t hidden, layers, heads, kv_heads, intermediate;
    int vocab;  // SentencePiece vocabulary asked for (a soft limit on small corpora)
    int64_t context;
    const char* description;
};

const std::vector<NewModelPreset>& new_model_presets();
const NewModelPreset& find_new_model_preset(const std::string& name);  // ConfigError listing the names

// The model config of `preset` with a vocabulary of `vocab` tokens: a Llama with tied embeddings.
ModelConfig preset_model_config(const NewModelPreset& preset, int64_t vocab);

// The chat format new models are trained with (its special tokens are in the tokenizer).
constexpr const char* kNewModelTemplate = "chatml";

// Trains the tokenizer on `texts` (one document or message each) and writes the tokenizer files into
// `dir`; returns the model config (vocabulary from the tokenizer). `vocab_override` > 0 replaces the
// preset's vocabulary size. With `tokenizer_dir` (new_model_tokenizer), that folder's tokenizer is copied
// instead and `texts` are not needed.
ModelConfig create_new_model_files(const std::string& preset, const std::vector<std::string>& texts,
                                   const std::string& dir, int vocab_override,
                                   const NoteSink& message = {},
                                   const std::string& tokenizer_dir = {});

// Beside a trained `dir`/tokenizer.model: tokenizer.json, tokenizer_config.json (chatml, <s>/</s>) and
// generation_config.json, as a new model's folder holds them.
void write_new_model_tokenizer_files(const std::string& dir, int64_t context);

}  // namespace lathe
