// The 64-bit hashing the data workshop's steps share: FNV-1a over bytes, finished by a mixer (the
// MurmurHash3 finaliser) so that nearby inputs land far apart.
#pragma once
#include <cstdint>
#include <string_view>

namespace lathe::corpus_hash {

inline uint64_t mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

inline uint64_t bytes(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    return mix(h);
}

}  // namespace lathe::corpus_hash
