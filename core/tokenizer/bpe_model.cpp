#include "core/tokenizer/bpe_model.h"

#include "core/tokenizer/json_place.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <queue>

namespace lathe {

using json = nlohmann::json;

std::unique_ptr<BpeModel> BpeModel::from_json(const json& model, const std::string& where) {
    auto m = std::unique_ptr<BpeModel>(new BpeModel());
    try {
        auto str_or_empty = [&](const char* key) {
            const auto it = model.find(key);
            return it == model.end() || it->is_null() ? std::string() : it->get<std::string>();
        };
        m->unk_token_ = str_or_empty("unk_token");
        m->continuing_subword_prefix_ = str_or_empty("continuing_subword_prefix");
        m->end_of_word_suffix_ = str_or_empty("end_of_word_suffix");
        auto flag = [&](const char* key) {
            const auto it = model.find(key);
            return it != model.end() && it->is_boolean() && it->get<bool>();
        };
        m->byte_fallback_ = flag("byte_fallback");
        m->fuse_unk_ = flag("fuse_unk");
        m->ignore_merges_ = flag("ignore_merges");
        if (!model.contains("vocab") || !model.at("vocab").is_object())
            throw TokenizerError(tokenizer_json_problem(where + ".vocab", "tokenizer_json_vocab_missing", {}));
        m->load_vocab(model.at("vocab"), where + ".vocab");
        if (model.contains("merges")) m->load_merges(model.at("merges"), where + ".merges");
    } catch (const json::exception& e) {
        throw TokenizerError(tokenizer_json_exception_problem(where, e.id, e.what()));
    }
    if (!m->unk_token_.empty()) {
        m->unk_id_ = m->token_to_id(m->unk_token_);
        if (m->unk_id_ < 0)
            throw TokenizerError(tokenizer_json_problem(where + ".unk_token", "tokenizer_json_not_in_vocab", {m->unk_token_}));
    }
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        m->byte_ids_[b] = m->token_to_id(name);
    }
    return m;
}

void BpeModel::load_vocab(const json& vocab, const std::string& where) {
    int32_t max_id = -1;
    for (const auto& [token, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
            throw TokenizerError(tokenizer_json_problem(where, "tokenizer_json_vocab_id", {token, id.dump()}));
        max_id = std::max(max_id, id.get<int32_t>());
    }
    id_to_token_.assign(static_cast<size_t>(max_id + 1), std::string());
    has_id_.assign(id_to_token_.size(), false);
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        const auto id = it.value().get<size_t>();
        id_to_token_[id] = it.key();
        has_id_[id] = true;
    }
    vocab_.build(id_to_token_, has_id_);
}

