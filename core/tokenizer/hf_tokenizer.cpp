#include "core/tokenizer/hf_tokenizer.h"

#include "core/io/json_file.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/decoder.h"
#include "core/tokenizer/json_place.h"
#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/tokenizer_config.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

#include <set>
#include <tuple>

namespace lathe {

namespace {

using json = nlohmann::json;

// transformers' LlamaTokenizerFast (and its Gemma/CodeLlama cousins) rebuild the post-processor from
// add_bos_token / add_eos_token when loaded, whatever tokenizer.json says; other classes keep the file's.
const std::set<std::string>& classes_that_rebuild_template() {
    static const std::set<std::string> names = {
        "LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast",
        "GemmaTokenizer", "GemmaTokenizerFast",
    };
    return names;
}

bool mentions_type(const json& j, const std::string& type) {
    if (j.is_object()) {
        if (j.contains("type") && j.at("type") == type) return true;
        for (const auto& [k, v] : j.items())
            if (mentions_type(v, type)) return true;
    } else if (j.is_array()) {
        for (const auto& v : j)
            if (mentions_type(v, type)) return true;
    }
    return false;
}

AddedToken added_token_from_json(const json& t, const std::string& where) {
    AddedToken a;
    try {
        a.id = t.at("id").get<int32_t>();
        a.content = t.at("content").get<std::string>();
        a.single_word = t.value("single_word", false);
        a.lstrip = t.value("lstrip", false);
        a.rstrip = t.value("rstrip", false);
        a.normalized = t.value("normalized", !t.value("special", false));
        a.special = t.value("special", false);
    } catch (const json::exception& e) {
        throw TokenizerError(tokenizer_json_exception_problem(where, e.id, e.what()));
    }
    if (a.id < 0) throw TokenizerError(tokenizer_json_problem(where, "tokenizer_json_added_id", {std::to_string(a.id)}));
    return a;
}

}  // namespace

HfTokenizer::HfTokenizer() = default;
HfTokenizer::~HfTokenizer() = default;

std::unique_ptr<HfTokenizer> HfTokenizer::load(const std::string& path) {
    json j;
    try {
        j = parse_json(read_file(path), path);
    } catch (const IoError& e) {
        throw TokenizerError(e.problem());  // the reader's problem, as a tokenizer error
    }
    return from_json(j, path);
}

std::unique_ptr<HfTokenizer> HfTokenizer::from_json(const json& j, const std::string& origin) {
    if (!j.is_object() || !j.contains("model") || !j.at("model").is_object())
        throw TokenizerError(file_problem(origin, 0, 0, "tokenizer_json_no_model"));
    const json& model = j.at("model");
    // Old files omit the type; a "merges" list means BPE.
    if (model.contains("type") && !model.at("type").is_string())
        throw TokenizerError(file_problem(origin, 0, 0, "tokenizer_json_model_type", {model.at("type").type_name()}));
    const std::string type = model.contains("type") ? model.at("type").get<std::string>()
                                                    : (model.contains("merges") ? "BPE" : "");
    if (type != "BPE") {
        throw TokenizerError(file_problem(origin, 0, 0, "tokenizer_json_model_unsupported", {type}));
    }
    auto tok = std::unique_ptr<HfTokenizer>(new HfTokenizer());
    tok->origin_ = origin;
    auto field = [&](const char* key) -> const json& {
        static const json null_json;
        auto it = j.find(key);
        return it == j.end() ? null_json : *it;
    };
    tok->normalizer_ = Normalizer::from_json(field("normalizer"), origin + ": normalizer");
    tok->pre_tokenizer_ = PreTokenizer::from_json(field("pre_tokenizer"), origin + ": pre_tokenizer");
    tok->model_ = BpeModel::from_json(model, origin + ": model");
    tok->decoder_ = TokenDecoder::from_json(field("decoder"), origin + ": decoder");
    tok->template_ = special_template_from_json(field("post_processor"), origin + ": post_processor");
    const json& added = field("added_tokens");
    if (!added.is_null() && !added.is_array())
        throw TokenizerError(file_problem(origin, 0, 0, "tokenizer_added_tokens_type", {added.type_name()}));
    for (size_t i = 0; i < added.size(); ++i)
        tok->added_.add(added_token_from_json(added[i], origin + ": added_tokens[" + std::to_string(i) + "]"));
    tok->added_.build(tok->normalizer_.get());
    const bool byte_level = mentions_type(field("pre_tokenizer"), "ByteLevel") || mentions_type(field("decoder"), "ByteLevel");
    tok->kind_ = byte_level ? "bpe-bytelevel" : "bpe-sentencepiece";
    if (!tok->model_->unk_token().empty()) {
        tok->special_.unk = tok->model_->unk_token();
        tok->special_.unk_id = tok->token_to_id(tok->special_.unk);
    }
    tok->special_.add_bos = !tok->template_.prefix.empty();
    tok->special_.add_eos = !tok->template_.suffix.empty();
    return tok;
}

void HfTokenizer::apply_config(const TokenizerConfig& cfg, const std::string& dir) {
    dir_ = dir;
    chat_template_ = cfg.chat_template;
    apply_special_token_names(cfg, [this](std::string_view t) { return token_to_id(t); }, special_);
    if (classes_that_rebuild_template().count(cfg.tokenizer_class)) {
        const bool add_bos = cfg.add_bos.value_or(true), add_eos = cfg.add_eos.value_or(false);
        for (auto [wanted, id, name] : {std::tuple{add_bos, special_.bos_id, "bos_token"}, std::tuple{add_eos, special_.eos_id, "eos_token"}}) {
            if (wanted && id < 0)
                throw TokenizerError(file_problem(path_join(dir, "tokenizer_config.json"), 0, 0, "tokenizer_class_adds_missing",
                                                  {cfg.tokenizer_class, name}));
        }
        template_.prefix.clear();
        template_.suffix.clear();
        if (add_bos) template_.prefix.push_back(special_.bos_id);
        if (add_eos) template_.suffix.push_back(special_.eos_id);
    }
    special_.add_bos = !template_.prefix.empty();
    special_.add_eos = !template_.suffix.empty();
}

std::vector<int32_t> HfTokenizer::encode(std::string_view text, bool add_special_tokens) const {
    std::string repaired;
    text = utf8::valid_view(text, repaired);
    std::vector<int32_t> ids;
    if (add_special_tokens) ids = template_.prefix;
    for (const TextPiece& p : added_.split_raw(text)) {
        if (p.id >= 0) ids.push_back(p.id);
        else encode_plain(text.substr(p.begin, p.end - p.begin), p.begin == 0, ids);
    }
    if (add_special_tokens) ids.insert(ids.end(), template_.suffix.begin(), template_.suffix.end());
    return ids;
}

void HfTokenizer::encode_plain(std::string_view piece, bool first_section, std::vector<int32_t>& ids) const {
    if (piece.empty()) return;
    std::string normalized(piece);
    if (normalizer_) normalizer_->normalize(normalized);
    if (!added_.has_normalized_tokens()) {
        encode_words(std::move(normalized), first_section, ids);
        return;
    }
    for (const TextPiece& p : added_.split_normalized(normalized)) {
        if (p.id >= 0) ids.push_back(p.id);
        else encode_words(normalized.substr(p.begin, p.end - p.begin), first_section && p.begin == 0, ids);
    }
}

void HfTokenizer::encode_words(std::string normalized, bool first_section, std::vector<int32_t>& ids) const {
    if (normalized.empty()) return;
    std::vector<std::string> words;
    words.push_back(std::move(normalized));
    if (pre_tokenizer_) pre_tokenizer_->apply(words, first_section);
    for (const auto& w : words) model_->tokenize(w, ids);
}

std::string HfTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
        if (const AddedToken* a = added_.by_id(id)) {
            if (!(skip_special_tokens && a->special)) tokens.push_back(a->content);
        } else if (const std::string* t = model_->id_to_token(id)) {
            tokens.push_back(*t);
        }
    }
    if (decoder_) return decoder_->decode(std::move(tokens));
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
}

std::string HfTokenizer::id_to_token(int32_t id) const {
    if (const AddedToken* a = added_.by_id(id)) return a->content;
    const std::string* t = model_->id_to_token(id);
    return t ? *t : std::string();
}

int32_t HfTokenizer::token_to_id(std::string_view token) const {
    const int32_t added = added_.id_of(token);
    return added >= 0 ? added : model_->token_to_id(token);
}

int32_t HfTokenizer::vocab_size() const {
    int32_t n = model_->size();
    for (const AddedToken& a : added_.tokens()) n = std::max(n, a.id + 1);
    return n;
}

bool HfTokenizer::is_special(int32_t id) const {
    const AddedToken* a = added_.by_id(id);
    return a && a->special;
}

}  // namespace lathe
