#include "core/corpus/dedup.h"

#include "core/corpus/hash.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace lathe {

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
char fold(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// The multipliers and offsets of the permutations: fixed, so that signatures are the same in every run.
const std::vector<std::pair<uint64_t, uint64_t>>& permutations() {
    static const std::vector<std::pair<uint64_t, uint64_t>> perms = [] {
        std::mt19937_64 rng(0x1a7e5eedULL);
        std::vector<std::pair<uint64_t, uint64_t>> p;
        for (int i = 0; i < 1024; ++i) {
            const uint64_t a = rng() | 1, b = rng();
            p.emplace_back(a, b);
        }
        return p;
    }();
    return perms;
}

double integrate(double (*f)(double, int, int), double a, double b, int bands, int rows) {
    const int steps = 200;
    const double h = (b - a) / steps;
    double sum = 0;
    for (int i = 0; i < steps; ++i) sum += f(a + (i + 0.5) * h, bands, rows) * h;
    return sum;
}

double false_positive(double s, int b, int r) { return 1 - std::pow(1 - std::pow(s, r), b); }
double false_negative(double s, int b, int r) { return 1 - (1 - std::pow(1 - std::pow(s, r), b)); }

}  // namespace

Hash128 exact_key(std::string_view text) {
    uint64_t a = 0x243f6a8885a308d3ULL, b = 0x13198a2e03707344ULL;
    bool space = false, started = false;
    for (const char raw : text) {
        if (is_space(raw)) {
            space = started;
            continue;
        }
        if (space) {
            a = (a ^ uint64_t(' ')) * 0x100000001b3ULL;
            b = (b + uint64_t(' ')) * 0x9e3779b97f4a7c15ULL;
            b ^= b >> 29;
        }
        space = false;
        started = true;
        const auto c = static_cast<unsigned char>(fold(raw));
        a = (a ^ c) * 0x100000001b3ULL;
        b = (b + c) * 0x9e3779b97f4a7c15ULL;
        b ^= b >> 29;
    }
    return {corpus_hash::mix(a), corpus_hash::mix(b ^ a)};
}

int64_t ExactDedup::check(const Hash128& key, int64_t id) {
    const auto [it, inserted] = seen_.emplace(key, id);
    return inserted ? -1 : it->second;
}

std::pair<int, int> lsh_bands(int num_perm, double threshold) {
    double best = std::numeric_limits<double>::max();
    std::pair<int, int> out{1, num_perm};
    for (int b = 1; b <= num_perm; ++b)
        for (int r = 1; r * b <= num_perm; ++r) {
            const double err = integrate(false_positive, 0, threshold, b, r) + integrate(false_negative, threshold, 1, b, r);
            if (err < best) best = err, out = {b, r};
        }
    return out;
}

void minhash_signature(std::string_view text, const MinHashParams& params, std::vector<uint32_t>& out) {
    const auto& perms = permutations();
    out.assign(size_t(params.num_perm), std::numeric_limits<uint32_t>::max());
    // Word hashes (ASCII case folded).
    std::vector<uint64_t> words;
    size_t chars = 0;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_space(text[i])) ++i;
        if (i >= text.size()) break;
        uint64_t h = 0xcbf29ce484222325ULL;
        while (i < text.size() && !is_space(text[i])) {
            chars += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
            h = (h ^ static_cast<unsigned char>(fold(text[i++]))) * 0x100000001b3ULL;
        }
        words.push_back(corpus_hash::mix(h));
    }
    // Text written without spaces (Chinese, Japanese): characters are the units instead of words.
    if (!words.empty() && chars > 12 * words.size()) {
        words.clear();
        size_t k = 0;
        while (k < text.size()) {
            if (is_space(text[k])) {
                ++k;
                continue;
            }
            const size_t start = k++;
            while (k < text.size() && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) ++k;
            words.push_back(corpus_hash::bytes(text.substr(start, k - start)));
        }
    }
    if (words.empty()) words.push_back(0);
    const size_t n = std::min(size_t(std::max(1, params.ngram)), words.size());
    const size_t shingles = words.size() - n + 1;
    uint32_t* sig = out.data();
    const int np = params.num_perm;
    for (size_t at = 0; at < shingles; ++at) {
        uint64_t h = 0x9e3779b97f4a7c15ULL;
        for (size_t k = 0; k < n; ++k) h = corpus_hash::mix(h ^ words[at + k]) + k;
        for (int p = 0; p < np; ++p) {
            const uint32_t v = uint32_t((h * perms[size_t(p)].first + perms[size_t(p)].second) >> 32);
            sig[p] = std::min(sig[p], v);
        }
    }
}

double signature_similarity(const uint32_t* a, const uint32_t* b, int num_perm) {
    int same = 0;
    for (int i = 0; i < num_perm; ++i) same += a[i] == b[i];
    return double(same) / double(num_perm);
}

MinHashLsh::MinHashLsh(const MinHashParams& params) : params_(params) {
    std::tie(bands_, rows_) = lsh_bands(params.num_perm, params.threshold);
    tables_.resize(size_t(bands_));
}

std::pair<int64_t, double> MinHashLsh::check(const std::vector<uint32_t>& signature, int64_t id) {
    const int np = params_.num_perm;
    std::vector<uint64_t> keys(static_cast<size_t>(bands_));
    for (int b = 0; b < bands_; ++b) {
        uint64_t h = 0x51ed270b27eb3a1dULL + uint64_t(b);
        for (int r = 0; r < rows_; ++r) h = corpus_hash::mix(h ^ signature[size_t(b * rows_ + r)]);
        keys[size_t(b)] = h;
        const auto it = tables_[size_t(b)].find(h);
        if (it == tables_[size_t(b)].end()) continue;
        const double sim = signature_similarity(signature.data(), &signatures_[size_t(it->second) * size_t(np)], np);
        if (sim >= params_.threshold) return {ids_[it->second], sim};
    }
    const auto index = static_cast<uint32_t>(ids_.size());
    ids_.push_back(id);
    signatures_.insert(signatures_.end(), signature.begin(), signature.end());
    for (int b = 0; b < bands_; ++b) tables_[size_t(b)].emplace(keys[size_t(b)], index);
    return {-1, 0.0};
}

}  // namespace lathe
