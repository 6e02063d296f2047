#include "core/tokenizer/sentencepiece_tokenizer.h"

#include "core/tokenizer/decoder.h"
#include "core/tokenizer/sentencepiece_module_loader.h"
#include "core/tokenizer/tokenizer_config.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

namespace lathe {

namespace {


// LlamaTokenizerFast's decoder; the Strip step only when the model prepends "▁" to its input.
std::unique_ptr<TokenDecoder> llama_style_decoder(bool strip_leading_space) {
    nlohmann::json steps = nlohmann::json::array({
        {{"type", "Replace"}, {"pattern", {{"String", kMetaspace}}}, {"content", " "}},
        {{"type", "ByteFallback"}},
        {{"type", "Fuse"}},
    });
    if (strip_leading_space) steps.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    return TokenDecoder::from_json({{"type", "Sequence"}, {"decoders", steps}}, "SentencePiece decoder");
}

}  // namespace

SpmTokenizer::SpmTokenizer(const SpmApi& api, lathe_spm* sp, SpmModelInfo info, const std::string& origin)
    : api_(api), sp_(sp, api.destroy), origin_(origin), info_(std::move(info)) {
    for (int32_t id = 0; id < vocab_size(); ++id) {
        const int type = info_.pieces[id].type;
        if (type == LATHE_SPM_CONTROL || type == LATHE_SPM_UNKNOWN || type == LATHE_SPM_USER_DEFINED) {
            AddedToken t;
            t.id = id;
            t.content = info_.pieces[id].piece;
            t.special = type != LATHE_SPM_USER_DEFINED;
            split_tokens_.add(t);
        }
    }
    split_tokens_.build(nullptr);
    decoder_ = llama_style_decoder(info_.add_dummy_prefix);
    special_.bos_id = api_.bos_id(sp_.get());
    special_.eos_id = api_.eos_id(sp_.get());
    special_.unk_id = api_.unk_id(sp_.get());
    special_.pad_id = api_.pad_id(sp_.get());
    special_.bos = id_to_token(special_.bos_id);
    special_.eos = id_to_token(special_.eos_id);
    special_.unk = id_to_token(special_.unk_id);
    special_.pad = id_to_token(special_.pad_id);
    special_.add_bos = special_.bos_id >= 0;
}

SpmTokenizer::~SpmTokenizer() = default;

std::unique_ptr<SpmTokenizer> SpmTokenizer::load(const std::string& path) {
    std::string bytes;
    try {
        bytes = read_file(path);
    } catch (const IoError& e) {
        throw TokenizerError(e.problem());  // the reader's problem, as a tokenizer error
    }
    return from_bytes(bytes, path);
}

std::unique_ptr<SpmTokenizer> SpmTokenizer::from_bytes(std::string_view bytes, const std::string& origin) {
    const SpmApi& api = spm_module();
    char* error = nullptr;
    lathe_spm* sp = api.load_bytes(bytes.data(), bytes.size(), &error);
    if (!sp) {
        throw TokenizerError(file_problem(origin, 0, 0, "spm_model_invalid", {api.take_string(error)}));
    }
    std::unique_ptr<lathe_spm, void (*)(lathe_spm*)> owned(sp, api.destroy);
    SpmModelInfo info;
    try {
        info = read_spm_model_info(bytes, origin);
    } catch (const TokenizerError&) {
        info = SpmModelInfo();  // SentencePiece read it, so ask the module piece by piece
    }
    if (info.pieces.size() != static_cast<size_t>(api.vocab_size(sp))) {
        info = SpmModelInfo();
        info.model_type = 0;
        for (int32_t id = 0; id < api.vocab_size(sp); ++id) {
            size_t size = 0;
            const char* p = api.id_to_piece(sp, id, &size);
            info.pieces.push_back({std::string(p ? p : "", p ? size : 0), api.score(sp, id), api.piece_type(sp, id)});
        }
    }
    return std::unique_ptr<SpmTokenizer>(new SpmTokenizer(api, owned.release(), std::move(info), origin));
}

void SpmTokenizer::apply_config(const TokenizerConfig& cfg, const std::string& dir) {
    dir_ = dir;
    chat_template_ = cfg.chat_template;
    apply_special_token_names(cfg, [this](std::string_view t) { return token_to_id(t); }, special_);
    special_.add_bos = cfg.add_bos.value_or(true) && special_.bos_id >= 0;
    special_.add_eos = cfg.add_eos.value_or(false) && special_.eos_id >= 0;
}

std::vector<int32_t> SpmTokenizer::encode_plain(std::string_view text) const {
    if (text.empty()) return {};
    int32_t* ids = nullptr;
    size_t n = 0;
    char* error = nullptr;
    if (api_.encode(sp_.get(), text.data(), text.size(), &ids, &n, &error) != 0)
        throw TokenizerError(file_problem(origin_, -1, -1, "spm_encode_failed", {api_.take_string(error)}));
    std::vector<int32_t> out(ids, ids + n);
    api_.free(ids);
    return out;
}

std::vector<int32_t> SpmTokenizer::encode(std::string_view text, bool add_special_tokens) const {
    std::string repaired;
    text = utf8::valid_view(text, repaired);
    std::vector<int32_t> ids;
    if (add_special_tokens && special_.add_bos) ids.push_back(special_.bos_id);
    for (const TextPiece& p : split_tokens_.split_raw(text)) {
        if (p.id >= 0) {
            ids.push_back(p.id);
            continue;
        }
        const std::vector<int32_t> part = encode_plain(text.substr(p.begin, p.end - p.begin));
        ids.insert(ids.end(), part.begin(), part.end());
    }
    if (add_special_tokens && special_.add_eos) ids.push_back(special_.eos_id);
    return ids;
}

std::string SpmTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
        if (id < 0 || id >= vocab_size()) continue;
        if (skip_special_tokens && is_special(id)) continue;
        tokens.push_back(info_.pieces[id].piece);
    }
    return decoder_->decode(std::move(tokens));
}

std::string SpmTokenizer::decode_native(const std::vector<int32_t>& ids) const {
    char* text = nullptr;
    size_t size = 0;
    char* error = nullptr;
    if (api_.decode(sp_.get(), ids.data(), ids.size(), &text, &size, &error) != 0)
        throw TokenizerError(file_problem(origin_, -1, -1, "spm_decode_failed", {api_.take_string(error)}));
    std::string out(text, size);
    api_.free(text);
    return out;
}

std::string SpmTokenizer::id_to_token(int32_t id) const {
    return id >= 0 && id < vocab_size() ? info_.pieces[id].piece : std::string();
}

int32_t SpmTokenizer::token_to_id(std::string_view token) const {
    return api_.piece_to_id(sp_.get(), token.data(), token.size());
}

int32_t SpmTokenizer::vocab_size() const { return static_cast<int32_t>(info_.pieces.size()); }

bool SpmTokenizer::is_special(int32_t id) const {
    if (id < 0 || id >= vocab_size()) return false;
    const int type = info_.pieces[id].type;
    return type == LATHE_SPM_CONTROL || type == LATHE_SPM_UNKNOWN;
}

}  // namespace lathe
