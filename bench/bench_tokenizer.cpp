// Tokenizer load time and single-threaded encode throughput on the real tokenizers.
// Usage: bench-tokenizer [SHARED_TOKENIZERS_DIR]   (default ../shared/tokenizers)
// Targets (Release): Llama 3 tokenizer.json loads in under 1.5 s and encodes English at > 1 MB/s.
#include "core/tokenizer/tokenizer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace lathe;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ~2 MB of English-like prose: common words, capitals, numbers and punctuation, in 2 KB records.
std::vector<std::string> english_records(size_t total_bytes) {
    static const char* words[] = {
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on",
        "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they",
        "you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when",
        "will", "would", "who", "so", "no", "model", "training", "learning", "language", "tokenizer", "data",
        "people", "government", "information", "development", "experience", "understanding", "particularly",
        "nevertheless", "approximately", "architecture", "performance", "evaluation", "distribution",
        "Monday", "London", "Python", "GPU", "LoRA", "don't", "it's", "we'll", "they've", "I'm",
    };
    std::mt19937 rng(42);
    std::vector<std::string> records(1);
    size_t total = 0;
    while (total < total_bytes) {
        std::string& rec = records.back();
        const int sentence = 6 + static_cast<int>(rng() % 14);
        for (int i = 0; i < sentence; ++i) {
            std::string w = words[rng() % (sizeof words / sizeof *words)];
            if (i == 0) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
            rec += w;
            if (rng() % 23 == 0) rec += " " + std::to_string(rng() % 10000);
            rec += i + 1 < sentence ? (rng() % 11 == 0 ? ", " : " ") : ". ";
        }
        if (rec.size() >= 2048) {
            total += rec.size();
            records.emplace_back();
        }
    }
    records.pop_back();
    return records;
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path base = argc > 1 ? argv[1] : "../shared/tokenizers";
    const auto records = english_records(2'000'000);
    struct Run {
        const char* name;
        TokenizerSource source;
    };
    std::printf("| tokenizer | kind | load (s) | encode, first pass (MB/s) | second pass (MB/s) | bytes/token |\n");
    std::printf("| --- | --- | --- | --- | --- | --- |\n");
    for (const Run& run : {Run{"llama3", TokenizerSource::Auto}, Run{"qwen3", TokenizerSource::Auto},
                           Run{"llama2", TokenizerSource::TokenizerJson}, Run{"llama2", TokenizerSource::SentencePieceModel}}) {
        const auto dir = base / run.name;
        if (!std::filesystem::is_directory(dir)) {
            std::fprintf(stderr, "skipping %s: %s not found\n", run.name, dir.c_str());
            continue;
        }
        auto t0 = std::chrono::steady_clock::now();
        auto tok = Tokenizer::from_dir(dir.string(), run.source);
        const double load_s = seconds_since(t0);
        double mbps[2] = {0, 0};
        size_t bytes = 0, tokens = 0;
        for (double& m : mbps) {
            bytes = tokens = 0;
            t0 = std::chrono::steady_clock::now();
            for (const auto& r : records) {
                tokens += tok->encode(r).size();
                bytes += r.size();
            }
            m = bytes / 1e6 / seconds_since(t0);
        }
        std::printf("| %s | %s | %.3f | %.2f | %.2f | %.2f |\n", run.name, tok->kind().c_str(), load_s, mbps[0], mbps[1],
                    static_cast<double>(bytes) / static_cast<double>(tokens));
    }
    return 0;
}
