// lathe-cli data CONFIG.yaml [key=value ...]: the data workshop headless. Cleans, scrubs, filters and
// deduplicates a corpus into a registered dataset and writes output_dir/data_report.json.
#include "app/cli/common.h"
#include "core/corpus/corpus_config.h"
#include "core/corpus/pipeline.h"
#include "core/util/error.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace lathe::cli {

namespace {

std::atomic<bool> g_data_cancel{false};

void on_data_sigint(int) {
    if (g_data_cancel.exchange(true)) _exit(130);
    const char msg[] = "\nstopping (the output folder stays as it was)...\n";
    (void)!write(2, msg, sizeof msg - 1);
}

}  // namespace

int cmd_data(int argc, char** argv) {
    if (wants_help(argc, argv) || argc < 3) {
        std::puts(
            "usage: lathe-cli data CONFIG.yaml [key=value ...]   or   lathe-cli data key=value ...\n"
            "Cleans a corpus into a dataset: normalise, clean, scrub personal data, filter, deduplicate.\n"
            "keys: data_files (comma list of files or folders), data_format (auto|text|json|jsonl|csv|tsv), text_column,\n"
            "      columns (target=source pairs, e.g. instruction=question,output=answer), dataset and dataset_dir\n"
            "      (registered datasets read with their column maps),\n"
            "      output_dir, output_format (text|alpaca|sharegpt), dataset_name, steps (order, e.g.\n"
            "      normalize,clean,pii,length,quality,script,dedup), normalize (none|nfc|nfkc), clean_whitespace,\n"
            "      dedup (none|exact|minhash), minhash_threshold, minhash_num_perm, minhash_ngram, pii (none|mask|drop),\n"
            "      min_chars, max_chars, quality_filters, script_filter (none|hangul|latin|cjk), min_script_share,\n"
            "      examples, threads\n"
            "tokenizer lab: train_tokenizer, tokenizer_type (bpe|unigram|byte_bpe), tokenizer_vocab_size, character_coverage,\n"
            "      byte_fallback, special_tokens, compare_tokenizers (comma list of folders), tokenizer_sentence\n"
            "Writes output_dir/<dataset_name>.jsonl, registers it in output_dir/dataset_info.json, writes every removed\n"
            "record to output_dir/<dataset_name>.removed.jsonl and output_dir/data_report.json with every step's counts.");
        return argc < 3 ? 2 : 0;
    }
    CorpusConfig config = config_from_args<CorpusConfig>(argc, argv);
    for (int i = first_override(argc, argv); i < argc; ++i) config.apply_override(argv[i]);

    const bool tty = isatty(2);
    CorpusEvents events;
    events.on_progress = [&](double f, const std::string& what) {
        if (tty) draw_fraction_bar(f, what);
    };
    events.on_message = [&](const std::string& level, const Problem& line) {
        if (tty) std::fprintf(stderr, "\r\033[K");
        std::fprintf(stderr, "%s: %s\n", level.c_str(), line.message.c_str());
    };
    events.on_unreadable = [&](const Problem& p) { events.on_message("warning", p); };
    std::signal(SIGINT, on_data_sigint);
    const CorpusSummary s = run_corpus(config, events, &g_data_cancel);
    std::signal(SIGINT, SIG_DFL);
    if (tty) std::fprintf(stderr, "\r\033[K");
    if (s.status == CorpusSummary::Status::Cancelled) {
        std::fprintf(stderr, "stopped: %s\n", s.message.c_str());
        return 130;
    }
    if (s.status == CorpusSummary::Status::Failed) {
        if (s.problems.empty()) std::fprintf(stderr, "lathe-cli data: error: %s\n", s.message.c_str());
        for (const Problem& p : s.problems) std::fprintf(stderr, "lathe-cli data: error: %s\n", p.message.c_str());
        return 1;
    }
    const CorpusReport& r = s.report;
    std::printf("%zu records in (%s), %zu out (%s) in %.1f s\n", r.input_records, human_bytes(double(r.input_bytes)).c_str(),
                r.output_records, human_bytes(double(r.output_bytes)).c_str(), r.seconds);
    for (const CorpusStepReport& step : r.steps)
        std::printf("  %-10s removed %8zu  changed %8zu  %7.2f s\n", step.name.c_str(), step.removed, step.changed,
                    step.seconds);
    std::string pii;
    for (size_t k = 0; k < kPiiKinds; ++k)
        if (r.pii[k]) pii += std::string(pii.empty() ? "" : ", ") + pii_kind_name(PiiKind(k)) + " " + std::to_string(r.pii[k]);
    if (!pii.empty()) std::printf("personal data found: %s\n", pii.c_str());
    if (r.errors.size() > 10)
        std::fprintf(stderr, "warning: %zu unreadable records in all (the first 100 are in the report)\n",
                     r.steps.front().removed);
    if (!r.tokenizer_dir.empty()) std::printf("tokenizer trained: %s\n", r.tokenizer_dir.c_str());
    if (!r.tokenizers.empty()) {
        std::printf("tokenizers on %zu held-out records:\n  %-24s %8s %12s %12s %10s\n", r.heldout_records, "name",
                    "vocab", "tokens/word", "tokens/char", "byte share");
        for (const TokenizerReport& t : r.tokenizers) {
            if (!t.error.empty()) {
                std::printf("  %-24s %s\n", t.name.c_str(), t.error.c_str());
                continue;
            }
            std::printf("  %-24s %8d %12.2f %12.3f %9.1f%%\n", t.name.c_str(), t.vocab_size, t.tokens_per_word,
                        t.tokens_per_char, 100 * t.byte_share);
        }
    }
    std::printf("dataset '%s': %s (registered in %s)\nreport: %s\n", r.dataset_name.c_str(), r.output_file.c_str(),
                r.dataset_info_file.c_str(), r.report_file.c_str());
    return 0;
}

}  // namespace lathe::cli
