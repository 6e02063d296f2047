// Models with hand-set weights whose greedy output is known in advance, for the generation and CLI tests.
// A "rote" model answers any prompt with a fixed list of ids, then EOS; when the context holds a marker
// token it answers with a second list instead, so a test can see whether earlier turns are in the prompt.
//
// How (hidden size H, one-hot directions e_*, every layer norm weight 1):
//   embeddings: reply[i] -> e_chain(i), marker -> e_marker, every other id -> e_sink.
//   layer 0 attention, head 0: a constant query (q bias) meets keys that are nonzero only on markers,
//     so attention lands on the markers when there are any; values are 1 on markers, 0 elsewhere:
//     the head writes ~1 (marker seen) or exactly 0 into e_seen.
//   layer 1 MLP, one neuron: silu(sink) * seen -> e_answer; nonzero only at an off-chain token (the
//     prompt's last one) that sees a marker.
//   lm_head: e_sink -> reply[0], e_answer -> marked_reply[0] (outweighs e_sink), e_chain(i) -> the next
//     id of its list, the last of each list -> eos.
// The query and key use the rotary pair with the lowest frequency and rope_theta is large, so the
// rotation does not change the attention scores over the positions a test uses.
#pragma once
#include "core/model/config.h"
#include "core/model/transformer.h"

#include <torch/torch.h>

#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace lathe::test {

struct RoteSpec {
    int64_t vocab_size = 0;
    std::vector<int32_t> reply;         // the answer when no marker is in the context
    std::vector<int32_t> marked_reply;  // the answer when one is (may be empty: no markers then)
    std::vector<int32_t> markers;
    int32_t eos = -1;                   // follows the last id of either reply
    int64_t hidden = 64;
};

inline ModelConfig rote_config(const RoteSpec& s) {
    ModelConfig c;
    c.model_type = "llama";
    c.vocab_size = s.vocab_size;
    c.hidden_size = s.hidden;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 4;
    c.head_dim = s.hidden / 4;
    c.intermediate_size = 8;
    c.num_hidden_layers = 2;
    c.max_position_embeddings = 512;
    c.rms_norm_eps = 1e-6;
    c.rope_theta = 1e7;
    c.attention_bias = true;  // the constant query is a q_proj bias
    c.tie_word_embeddings = false;
    c.bos_token_id = -1;
    c.eos_token_ids = {s.eos};
    return c;
}

// Why `s` cannot be built ("" when it can): an id that repeats (a list's next id must follow from the
// last id alone), is the eos or lies outside the vocabulary, or replies longer than the hidden size.
inline std::string rote_problem(const RoteSpec& s) {
    std::set<int32_t> seen_ids;
    for (const auto* list : {&s.reply, &s.marked_reply, &s.markers})
        for (int32_t id : *list)
            if (id < 0 || id >= s.vocab_size || id == s.eos || !seen_ids.insert(id).second)
                return "rote_model: id " + std::to_string(id) + " repeats, is the eos or is outside the vocabulary";
    if (s.reply.empty() || 4 + s.reply.size() + s.marked_reply.size() > static_cast<size_t>(s.hidden))
        return "rote_model: the replies do not fit the hidden size";
    return "";
}

// Check rote_problem() first: this throws std::invalid_argument for what it reports.
inline CausalLM rote_model(const RoteSpec& s) {
    if (auto problem = rote_problem(s); !problem.empty()) throw std::invalid_argument(problem);
    const int64_t H = s.hidden;
    const int64_t sink = 0, marker = 1, seen = 2, answer = 3, chain0 = 4;

    CausalLM m(rote_config(s));
    m->eval();
    torch::NoGradGuard no_grad;
    for (auto& p : m->named_parameters())
        p.value().fill_(p.key().find("norm") != std::string::npos ? 1.0 : 0.0);
    auto param = [&](const std::string& name) { return m->named_parameters()[name]; };

    auto embed = param("model.embed_tokens.weight");  // (V, H)
    auto head = param("lm_head.weight");              // (V, H)
    embed.select(1, sink).fill_(1.0);
    for (int32_t id : s.markers) {
        embed[id].zero_();
        embed[id][marker].fill_(1.0);
    }
    int64_t dim = chain0;
    for (const auto* list : {&s.reply, &s.marked_reply}) {
        for (size_t i = 0; i < list->size(); ++i, ++dim) {
            const int32_t id = (*list)[i];
            embed[id].zero_();
            embed[id][dim].fill_(1.0);
            const int32_t next = i + 1 < list->size() ? (*list)[i + 1] : s.eos;
            head[next][dim].fill_(10.0);
        }
    }
    head[s.reply[0]][sink].fill_(10.0);
    if (!s.marked_reply.empty()) head[s.marked_reply[0]][answer].fill_(10.0);

    // Layer 0, head 0, using the rotary pair (hd/2 - 1, hd - 1) that turns slowest.
    const int64_t hd = H / 4, slow = hd / 2 - 1;
    const double rms = std::sqrt(static_cast<double>(H));  // a one-hot row normalises to sqrt(H)
    param("model.layers.0.self_attn.q_proj.bias")[slow].fill_(10.0);
    param("model.layers.0.self_attn.k_proj.weight")[slow][marker].fill_(1.0);         // score 10 * 8 / 4 at markers
    param("model.layers.0.self_attn.v_proj.weight")[0][marker].fill_(1.0 / rms);      // 1 at markers
    param("model.layers.0.self_attn.o_proj.weight")[seen][0].fill_(1.0);
    // Layer 1 MLP neuron 0: silu(sink) * seen.
    param("model.layers.1.mlp.gate_proj.weight")[0][sink].fill_(1.0);
    param("model.layers.1.mlp.up_proj.weight")[0][seen].fill_(1.0);
    param("model.layers.1.mlp.down_proj.weight")[answer][0].fill_(1.0);
    return m;
}

}  // namespace lathe::test
