// A Hugging Face tokenizer.json with a BPE model: byte-level (GPT-2, Llama 3, Qwen) or
// SentencePiece-style with byte fallback (Llama 2's tokenizer.json). The pipeline is Hugging Face's:
// added tokens -> normalizer -> pre-tokenizer -> BPE -> post-processor; decoding runs the decoder chain.
#pragma once
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/post_processor.h"
#include "core/tokenizer/tokenizer.h"

#include <nlohmann/json_fwd.hpp>
#include <memory>

namespace lathe {

class BpeModel;
class TokenDecoder;
class Normalizer;
class PreTokenizer;
struct TokenizerConfig;

class HfTokenizer final : public Tokenizer {
public:
    // Reads and parses tokenizer.json; errors name the file (and line:column for bad JSON).
    static std::unique_ptr<HfTokenizer> load(const std::string& path);
    // Builds from parsed tokenizer.json content; `origin` names it in errors.
    static std::unique_ptr<HfTokenizer> from_json(const nlohmann::json& j, const std::string& origin);
    ~HfTokenizer() override;

    // Takes special token names, add_bos/add_eos and the chat template from the folder's config.
    void apply_config(const TokenizerConfig& cfg, const std::string& dir);

    std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = false) const override;
    std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const override;
    std::string id_to_token(int32_t id) const override;
    int32_t token_to_id(std::string_view token) const override;
    int32_t vocab_size() const override;
    bool is_special(int32_t id) const override;
    std::string kind() const override { return kind_; }

    // What add_special_tokens puts around the text.
    const SpecialTemplate& special_template() const { return template_; }

private:
    HfTokenizer();
    // Text between added tokens: normalize, split on normalized added tokens, pre-tokenize, BPE.
    void encode_plain(std::string_view piece, bool first_section, std::vector<int32_t>& ids) const;
    void encode_words(std::string normalized, bool first_section, std::vector<int32_t>& ids) const;

    std::unique_ptr<Normalizer> normalizer_;
    std::unique_ptr<PreTokenizer> pre_tokenizer_;
    std::unique_ptr<BpeModel> model_;
    std::unique_ptr<TokenDecoder> decoder_;
    AddedVocabulary added_;
    SpecialTemplate template_;
    std::string kind_;
    std::string origin_;
};

}  // namespace lathe
