// Duplicate removal for the data workshop: exact (a 128-bit hash of the text with case and whitespace
// folded) and near-duplicate (MinHash signatures over word shingles, banded into an LSH index, each
// candidate confirmed by its estimated Jaccard similarity). Both keep the first record of a group.
#pragma once
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace lathe {

struct Hash128 {
    uint64_t lo = 0, hi = 0;
    bool operator==(const Hash128& o) const { return lo == o.lo && hi == o.hi; }
};

// The text with ASCII case folded and every run of whitespace read as one space, trimmed.
Hash128 exact_key(std::string_view text);

class ExactDedup {
public:
    // The id of the record already seen with the same key, or -1 (then `id` is remembered for it).
    int64_t check(const Hash128& key, int64_t id);
    size_t size() const { return seen_.size(); }

private:
    struct KeyHash {
        size_t operator()(const Hash128& h) const { return size_t(h.lo ^ (h.hi * 0x9e3779b97f4a7c15ULL)); }
    };
    std::unordered_map<Hash128, int64_t, KeyHash> seen_;
};

struct MinHashParams {
    int num_perm = 128;
    int ngram = 5;           // shingle size in words
    double threshold = 0.8;  // estimated Jaccard similarity that makes a duplicate
};

// LSH bands and rows for `num_perm` permutations at `threshold`, chosen as datasketch does: the (b, r) with
// b * r <= num_perm that minimises the false-positive plus false-negative probability mass.
std::pair<int, int> lsh_bands(int num_perm, double threshold);

// The signature of `text`: for each permutation the minimum over its shingles (word n-grams of the
// text with ASCII case folded; a text shorter than n words is one shingle). Text written without spaces
// (more than 12 characters a word: Chinese, Japanese) is shingled by characters instead.
void minhash_signature(std::string_view text, const MinHashParams& params, std::vector<uint32_t>& out);

// Share of equal positions: the estimate of the Jaccard similarity of two signatures.
double signature_similarity(const uint32_t* a, const uint32_t* b, int num_perm);

class MinHashLsh {
public:
    explicit MinHashLsh(const MinHashParams& params);
    // The id of a remembered record whose signature agrees on a band and is at least `threshold` similar,
    // with that similarity; {-1, 0} when there is none (then `signature` is remembered under `id`).
    std::pair<int64_t, double> check(const std::vector<uint32_t>& signature, int64_t id);
    int bands() const { return bands_; }
    int rows() const { return rows_; }
    size_t size() const { return ids_.size(); }

private:
    MinHashParams params_;
    int bands_ = 0, rows_ = 0;
    std::vector<std::unordered_map<uint64_t, uint32_t>> tables_;  // per band: band hash -> index into ids_
    std::vector<int64_t> ids_;
    std::vector<uint32_t> signatures_;  // ids_.size() x num_perm
};

}  // namespace lathe
