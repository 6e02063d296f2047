// Seeded shuffling, resampling and the train/validation split. Everything draws from
// std::mt19937_64 (whose output the C++ standard fixes) through our own bounded draw and
// Fisher-Yates, so a seed gives the same samples on every compiler and standard library.
#pragma once
#include "core/data/record.h"

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace lathe {

// Uniform integer in [0, bound) by rejection (no modulo bias); bound > 0.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound);

// A permutation of 0..n-1 (Fisher-Yates).
std::vector<size_t> seeded_permutation(size_t n, uint64_t seed);

// `count` indices into n records, as LLaMA-Factory's num_samples: a permutation covers every
// record once before any repeats; past n, the rest are drawn with replacement. n > 0.
std::vector<size_t> seeded_sample_indices(size_t n, size_t count, uint64_t seed);

struct SplitSamples {
    std::vector<Sample> train;
    std::vector<Sample> validation;
};

// Moves a seeded random subset into `validation`; both parts keep the original order.
// val_size < 1: a fraction (ceil(val_size * n) samples, as Hugging Face's train_test_split);
// val_size >= 1: a count, which must be a whole number. 0 keeps everything for training.
// Throws ConfigError for a negative or fractional count, or a split that leaves either side empty.
SplitSamples split_validation(std::vector<Sample> samples, double val_size, uint64_t seed);

}  // namespace lathe
