// Tokenizers of Hugging Face model folders: tokenizer.json (byte-level BPE as in Llama 3, Qwen2/2.5/3
// and GPT-2; SentencePiece-style BPE with byte fallback as in Llama 2's tokenizer.json) and
// SentencePiece tokenizer.model. Output equals the reference tokenizers token for token.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

// Which file of a model folder to read.
enum class TokenizerSource {
    Auto,                // tokenizer.json when present, else tokenizer.model
    TokenizerJson,       // Hugging Face tokenizer.json only
    SentencePieceModel,  // SentencePiece tokenizer.model only
};

struct SpecialTokens {
    int32_t bos_id = -1;  // -1: the tokenizer has none
    int32_t eos_id = -1;
    int32_t pad_id = -1;
    int32_t unk_id = -1;
    std::string bos, eos, pad, unk;
    bool add_bos = false;  // tokenizer_config add_bos_token (or the post-processor's template)
    bool add_eos = false;
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Loads the tokenizer files of `dir` (tokenizer.json preferred, else tokenizer.model) together with
    // tokenizer_config.json and special_tokens_map.json when present. Throws TokenizerError naming the
    // file and what is wrong.
    static std::unique_ptr<Tokenizer> from_dir(const std::string& dir);
    static std::unique_ptr<Tokenizer> from_dir(const std::string& dir, TokenizerSource source);

    // Text -> ids. Added tokens present in the text (e.g. "<|im_start|>") are split out first and map to
    // their ids. With add_special_tokens, BOS/EOS are added as Hugging Face's tokenizer would.
    virtual std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = false) const = 0;

    // Ids -> UTF-8 text, as Hugging Face's decode(ids, skip_special_tokens) would give. The English-only
    // clean_up_tokenization_spaces pass (" ," -> ",") is never applied, so decode(encode(t)) == t for
    // text without added tokens that normalization leaves alone.
    virtual std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const = 0;

    // The vocabulary entry of `id` as stored (e.g. "Ġhello", "▁hello", "<0x0A>", "<|eot_id|>").
    virtual std::string id_to_token(int32_t id) const = 0;
    // -1 when `token` is not in the vocabulary.
    virtual int32_t token_to_id(std::string_view token) const = 0;
    // Number of ids, added tokens included (max id + 1).
    virtual int32_t vocab_size() const = 0;
    // Added tokens flagged special (these are dropped by decode(..., true)).
    virtual bool is_special(int32_t id) const = 0;
    // "sentencepiece", "bpe-bytelevel" or "bpe-sentencepiece".
    virtual std::string kind() const = 0;

    const SpecialTokens& special() const { return special_; }
    // tokenizer_config.json's chat_template ("" when absent).
    const std::string& chat_template() const { return chat_template_; }
    const std::string& dir() const { return dir_; }

protected:
    SpecialTokens special_;
    std::string chat_template_;
    std::string dir_;
};

// Incremental decoding for streaming output: feed ids one at a time, get back only text that is
// final (never half a UTF-8 character, never text that a later token would change).
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = true);
    // Returns the newly completed text (possibly empty).
    std::string push(int32_t id);
    // Returns whatever is left (called at the end of generation).
    std::string flush();

private:
    const Tokenizer& tok_;
    bool skip_special_;
    std::vector<int32_t> ids_;
    size_t prefix_offset_ = 0;  // ids before this are context only
    size_t read_offset_ = 0;    // text of ids_[prefix_offset_, read_offset_) was already emitted
};

}  // namespace lathe
