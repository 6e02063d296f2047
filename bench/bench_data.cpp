// bench-data: the data workshop's pipeline on a generated corpus. Writes --mb megabytes of documents (English
// and Korean word salad, 1-3 KB each) with planted exact duplicates, near-duplicates (one word changed) and
// personal data, then runs (A) the default steps with the quality filters and exact dedup, and (B) MinHash
// near-dedup alone, printing MB/s per step, peak RSS, and B's recall and precision on the planted pairs.
//
//   bench-data [--mb 200] [--dir /tmp/lathe-bench-data] [--threads 0]
#include "bench/proc_memory.h"
#include "core/corpus/corpus_config.h"
#include "core/corpus/pipeline.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

const char* kEnglish[] = {"river", "harbour", "morning", "light", "market", "garden", "winter", "letter", "station",
                          "window", "journey", "village", "mountain", "library", "kitchen", "teacher", "season",
                          "bridge", "forest", "island", "the", "a", "of", "and", "to", "in", "with", "over", "under",
                          "quietly", "carried", "opened", "found", "built", "walked", "wrote", "small", "old", "new"};
const char* kKorean[] = {"강물이", "아침에", "시장에서", "정원을", "겨울", "편지를", "기차역", "창문", "여행",
                         "마을의", "산길", "도서관", "부엌에서", "선생님", "계절이", "다리", "숲속", "섬에",
                         "조용히", "걸었다", "썼다", "작은", "오래된", "새로운", "그리고", "하지만", "있었다"};
const char* kPii[] = {"kim.minsu@example.com", "010-2345-6789", "900101-1234567", "4111 1111 1111 1111",
                      "192.168.10.20", "https://example.org/page?id=7", "+82 2-123-4567"};

struct Truth {
    std::set<std::string> near;   // ids of planted near-duplicates
    size_t exact = 0;             // planted exact copies
    size_t docs = 0;
};

std::string make_doc(std::mt19937& rng, const std::string& id) {
    const bool korean = rng() % 3 == 0;
    const size_t words = 150 + rng() % 300;
    std::string doc = "doc " + id;
    for (size_t w = 0; w < words; ++w) {
        doc += ' ';
        doc += korean ? kKorean[rng() % (sizeof kKorean / sizeof *kKorean)] : kEnglish[rng() % (sizeof kEnglish / sizeof *kEnglish)];
        if (w % 17 == 16) doc += '.';
    }
    if (rng() % 10 == 0) doc += std::string(" contact ") + kPii[rng() % (sizeof kPii / sizeof *kPii)];
    return doc + ".";
}

Truth generate(const std::string& path, double mb) {
    std::ofstream out(path, std::ios::binary);
    std::mt19937 rng(42);
    Truth t;
    const uint64_t target = uint64_t(mb * 1e6);
    uint64_t written = 0;
    std::string previous;
    size_t next_id = 0;
    while (written < target) {
        std::string doc;
        const unsigned roll = rng() % 100;
        if (roll < 5 && !previous.empty()) {  // exact copy of the previous document
            doc = previous;
            ++t.exact;
        } else if (roll < 10 && !previous.empty()) {  // near copy: a new id and one word changed mid-text
            const std::string id = "n" + std::to_string(next_id++);
            doc = "doc " + id + previous.substr(previous.find(' ', 4));
            const size_t mid = doc.find(' ', doc.size() / 2);
            doc.insert(mid, " changed");
            t.near.insert(id);
        } else {
            doc = make_doc(rng, "d" + std::to_string(next_id++));
        }
        out << doc << '\n';
        written += doc.size() + 1;
        previous = doc;
        ++t.docs;
    }
    return t;
}

std::set<std::string> kept_ids(const std::string& path) {
    std::set<std::string> ids;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const std::string text = nlohmann::json::parse(line)["text"];
        ids.insert(text.substr(4, text.find(' ', 4) - 4));
    }
    return ids;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

