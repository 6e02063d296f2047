#include "core/export/gguf_vocab.h"

#include "core/export/sha256.h"
#include "core/io/gguf.h"
#include "core/io/json_file.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>

#include <map>

namespace lathe {

namespace {

using json = nlohmann::json;

// convert_hf_to_gguf.py's chktxt, byte for byte (UTF-8; octal escapes keep the source ASCII).
const char kCheckText[] =
    "\012 \012\012 \012\012\012 \011 \011\011 \011\012  \012   \012    \012     \012\360\237\232\200 "
    "(normal) \360\237\230\266\342\200\215\360\237\214\253\357\270\217 (multiple emojis concatenated)"
    " \342\234\205 \360\237\246\231\360\237\246\231 3 33 333 3333 33333 333333 3333333 33333333 3.3 3"
    "..3 3...3 \341\236\200\341\236\266\341\236\223\341\237\213\341\236\217\341\237\202\341\236\226\341"
    "\236\267\341\236\237\341\237\201\341\236\237\341\236\242\341\236\266\341\236\205\360\237\230\201"
    " \077\346\210\221\346\203\263\345\234\250apple\345\267\245\344\275\2341314151\345\244\251\357\275"
    "\236 ------======= \320\275\320\265\321\211\320\276 \320\275\320\260 \320\221\321\212\320\273\320"
    "\263\320\260\321\200\321\201\320\272\320\270 ''''''```````\042\042\042\042......!!!!!!\077\077\077"
    "\077\077\077 I've been 'told he's there, 'RE you sure\077 'M not sure I'll make it, 'D you like "
    "some tea\077 We'Ve a'lL"
;

// Fingerprint -> llama.cpp pre-tokenizer, from get_vocab_base_pre. Only families Lathe loads are
// listed; the rest would need their regexes checked against llama.cpp's first.
struct PreName {
    const char* fingerprint;
    const char* name;
};
constexpr PreName kPreNames[] = {
    {"0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5", "llama-bpe"},  // Llama 3, 3.1, 3.2
    {"e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea", "qwen2"},      // Qwen1.5, 2, 2.5, 3
    {"3ce83efda5659b07b1ad37ca97ca5797ea4285d9b9ab0dc679e4a720c9da7454", "gpt-2"},      // GPT-2
    {"855059429035d75a914d1eda9f10a876752e281a054a7a3d421ef0533e5b6249", "smollm"},     // SmolLM
    {"877081d19cf6996e2c4ff0e1236341e9b7bde288f5311a56a937f0afbbb3aeb5", "deepseek-v3"},  // DeepSeek-V3, R1
    {"b3f499bb4255f8ca19fccd664443283318f2fd2414d5e0b040fbdd0cc195d6c5", "deepseek-r1-qwen"},  // R1-Distill-Qwen
};

// The converter's does_token_look_special, for added tokens not flagged special.
bool looks_special(const std::string& t) {
    auto wrapped = [&](const std::string& open, const std::string& close) {
        return t.size() >= open.size() + close.size() && t.compare(0, open.size(), open) == 0 &&
               t.compare(t.size() - close.size(), close.size(), close) == 0;
    };
    return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" || wrapped("<|", "|>") ||
           wrapped("<\xEF\xBD\x9C", "\xEF\xBD\x9C>") || wrapped("<unused", ">");
}

void pad_to(GgufVocab& v, int64_t n_vocab, const std::string& origin) {
    // Added tokens past the embedding (Gemma 3 1B's tokenizer carries the vision models' <image_soft_token>
    // at 262144 over 262144 rows) are left out, as convert_hf_to_gguf.py ignores ids out of range.
    const size_t total = v.tokens.size();
    while (int64_t(v.tokens.size()) > n_vocab && (v.types.back() == int32_t(GgufTokenType::Control) ||
                                                  v.types.back() == int32_t(GgufTokenType::UserDefined))) {
        v.tokens.pop_back();
        v.types.pop_back();
        if (!v.scores.empty()) v.scores.pop_back();
    }
    if (int64_t(v.tokens.size()) > n_vocab)
        throw TokenizerError(file_problem(origin, 0, 0, "gguf_tokenizer_larger_than_embedding",
                                          {std::to_string(total), std::to_string(n_vocab)}));
    for (int64_t i = int64_t(v.tokens.size()); i < n_vocab; ++i) {
        v.tokens.push_back("[PAD" + std::to_string(i) + "]");
        v.types.push_back(int32_t(GgufTokenType::Unused));
        if (v.model == "llama") v.scores.push_back(-1000.0f);
    }
}

// tokenizer.json: vocabulary, merges and added tokens, indexed by id.
struct JsonVocab {
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    std::vector<std::string> merges;
    std::map<std::string, int64_t> merge_rank_of_result;  // merged token text -> merge rank
};

JsonVocab read_tokenizer_json(const std::string& path) {
    const json j = read_json_file(path);
    const json& model = j.at("model");
    JsonVocab v;
    auto place = [&](int64_t id, const std::string& text, GgufTokenType type) {
        if (id < 0 || id > 10'000'000)
            throw TokenizerError(file_problem(path, 0, 0, "tokenizer_token_id_out_of_range", {text, std::to_string(id)}));
        if (int64_t(v.tokens.size()) <= id) {
            v.tokens.resize(id + 1);
            v.types.resize(id + 1, int32_t(GgufTokenType::Unused));
        }
        v.tokens[id] = text;
        v.types[id] = int32_t(type);
    };
    for (auto it = model.at("vocab").begin(); it != model.at("vocab").end(); ++it)
        place(it.value().get<int64_t>(), it.key(), GgufTokenType::Normal);
    if (model.contains("merges")) {
        for (const json& m : model["merges"]) {
            std::string a, b;
            if (m.is_string()) {
                const std::string s = m.get<std::string>();
                const size_t sp = s.find(' ', 1);
                if (sp == std::string::npos) throw TokenizerError(file_problem(path, 0, 0, "tokenizer_merge_not_pair", {s}));
                a = s.substr(0, sp), b = s.substr(sp + 1);
            } else {
                a = m.at(0).get<std::string>(), b = m.at(1).get<std::string>();
            }
            v.merge_rank_of_result.emplace(a + b, int64_t(v.merges.size()));
            v.merges.push_back(a + " " + b);
        }
    }
    if (j.contains("added_tokens")) {
        for (const json& t : j["added_tokens"]) {
            const std::string text = t.at("content").get<std::string>();
            const bool special = t.value("special", false) || looks_special(text);
            place(t.at("id").get<int64_t>(), text, special ? GgufTokenType::Control : GgufTokenType::UserDefined);
        }
    }
    for (size_t i = 0; i < v.tokens.size(); ++i)
        if (v.types[i] == int32_t(GgufTokenType::Unused)) v.tokens[i] = "[PAD" + std::to_string(i) + "]";
    return v;
}

// SentencePiece pieces from tokenizer.model, then tokenizer_config.json's added tokens on top (as
// _create_vocab_sentencepiece does).
void spm_vocab(GgufVocab& v, const std::string& dir) {
    const auto spm = SpmTokenizer::load(path_join(dir, "tokenizer.model"));
    for (const SpmPiece& p : spm->model_info().pieces) {
        v.tokens.push_back(p.piece);
        v.scores.push_back(p.score);
        v.types.push_back(p.type);
    }
    const std::string config = path_join(dir, "tokenizer_config.json");
    if (!file_exists(config)) return;
    const json j = read_json_file(config);
    if (!j.contains("added_tokens_decoder") || !j["added_tokens_decoder"].is_object()) return;
    for (auto it = j["added_tokens_decoder"].begin(); it != j["added_tokens_decoder"].end(); ++it) {
        const size_t id = std::stoul(it.key());
        const std::string text = it.value().at("content").get<std::string>();
        if (id >= v.tokens.size()) {
            for (size_t i = v.tokens.size(); i <= id; ++i) {
                v.tokens.push_back("[PAD" + std::to_string(i) + "]");
                v.scores.push_back(-1000.0f);
                v.types.push_back(int32_t(GgufTokenType::Unused));
            }
        }
        const bool special = it.value().value("special", false) || looks_special(text);
        // Pieces SentencePiece itself defines (<unk>, <s>, </s>) keep their type and score.
        if (v.types[id] != int32_t(GgufTokenType::Unused) && v.tokens[id] == text) continue;
        v.tokens[id] = text;
        v.scores[id] = -1000.0f;
        v.types[id] = int32_t(special ? GgufTokenType::Control : GgufTokenType::UserDefined);
    }
}

// A SentencePiece-style BPE tokenizer.json (byte fallback) without tokenizer.model: llama.cpp's
// SentencePiece tokenizer merges the pair whose result scores highest, so a token's score is
// minus the rank of the merge that makes it.
void spm_vocab_from_json(GgufVocab& v, const std::string& path, const Tokenizer& tok) {
    JsonVocab j = read_tokenizer_json(path);
    const float lowest = -float(j.merges.size());
    for (size_t id = 0; id < j.tokens.size(); ++id) {
        const std::string& t = j.tokens[id];
        int32_t type = j.types[id];
        float score = 0;
        if (type == int32_t(GgufTokenType::Normal)) {
            const bool byte = t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>';
            if (byte) type = int32_t(GgufTokenType::Byte);
            else if (int32_t(id) == tok.special().unk_id) type = int32_t(GgufTokenType::Unknown);
            const auto r = j.merge_rank_of_result.find(t);
            score = byte ? 0 : r != j.merge_rank_of_result.end() ? -float(r->second) : lowest - float(id);
        } else if (type == int32_t(GgufTokenType::Control) && int32_t(id) == tok.special().unk_id) {
            type = int32_t(GgufTokenType::Unknown);
        }
        v.tokens.push_back(t);
        v.scores.push_back(type == int32_t(GgufTokenType::Normal) ? score : (type == int32_t(GgufTokenType::Byte) ? 0.0f : -1000.0f));
        v.types.push_back(type);
    }
}

}  // namespace

namespace {

std::string fingerprint_of(const std::vector<int32_t>& ids) {
    std::string text = "[";
    for (size_t i = 0; i < ids.size(); ++i) text += (i ? ", " : "") + std::to_string(ids[i]);
    return sha256_hex(text + "]");
}

}  // namespace

std::string bpe_pre_fingerprint(const Tokenizer& tok) {
    std::vector<int32_t> ids = tok.encode(kCheckText, true);
    // The converter's tokenizers add their BOS (Llama 3's post-processor does); copies of tokenizer.json
    // that lost the post-processor do not, and would read as another family (Smaug), so the BOS is
    // put back first. A tokenizer that truly adds none still matches on the ids as they are.
    const int32_t bos = tok.special().bos_id;
    if (bos >= 0 && (ids.empty() || ids[0] != bos)) {
        std::vector<int32_t> with_bos = {bos};
        with_bos.insert(with_bos.end(), ids.begin(), ids.end());
        const std::string fp = fingerprint_of(with_bos);
        if (!bpe_pre_name(fp).empty()) return fp;
    }
    return fingerprint_of(ids);
}

std::string bpe_pre_name(const std::string& fingerprint) {
    for (const PreName& p : kPreNames)
        if (fingerprint == p.fingerprint) return p.name;
    return "";
}

GgufVocab build_gguf_vocab(const std::string& dir, const Tokenizer& tok, int64_t n_vocab) {
    GgufVocab v;
    const std::string kind = tok.kind();
    const std::string json_path = path_join(dir, "tokenizer.json");
    // The vocabulary Lathe tokenizes with: tokenizer.json when the folder has one (the converter
    // would prefer tokenizer.model, but a folder whose two files disagree must export what was trained).
    if (kind == "sentencepiece") {
        v.model = "llama";
        v.pre = "default";
        spm_vocab(v, dir);
    } else if (kind == "bpe-sentencepiece") {
        v.model = "llama";
        v.pre = "default";
        spm_vocab_from_json(v, json_path, tok);
    } else if (kind == "bpe-bytelevel") {
        v.model = "gpt2";
        const std::string fp = bpe_pre_fingerprint(tok);
        v.pre = bpe_pre_name(fp);
        if (v.pre.empty())
            throw ConfigError(file_problem(json_path, 0, 0, "gguf_pre_tokenizer_unknown", {fp}));
        JsonVocab j = read_tokenizer_json(json_path);
        v.tokens = std::move(j.tokens);
        v.types = std::move(j.types);
        v.merges = std::move(j.merges);
    } else {
        throw ConfigError(file_problem(dir, 0, 0, "gguf_tokenizer_kind", {kind}));
    }
    pad_to(v, n_vocab, dir);
    const SpecialTokens& s = tok.special();
    v.bos = s.bos_id, v.eos = s.eos_id, v.unk = s.unk_id, v.pad = s.pad_id;
    v.add_bos = s.add_bos, v.add_eos = s.add_eos;
    if (v.model == "llama") {
        // Whether the tokenizer puts "▁" before the first word, read from its behaviour.
        const std::vector<int32_t> ids = tok.encode("a", false);
        v.add_space_prefix = !ids.empty() && tok.id_to_token(ids[0]).rfind("\xE2\x96\x81", 0) == 0;
    }
    return v;
}

void GgufVocab::write(GgufWriter& w) const {
    w.set("tokenizer.ggml.model", GgufValue::string(model));
    w.set("tokenizer.ggml.pre", GgufValue::string(pre));
    w.set("tokenizer.ggml.tokens", GgufValue::array(tokens));
    if (!scores.empty()) w.set("tokenizer.ggml.scores", GgufValue::array(scores));
    w.set("tokenizer.ggml.token_type", GgufValue::array(types));
    if (!merges.empty()) w.set("tokenizer.ggml.merges", GgufValue::array(merges));
    auto id = [&](const char* key, int32_t v) {
        if (v >= 0) w.set(key, GgufValue::u32(uint32_t(v)));
    };
    id("tokenizer.ggml.bos_token_id", bos);
    id("tokenizer.ggml.eos_token_id", eos);
    id("tokenizer.ggml.unknown_token_id", unk);
    id("tokenizer.ggml.padding_token_id", pad);
    if (eot != eos) id("tokenizer.ggml.eot_token_id", eot);
    w.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(add_bos));
    w.set("tokenizer.ggml.add_eos_token", GgufValue::boolean(add_eos));
    if (model == "llama") w.set("tokenizer.ggml.add_space_prefix", GgufValue::boolean(add_space_prefix));
}

}  // namespace lathe
