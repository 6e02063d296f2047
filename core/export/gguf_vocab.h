// The tokenizer as llama.cpp reads it from a GGUF file (tokenizer.ggml.*), built the way
// convert_hf_to_gguf.py builds it:
//   * SentencePiece (tokenizer.model, or a SentencePiece-style tokenizer.json): model "llama",
//     pieces with scores and types (normal 1, unknown 2, control 3, user-defined 4, unused 5, byte 6)
//   * byte-level BPE (tokenizer.json: Llama 3, Qwen2/2.5/3, GPT-2): model "gpt2", the byte-mapped
//     vocabulary, merges "a b", types, and tokenizer.ggml.pre naming llama.cpp's pre-tokenizer
// Ids a vocabulary lacks below the model's vocab_size become "[PAD<id>]" with type unused.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lathe {

class GgufWriter;
class Tokenizer;

enum class GgufTokenType : int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct GgufVocab {
    std::string model;  // "llama" | "gpt2"
    std::string pre;    // "default" for SentencePiece; "llama-bpe", "qwen2", "gpt-2", ... for BPE
    std::vector<std::string> tokens;
    std::vector<float> scores;  // one per token ("llama"); empty for "gpt2"
    std::vector<int32_t> types;
    std::vector<std::string> merges;  // "gpt2" only
    int32_t bos = -1, eos = -1, unk = -1, pad = -1;
    int32_t eot = -1;  // end of turn, when it differs from eos (llama.cpp stops on both)
    bool add_bos = false, add_eos = false;
    bool add_space_prefix = false;  // "llama" only: SentencePiece's dummy "▁" prefix

    // Writes tokenizer.ggml.* (ids of -1 are left out).
    void write(GgufWriter& w) const;
};

// The vocabulary of the tokenizer in `dir` (the file Lathe tokenizes with: tokenizer.json when
// present, else tokenizer.model), padded to `n_vocab` ids. `tok` is the tokenizer Lathe loaded from `dir` (special
// ids, add_bos). Throws TokenizerError for a vocabulary larger than n_vocab, ConfigError for a BPE
// pre-tokenizer llama.cpp would not know.
GgufVocab build_gguf_vocab(const std::string& dir, const Tokenizer& tok, int64_t n_vocab);

// convert_hf_to_gguf.py's get_vocab_base_pre: the SHA-256 of Python's str() of the ids of its test
// text (encoded with special tokens, as AutoTokenizer.encode does) picks the pre-tokenizer name.
std::string bpe_pre_fingerprint(const Tokenizer& tok);
// The name for a fingerprint ("llama-bpe", "qwen2", ...), "" when unknown.
std::string bpe_pre_name(const std::string& fingerprint);

}  // namespace lathe