void BpeModel::load_merges(const json& merges, const std::string& where) {
    if (!merges.is_array()) throw TokenizerError(tokenizer_json_problem(where, "tokenizer_json_merges_type", {}));
    merges_.reserve(merges.size());  // the table grows if needed
    const size_t prefix_len = continuing_subword_prefix_.size();
    std::string joined;
    for (size_t i = 0; i < merges.size(); ++i) {
        const json& m = merges[i];
        std::string_view a, b;
        // tokenizers < 0.20 wrote "a b"; newer files write ["a", "b"] so that tokens may hold spaces.
        if (m.is_string()) {
            const std::string& s = m.get_ref<const std::string&>();
            const size_t sp = s.find(' ');
            if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
                throw TokenizerError(tokenizer_json_problem(where + "[" + std::to_string(i) + "]", "tokenizer_json_merge_text", {s}));
            a = std::string_view(s).substr(0, sp);
            b = std::string_view(s).substr(sp + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            a = m[0].get_ref<const std::string&>();
            b = m[1].get_ref<const std::string&>();
        } else {
            throw TokenizerError(tokenizer_json_problem(where + "[" + std::to_string(i) + "]", "tokenizer_json_merge_type", {m.dump()}));
        }
        joined.assign(a);
        joined.append(b.substr(std::min(prefix_len, b.size())));
        const int32_t ia = token_to_id(a), ib = token_to_id(b), inew = token_to_id(joined);
        if (ia < 0 || ib < 0 || inew < 0) {
            const std::string missing(ia < 0 ? a : ib < 0 ? b : std::string_view(joined));
            throw TokenizerError(tokenizer_json_problem(where + "[" + std::to_string(i) + "]", "tokenizer_json_merge_not_in_vocab", {missing}));
        }
        // A pair listed twice keeps its later rank, as in Hugging Face.
        merges_.insert(ia, ib, {static_cast<int32_t>(i), inew});
    }
}

int32_t BpeModel::token_to_id(std::string_view token) const { return vocab_.find(token); }

const std::string* BpeModel::id_to_token(int32_t id) const {
    if (id < 0 || id >= size() || !has_id_[id]) return nullptr;
    return &id_to_token_[id];
}

void BpeModel::initial_symbols(std::string_view word, std::vector<int32_t>& ids, std::vector<uint32_t>& lengths) const {
    std::string piece;
    int32_t pending_unk_len = 0;  // bytes covered by an unk waiting to be emitted (fuse_unk)
    auto flush_unk = [&] {
        if (pending_unk_len > 0) {
            ids.push_back(unk_id_);
            lengths.push_back(static_cast<uint32_t>(pending_unk_len));
            pending_unk_len = 0;
        }
    };
    for (size_t i = 0; i < word.size();) {
        const size_t start = i;
        utf8::next(word, i);
        const std::string_view ch = word.substr(start, i - start);
        const std::string_view* lookup = &ch;
        std::string_view affixed;
        if ((start > 0 && !continuing_subword_prefix_.empty()) || (i == word.size() && !end_of_word_suffix_.empty())) {
            piece.clear();
            if (start > 0) piece += continuing_subword_prefix_;
            piece.append(ch);
            if (i == word.size()) piece += end_of_word_suffix_;
            affixed = piece;
            lookup = &affixed;
        }
        const int32_t id = token_to_id(*lookup);
        if (id >= 0) {
            flush_unk();
            ids.push_back(id);
            lengths.push_back(static_cast<uint32_t>(ch.size()));
            continue;
        }
        if (byte_fallback_) {
            bool all = true;
            for (unsigned char c : *lookup) all = all && byte_ids_[c] >= 0;
            if (all) {
                flush_unk();
                for (unsigned char c : *lookup) {
                    ids.push_back(byte_ids_[c]);
                    lengths.push_back(1);
                }
                continue;
            }
        }
        // Without an unk token Hugging Face drops the character; so do we.
        if (unk_id_ < 0) continue;
        if (!fuse_unk_) flush_unk();
        pending_unk_len += static_cast<int32_t>(ch.size());
    }
    flush_unk();
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& out) const {
    std::vector<int32_t> ids;
    std::vector<uint32_t> lengths;
    initial_symbols(word, ids, lengths);
    const int n = static_cast<int>(ids.size());
    if (n <= 1 || merges_.size() == 0) {
        out.insert(out.end(), ids.begin(), ids.end());
        return;
    }
    // A doubly linked list over the symbols; merged-away symbols get len 0.
    std::vector<int> prev(n), next(n);
    for (int i = 0; i < n; ++i) {
        prev[i] = i - 1;
        next[i] = i + 1 < n ? i + 1 : -1;
    }
    struct Candidate {
        int32_t rank;
        int pos;
        int32_t new_id;
        bool operator<(const Candidate& o) const {  // priority_queue pops the largest: invert
            return rank != o.rank ? rank > o.rank : pos > o.pos;
        }
    };
    std::priority_queue<Candidate> queue;
    auto push_pair = [&](int left) {
        const int right = next[left];
        if (left < 0 || right < 0) return;
        if (const MergeTable::Merge* m = merges_.find(ids[left], ids[right])) queue.push({m->rank, left, m->new_id});
    };
    for (int i = 0; i + 1 < n; ++i) push_pair(i);
    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        const int left = top.pos;
        if (lengths[left] == 0 || next[left] < 0) continue;
        const int right = next[left];
        // Stale entry: the pair at `left` changed since it was queued.
        const MergeTable::Merge* m = merges_.find(ids[left], ids[right]);
        if (!m || m->new_id != top.new_id) continue;
        ids[left] = top.new_id;
        lengths[left] += lengths[right];
        lengths[right] = 0;
        next[left] = next[right];
        if (next[right] >= 0) prev[next[right]] = left;
        if (prev[left] >= 0) push_pair(prev[left]);
        push_pair(left);
    }
    for (int i = 0; i >= 0; i = next[i]) out.push_back(ids[i]);
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
    if (word.empty()) return;
    // Llama 3: a word that is itself a vocabulary entry is taken whole, even if merges would split it.
    if (ignore_merges_) {
        const int32_t id = token_to_id(word);
        if (id >= 0) {
            out.push_back(id);
            return;
        }
    }
    const bool cacheable = word.size() < kMaxCachedWordBytes;
    std::string key;
    if (cacheable) {
        key.assign(word);
        std::shared_lock<std::shared_mutex> lock(cache_mutex_);
        auto it = cache_.find(key);
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const size_t first = out.size();
    merge_word(word, out);
    if (!cacheable) return;
    std::unique_lock<std::shared_mutex> lock(cache_mutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(std::move(key), std::vector<int32_t>(out.begin() + static_cast<long>(first), out.end()));
}

}  // namespace lathe
