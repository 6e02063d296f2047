// Text whose SentencePiece training takes seconds (about 3.4 s for a 16000-piece BPE on one thread of the
// AVX2 development VM): 60000 lines of 12 made-up words each (letters drawn at random), so an Abort can
// land while the trainer runs.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace lathe::test {

inline std::string made_up_corpus(uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::string> words;
    for (int i = 0; i < 20000; ++i) {
        std::string w;
        for (int k = 0, n = 3 + static_cast<int>(rng() % 8); k < n; ++k) w += static_cast<char>('a' + rng() % 26);
        words.push_back(w);
    }
    std::string corpus;
    for (int line = 0; line < 60000; ++line) {
        for (int w = 0; w < 12; ++w) corpus += (w ? " " : "") + words[rng() % words.size()];
        corpus += '\n';
    }
    return corpus;
}

}  // namespace lathe::test
