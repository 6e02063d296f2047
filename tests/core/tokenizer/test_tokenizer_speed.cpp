// Load time and single-threaded encode throughput of the real tokenizers. Targets (Release): Llama 3
// tokenizer.json loads in under 1.5 s and encodes English text at more than 1 MB/s.
#include "tests/registry.h"

#include "core/tokenizer/tokenizer.h"

#include <QtTest>

#include <chrono>
#include <random>

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
    records.pop_back();  // the empty record started last
    return records;
}

struct Throughput {
    double mb_per_s;
    size_t bytes, tokens;
};

Throughput measure(const Tokenizer& tok, const std::vector<std::string>& records) {
    size_t bytes = 0, tokens = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& r : records) {
        tokens += tok.encode(r).size();
        bytes += r.size();
    }
    return {bytes / 1e6 / seconds_since(t0), bytes, tokens};
}

}  // namespace

class TestTokenizerSpeed : public QObject {
    Q_OBJECT
private slots:
    void loadAndEncode() {
        const std::string dir = test::shared_tokenizer_dir("llama3");
        if (dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        const auto records = english_records(2'000'000);

        struct Run {
            std::string name;
            TokenizerSource source;
        };
        for (const Run& run : {Run{"llama3", TokenizerSource::Auto}, Run{"qwen3", TokenizerSource::Auto},
                               Run{"llama2", TokenizerSource::TokenizerJson}, Run{"llama2", TokenizerSource::SentencePieceModel}}) {
            const auto t0 = std::chrono::steady_clock::now();
            auto tok = Tokenizer::from_dir(test::shared_tokenizer_dir(run.name), run.source);
            const double load_s = seconds_since(t0);
            const Throughput cold = measure(*tok, records);
            const Throughput warm = measure(*tok, records);
            qInfo("%s (%s): load %.3f s, encode %.2f MB/s first pass, %.2f MB/s second pass, %.2f bytes/token",
                  run.name.c_str(), tok->kind().c_str(), load_s, cold.mb_per_s, warm.mb_per_s,
                  static_cast<double>(cold.bytes) / static_cast<double>(cold.tokens));
            QVERIFY(cold.tokens > 0 && cold.tokens == warm.tokens);
#ifdef NDEBUG
            if (run.name == "llama3") {
                QVERIFY2(load_s < 1.5, std::to_string(load_s).c_str());
                QVERIFY2(cold.mb_per_s > 1.0, std::to_string(cold.mb_per_s).c_str());
            }
#endif
        }
    }
};

LATHE_TEST(TestTokenizerSpeed)
#include "test_tokenizer_speed.moc"
