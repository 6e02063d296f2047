#include "core/tokenizer/sentencepiece_convert.h"

#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace lathe {

namespace {

using json = nlohmann::json;


struct MergeCandidate {
    float score;  // of the merged piece: higher merges first
    int32_t merged, left, right;
};

// Every split of a normal or user-defined piece into two vocabulary pieces is a merge.
json merges_of(const SpmModelInfo& info) {
    std::unordered_map<std::string_view, int32_t> vocab;
    for (size_t id = 0; id < info.pieces.size(); ++id) vocab.emplace(info.pieces[id].piece, static_cast<int32_t>(id));
    std::vector<MergeCandidate> merges;
    for (size_t id = 0; id < info.pieces.size(); ++id) {
        const SpmPiece& p = info.pieces[id];
        if (p.type != LATHE_SPM_NORMAL && p.type != LATHE_SPM_USER_DEFINED) continue;
        const std::string_view s = p.piece;
        for (size_t cut = 0; cut < s.size();) {
            utf8::next(s, cut);
            if (cut >= s.size()) break;
            auto l = vocab.find(s.substr(0, cut)), r = vocab.find(s.substr(cut));
            if (l != vocab.end() && r != vocab.end()) merges.push_back({p.score, static_cast<int32_t>(id), l->second, r->second});
        }
    }
    std::sort(merges.begin(), merges.end(), [](const MergeCandidate& a, const MergeCandidate& b) {
        return std::make_tuple(-a.score, a.merged, a.left, a.right) < std::make_tuple(-b.score, b.merged, b.left, b.right);
    });
    json out = json::array();
    for (const auto& m : merges) out.push_back({info.pieces[m.left].piece, info.pieces[m.right].piece});
    return out;
}

json special_token(const std::string& piece, int type_id) {
    return {{"SpecialToken", {{"id", piece}, {"type_id", type_id}}}};
}

// "<s> $A </s>" for add_bos / add_eos; the pair template repeats it for $B with type id 1.
json template_of(const SpecialTokens& st, const char* sequence, int type_id) {
    json t = json::array();
    if (st.add_bos) t.push_back(special_token(st.bos, type_id));
    t.push_back({{"Sequence", {{"id", sequence}, {"type_id", type_id}}}});
    if (st.add_eos) t.push_back(special_token(st.eos, type_id));
    return t;
}

}  // namespace

json sentencepiece_to_tokenizer_json(const SpmTokenizer& spm) {
    const SpmModelInfo& info = spm.model_info();
    if (info.model_type != 2)
        throw TokenizerError(file_problem(spm.origin(), -1, -1, "spm_convert_not_bpe", {std::to_string(info.model_type)}));
    if (info.normalizer_name != "identity" || info.remove_extra_whitespaces || !info.escape_whitespaces)
        throw TokenizerError(file_problem(spm.origin(), -1, -1, "spm_convert_normalizer", {info.normalizer_name}));
    json vocab = json::object();
    json added = json::array();
    bool has_bytes = false;
    for (size_t id = 0; id < info.pieces.size(); ++id) {
        const SpmPiece& p = info.pieces[id];
        vocab[p.piece] = id;
        has_bytes = has_bytes || p.type == LATHE_SPM_BYTE;
        const bool special = p.type == LATHE_SPM_CONTROL || p.type == LATHE_SPM_UNKNOWN;
        // As transformers' converter: user-defined pieces become added tokens that are not special.
        if (special || p.type == LATHE_SPM_USER_DEFINED) {
            added.push_back({{"id", id}, {"content", p.piece}, {"single_word", false}, {"lstrip", false},
                             {"rstrip", false}, {"normalized", false}, {"special", special}});
        }
    }
    const json replace_space = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kMetaspace}};
    json normalizer = info.add_dummy_prefix
                          ? json{{"type", "Sequence"}, {"normalizers", {{{"type", "Prepend"}, {"prepend", kMetaspace}}, replace_space}}}
                          : replace_space;
    json decoders = {{{"type", "Replace"}, {"pattern", {{"String", kMetaspace}}}, {"content", " "}},
                     {{"type", "ByteFallback"}},
                     {{"type", "Fuse"}}};
    if (info.add_dummy_prefix) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});

    const SpecialTokens& st = spm.special();
    const json single = template_of(st, "A", 0);
    json pair = single;
    for (const json& item : template_of(st, "B", 1)) pair.push_back(item);
    json specials = json::object();
    for (const json& item : single) {
        if (!item.contains("SpecialToken")) continue;
        const std::string name = item["SpecialToken"]["id"].get<std::string>();
        specials[name] = {{"id", name}, {"ids", {spm.token_to_id(name)}}, {"tokens", {name}}};
    }
    const int32_t unk = st.unk_id;
    return {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", added},
        {"normalizer", normalizer},
        {"pre_tokenizer", nullptr},
        {"post_processor", {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}}},
        {"decoder", {{"type", "Sequence"}, {"decoders", decoders}}},
        {"model",
         {{"type", "BPE"},
          {"dropout", nullptr},
          {"unk_token", unk >= 0 ? json(info.pieces[unk].piece) : json(nullptr)},
          {"continuing_subword_prefix", nullptr},
          {"end_of_word_suffix", nullptr},
          {"fuse_unk", true},
          {"byte_fallback", has_bytes},
          {"ignore_merges", false},
          {"vocab", vocab},
          {"merges", merges_of(info)}}},
    };
}

}  // namespace lathe