void print_run(const char* title, const CorpusReport& r) {
    const double mb = double(r.input_bytes) / 1e6;
    std::printf("\n%s: %.1f MB, %zu records in, %zu out, %.2f s overall (%.1f MB/s), peak RSS %.0f MiB\n", title, mb,
                r.input_records, r.output_records, r.seconds, mb / r.seconds, bench::mib_of("VmHWM:"));
    std::printf("  %-10s %9s %9s %8s %9s\n", "step", "removed", "changed", "seconds", "MB/s");
    double steps = 0;
    for (const CorpusStepReport& s : r.steps) {
        if (s.name == "decode") continue;
        steps += s.seconds;
        std::printf("  %-10s %9zu %9zu %8.2f %9.1f\n", s.name.c_str(), s.removed, s.changed, s.seconds,
                    s.seconds > 0 ? mb / s.seconds : 0.0);
    }
    std::printf("  %-10s %9s %9s %8.2f %9.1f   (reading, writing and the rest: %.2f s)\n", "all steps", "", "", steps,
                mb / steps, r.seconds - steps);
}

}  // namespace

int main(int argc, char** argv) {
    double mb = 200;
    std::string dir = "/tmp/lathe-bench-data";
    int threads = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--mb") mb = std::atof(argv[i + 1]);
        else if (a == "--dir") dir = argv[i + 1];
        else if (a == "--threads") threads = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr, "usage: bench-data [--mb 200] [--dir DIR] [--threads N]\n");
            return 2;
        }
    }
    fs::create_directories(dir);
    const std::string corpus = dir + "/corpus.txt";
    const auto t0 = std::chrono::steady_clock::now();
    const Truth truth = generate(corpus, mb);
    std::printf("generated %s: %zu documents, %zu exact copies, %zu near copies (%.1f s)\n", corpus.c_str(), truth.docs,
                truth.exact, truth.near.size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

    CorpusConfig a;
    a.data_files = corpus;
    a.output_dir = dir + "/out-a";
    a.quality_filters = true;
    a.min_chars = 100;
    a.threads = threads;
    reset_peak_rss();
    const CorpusSummary ra = run_corpus(a, {}, nullptr);
    if (ra.status != CorpusSummary::Status::Completed) {
        std::fprintf(stderr, "run A failed: %s\n", ra.message.c_str());
        return 1;
    }
    print_run("A: normalize nfc, clean, pii mask, length, quality, exact dedup", ra.report);
    std::printf("  personal data masked:");
    for (size_t k = 0; k < kPiiKinds; ++k) std::printf(" %s %zu", pii_kind_name(PiiKind(k)), ra.report.pii[k]);
    std::printf("\n");

    CorpusConfig b;
    b.data_files = corpus;
    b.output_dir = dir + "/out-b";
    b.normalize = "none";
    b.clean_whitespace = false;
    b.pii = "none";
    b.dedup = "minhash";
    b.threads = threads;
    reset_peak_rss();
    const CorpusSummary rb = run_corpus(b, {}, nullptr);
    if (rb.status != CorpusSummary::Status::Completed) {
        std::fprintf(stderr, "run B failed: %s\n", rb.message.c_str());
        return 1;
    }
    print_run("B: MinHash near-dedup alone (128 permutations, 5-grams, threshold 0.8)", rb.report);
    const std::set<std::string> kept = kept_ids(rb.report.output_file);
    size_t removed = 0, removed_planted = 0, near_found = 0;
    // A planted near copy has an id of its own; exact copies share their original's, and are all removed.
    for (const std::string& id : truth.near) near_found += kept.count(id) == 0;
    removed = rb.report.input_records - rb.report.output_records;
    removed_planted = near_found + truth.exact;
    std::printf("  near-duplicates found: %zu of %zu planted (recall %.3f); removed %zu records, of which planted "
                "copies %zu (precision %.3f); LSH %d bands x %d rows\n",
                near_found, truth.near.size(), double(near_found) / double(std::max<size_t>(1, truth.near.size())), removed,
                std::min(removed, removed_planted), double(std::min(removed, removed_planted)) / double(std::max<size_t>(1, removed)),
                rb.report.lsh_bands, rb.report.lsh_rows);
    return 0;
}
