// The model folder the serving tests serve: a small random Llama with the real Llama 2 tokenizer
// (../shared/tokenizers/llama2; the tests skip without it), large weights so that greedy choices have no
// near-ties between a batch of one and a batch of many, a long context for long answers, and an output
// row of zeros for EOS so that greedy answers run to their token budget.
#pragma once
#include "core/model/model_folder.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/fs.h"
#include "tests/core/model/tiny_models.h"
#include "tests/registry.h"

#include <torch/torch.h>

#include <filesystem>
#include <string>

namespace lathe::test {

// "" when the tokenizer is absent.
inline std::string serve_model_dir() {
    const std::string tok_dir = shared_tokenizer_dir("llama2");
    if (tok_dir.empty()) return {};
    const std::string dir = scratch_dir() + "/serve-model";
    if (file_exists(dir + "/config.json")) return dir;
    auto tok = Tokenizer::from_dir(tok_dir);
    auto c = tiny_config("llama");
    c.vocab_size = tok->vocab_size();
    c.max_position_embeddings = 4096;
    c.bos_token_id = tok->special().bos_id;
    c.eos_token_ids = {tok->special().eos_id};
    CausalLM m(c);
    m->init_weights(23, 0.2);
    {
        torch::NoGradGuard no_grad;
        m->lm_head->weight[tok->special().eos_id].zero_();
    }
    save_causal_lm(*m, dir);
    std::filesystem::create_directories(dir);
    // tokenizer.json only, not tokenizer.model too: a folder with both kinds is ambiguous.
    for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
        const std::string src = tok_dir + "/" + f;
        if (file_exists(src)) write_file_atomic(dir + "/" + f, read_file(src));
    }
    return dir;
}

}  // namespace lathe::test

#define LATHE_SKIP_WITHOUT_SERVE_MODEL(dir) \
    if ((dir).empty()) QSKIP("../shared/tokenizers/llama2 is absent (set LATHE_SHARED_DIR)")
