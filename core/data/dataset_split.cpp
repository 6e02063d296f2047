#include "core/data/dataset_split.h"

#include "core/util/error.h"
#include "core/util/messages.h"

#include <cmath>
#include <sstream>

namespace lathe {

uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
    // Values below 2^64 mod bound would make the low results more likely; draw again instead.
    const uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        const uint64_t r = rng();
        if (r >= threshold) return r % bound;
    }
}

std::vector<size_t> seeded_permutation(size_t n, uint64_t seed) {
    std::vector<size_t> p(n);
    for (size_t i = 0; i < n; ++i) p[i] = i;
    std::mt19937_64 rng(seed);
    for (size_t i = n; i > 1; --i) std::swap(p[i - 1], p[uniform_below(rng, i)]);
    return p;
}

std::vector<size_t> seeded_sample_indices(size_t n, size_t count, uint64_t seed) {
    std::vector<size_t> out = seeded_permutation(n, seed);
    if (count <= n) {
        out.resize(count);
        return out;
    }
    std::mt19937_64 rng(seed ^ 0x9E3779B97F4A7C15ull);  // a stream apart from the permutation's
    while (out.size() < count) out.push_back(uniform_below(rng, n));
    return out;
}

namespace {

std::string number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

size_t validation_count(double val_size, size_t n) {
    if (!std::isfinite(val_size) || val_size < 0)
        throw ConfigError(plain_problem("val_size_not_fraction", {number(val_size)}));
    if (val_size < 1) return static_cast<size_t>(std::ceil(val_size * static_cast<double>(n)));
    if (val_size != std::floor(val_size))
        throw ConfigError(plain_problem("val_size_not_whole", {number(val_size)}));
    return static_cast<size_t>(val_size);
}

}  // namespace

SplitSamples split_validation(std::vector<Sample> samples, double val_size, uint64_t seed) {
    const size_t n = samples.size();
    const size_t k = validation_count(val_size, n);
    SplitSamples out;
    if (k == 0) {
        out.train = std::move(samples);
        return out;
    }
    if (k >= n)
        throw ConfigError(
            plain_problem("val_size_leaves_none", {number(val_size), std::to_string(k), std::to_string(n)}));
    std::vector<char> is_val(n, 0);
    const std::vector<size_t> perm = seeded_permutation(n, seed);
    for (size_t i = 0; i < k; ++i) is_val[perm[i]] = 1;
    out.train.reserve(n - k);
    out.validation.reserve(k);
    for (size_t i = 0; i < n; ++i) (is_val[i] ? out.validation : out.train).push_back(std::move(samples[i]));
    return out;
}

}  // namespace lathe
