// One data-workshop run: read the corpus, pass each record through the enabled steps in order, write the
// kept records as a dataset registered in output_dir/dataset_info.json, every removed record with its step
// and reason beside it (<dataset_name>.removed.jsonl, not registered), and report what every step did
// (output_dir/data_report.json). Records stream through in batches, so memory grows with the dedup index
// (16 bytes a record for exact, num_perm x 4 bytes for MinHash), not with the corpus. Steps that look at one
// record at a time run on every core; deduplication decides in input order, so the result does not depend
// on the thread count.
#pragma once
#include "core/corpus/pii.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lathe {

struct CorpusConfig;

struct CorpusExample {
    std::string source;  // "<file>:<line>"
    std::string before;  // the text (removed records), or the text before the step (changed ones)
    std::string after;   // the text after the step; "" for removed records
    std::string reason;  // the rule or kind that removed it ("top_ngram", "duplicate of <source>")
    Problem problem;     // an unreadable record's problem (step "decode"; `reason` is its English message)
    std::string duplicate_of;  // step "dedup": the kept record's source (`reason` says it in English)
};

struct CorpusStepReport {
    std::string name;
    size_t removed = 0, changed = 0;
    double seconds = 0;
    std::vector<CorpusExample> removed_examples, changed_examples;
};

struct DuplicateCluster {
    std::string kept_source, kept_text;
    struct Member {
        std::string source, text;
        double similarity = 1.0;
    };
    std::vector<Member> duplicates;
    size_t size = 1;  // records in the cluster, the kept one included
};

// One tokenizer measured on the held-out sample (core/corpus/tokenizer_lab.h).
struct TokenizerReport {
    std::string name, path, kind, error;  // error: it could not be loaded (then nothing else is set)
    int vocab_size = 0;
    double tokens_per_word = 0, tokens_per_char = 0, byte_share = 0, unknown_share = 0;
    std::vector<std::string> sentence_pieces;
    bool trained_here = false;
};

struct CorpusReport {
    size_t input_records = 0, output_records = 0;
    uint64_t input_bytes = 0, output_bytes = 0;
    std::vector<CorpusStepReport> steps;  // "decode" first, then the enabled steps in order
    PiiCounts pii{};
    std::map<std::string, size_t> quality;  // rule -> records removed
    std::vector<DuplicateCluster> clusters;  // the first clusters found (up to 50)
    std::vector<Problem> errors;            // unreadable records, the first 100
    std::vector<CorpusExample> kept_examples;
    // Lengths of the kept records in characters: counts[i] records have length in [edges[i], edges[i + 1]).
    std::vector<uint64_t> length_edges;
    std::vector<uint64_t> length_counts;
    // Tokenizer lab: the trained tokenizer's folder, every tokenizer measured, and the token lengths of the
    // held-out sample under the first of them.
    std::string tokenizer_dir;
    std::vector<TokenizerReport> tokenizers;
    size_t heldout_records = 0;
    std::string token_length_tokenizer;
    std::vector<uint64_t> token_length_counts;  // over length_edges
    std::string output_file, report_file, dataset_info_file, dataset_name;
    std::string removed_file;  // every removed record: {"step", "source", "reason", "text"} per line
    double seconds = 0;
    int lsh_bands = 0, lsh_rows = 0;

    std::string to_json() const;  // data_report.json
};

struct CorpusEvents {
    // `what`: the file being read, or "" while a step that reads none runs (its note says which).
    std::function<void(double fraction, const std::string& what)> on_progress;
    NoteSink on_message;  // "info", "warning": a log line as data (English in its .message)
    // The first kUnreadableAsRead unreadable records, as they are read (all of the first 100 are in the report).
    std::function<void(const Problem&)> on_unreadable;
};

constexpr size_t kUnreadableAsRead = 10;

struct CorpusSummary {
    enum class Status { Completed, Cancelled, Failed };
    Status status = Status::Failed;
    std::string message;
    std::vector<Problem> problems;  // Failed before reading: every problem found
    CorpusReport report;
};

// Every problem found without reading the data: the settings, the input paths, the output folder and
// an existing dataset_info.json there.
std::vector<Problem> precheck_corpus(const CorpusConfig& config);

// Never throws for bad input: failures come back as Status::Failed with the message. An abort leaves the
// output folder as it was.
CorpusSummary run_corpus(const CorpusConfig& config, const CorpusEvents& events, const std::atomic<bool>* cancel);

}  // namespace lathe
