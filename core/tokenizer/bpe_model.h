// The BPE model of tokenizer.json: vocabulary, merges ranked by their position in the file, and the
// options Hugging Face's BPE honours (unk, byte_fallback, fuse_unk, ignore_merges, subword affixes).
// Merging follows tokenizers' Word::merge_all: lowest rank first, leftmost first among equal ranks.
#pragma once
#include "core/tokenizer/flat_maps.h"

#include <nlohmann/json_fwd.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lathe {

class BpeModel {
public:
    // `model` is tokenizer.json's "model" object; `where` names it in errors.
    static std::unique_ptr<BpeModel> from_json(const nlohmann::json& model, const std::string& where);

    // Appends the ids of one pre-tokenized word. Thread-safe; results for short words are cached.
    void tokenize(std::string_view word, std::vector<int32_t>& out) const;

    int32_t token_to_id(std::string_view token) const;
    // nullptr when `id` has no entry.
    const std::string* id_to_token(int32_t id) const;
    // Max id + 1.
    int32_t size() const { return static_cast<int32_t>(id_to_token_.size()); }
    bool byte_fallback() const { return byte_fallback_; }
    const std::string& unk_token() const { return unk_token_; }

private:
    void load_vocab(const nlohmann::json& vocab, const std::string& where);
    void load_merges(const nlohmann::json& merges, const std::string& where);
    // The ids of `word` before merging: one per character, byte tokens or unk for unknown characters.
    void initial_symbols(std::string_view word, std::vector<int32_t>& ids, std::vector<uint32_t>& lengths) const;
    void merge_word(std::string_view word, std::vector<int32_t>& out) const;

    std::vector<std::string> id_to_token_;
    std::vector<bool> has_id_;  // false for gaps in the ids
    TokenIndex vocab_;          // over id_to_token_
    MergeTable merges_;
    std::string unk_token_;
    int32_t unk_id_ = -1;
    bool byte_fallback_ = false;
    bool fuse_unk_ = false;
    bool ignore_merges_ = false;
    std::string continuing_subword_prefix_;
    std::string end_of_word_suffix_;
    int32_t byte_ids_[256];  // "<0xNN>" ids for byte_fallback, -1 when absent

    // Word -> ids. Cleared when full: simpler than LRU and as good for text with a stable vocabulary.
    static constexpr size_t kCacheCapacity = 1 << 17;
    static constexpr size_t kMaxCachedWordBytes = 256;
    mutable std::shared_mutex cache_mutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace lathe
