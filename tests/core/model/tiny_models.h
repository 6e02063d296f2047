// Tiny random models built in code for tests.
#pragma once
#include "core/model/config.h"

namespace lathe::test {

inline ModelConfig tiny_config(const std::string& model_type = "llama") {
    ModelConfig c;
    c.model_type = model_type;
    c.vocab_size = 97;
    c.hidden_size = 32;
    c.intermediate_size = 64;
    c.num_hidden_layers = 2;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
    c.head_dim = 8;
    c.max_position_embeddings = 128;
    c.rms_norm_eps = 1e-5;
    c.rope_theta = 10000.0;
    c.bos_token_id = 1;
    c.eos_token_ids = {2};
    c.tie_word_embeddings = false;
    return c;
}

}  // namespace lathe::test
