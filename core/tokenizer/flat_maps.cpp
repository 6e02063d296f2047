#include "core/tokenizer/flat_maps.h"

namespace lathe {

namespace {

// A power of two at least twice `n` (load factor <= 0.5), and its log2.
size_t capacity_for(size_t n, int& log2) {
    size_t cap = 16;
    log2 = 4;
    while (cap < n * 2) {
        cap <<= 1;
        ++log2;
    }
    return cap;
}

}  // namespace

void TokenIndex::build(const std::vector<std::string>& tokens, const std::vector<bool>& present) {
    tokens_ = &tokens;
    int log2 = 0;
    slots_.assign(capacity_for(tokens.size(), log2), Slot{0, -1});
    mask_ = slots_.size() - 1;
    for (size_t id = 0; id < tokens.size(); ++id) {
        if (!present[id]) continue;
        const uint64_t h = hash(tokens[id]);
        size_t i = h & mask_;
        while (slots_[i].id >= 0) i = (i + 1) & mask_;
        slots_[i] = Slot{h, static_cast<int32_t>(id)};
    }
}

void MergeTable::reserve(size_t n) {
    int log2 = 0;
    keys_.assign(capacity_for(n, log2), kEmpty);
    values_.assign(keys_.size(), Merge{0, 0});
    mask_ = keys_.size() - 1;
    shift_ = 64 - log2;
    size_ = 0;
}

void MergeTable::insert(int32_t left, int32_t right, Merge m) {
    if (keys_.empty() || (size_ + 1) * 2 > keys_.size()) {
        // Grow: rehash what is there into twice the room.
        std::vector<uint64_t> old_keys = std::move(keys_);
        std::vector<Merge> old_values = std::move(values_);
        reserve(old_keys.size() + 16);
        for (size_t i = 0; i < old_keys.size(); ++i)
            if (old_keys[i] != kEmpty) insert(int32_t(old_keys[i] >> 32), int32_t(old_keys[i] & 0xFFFFFFFF), old_values[i]);
    }
    const uint64_t k = key(left, right);
    size_t i = slot(k);
    while (keys_[i] != kEmpty && keys_[i] != k) i = (i + 1) & mask_;
    if (keys_[i] == kEmpty) ++size_;
    keys_[i] = k;
    values_[i] = m;
}

}  // namespace lathe
