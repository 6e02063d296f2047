// A SentencePiece tokenizer.model, run by libsentencepiece inside the lathe_spm module. Encoding first
// splits out control pieces ("<s>", "</s>", "<unk>") and user-defined pieces ("<|im_start|>") written
// in the text, as Hugging Face's tokenizers do with added tokens, then gives each stretch between them
// to SentencePiece (which prepends "▁" to each). Decoding follows LlamaTokenizerFast's decoder: "▁" ->
// space, byte pieces -> UTF-8, one leading space dropped. The model and its tokenizer.json form
// (sentencepiece_convert.h) therefore agree token for token.
#pragma once
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/sentencepiece_model_proto.h"
#include "core/tokenizer/sentencepiece_module_api.h"
#include "core/tokenizer/tokenizer.h"

#include <memory>

namespace lathe {

// SentencePiece's word-start mark "▁" (U+2581), which stands for a space in its pieces.
inline constexpr const char* kMetaspace = "\xE2\x96\x81";

class TokenDecoder;
struct SpmApi;
struct TokenizerConfig;

class SpmTokenizer final : public Tokenizer {
public:
    // Throws TokenizerError naming the file when it is missing or not a SentencePiece model, or when
    // the lathe_spm module cannot be found.
    static std::unique_ptr<SpmTokenizer> load(const std::string& path);
    // A serialized ModelProto; `origin` names it in errors.
    static std::unique_ptr<SpmTokenizer> from_bytes(std::string_view bytes, const std::string& origin);
    ~SpmTokenizer() override;

    // Special token names from the folder's config; add_bos defaults to true, add_eos to false (as
    // transformers' LlamaTokenizer).
    void apply_config(const TokenizerConfig& cfg, const std::string& dir);

    std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = false) const override;
    std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const override;
    std::string id_to_token(int32_t id) const override;
    int32_t token_to_id(std::string_view token) const override;
    int32_t vocab_size() const override;
    bool is_special(int32_t id) const override;
    std::string kind() const override { return "sentencepiece"; }

    // SentencePiece's own decoding (DecodeIds), for comparison with decode().
    std::string decode_native(const std::vector<int32_t>& ids) const;
    // Whether the model prepends "▁" to its input (normalizer_spec.add_dummy_prefix).
    bool add_dummy_prefix() const { return info_.add_dummy_prefix; }
    // Pieces with scores and types, model type and normalizer settings read from the model file
    // (model_type 0 when the file could not be read that far).
    const SpmModelInfo& model_info() const { return info_; }
    // The model file (or the origin given to from_bytes).
    const std::string& origin() const { return origin_; }

private:
    SpmTokenizer(const SpmApi& api, lathe_spm* sp, SpmModelInfo info, const std::string& origin);
    std::vector<int32_t> encode_plain(std::string_view text) const;

    const SpmApi& api_;
    std::unique_ptr<lathe_spm, void (*)(lathe_spm*)> sp_;
    std::string origin_;
    SpmModelInfo info_;
    AddedVocabulary split_tokens_;  // control, unknown and user-defined pieces, split out of the text first
    std::unique_ptr<TokenDecoder> decoder_;
};

}  // namespace lathe
