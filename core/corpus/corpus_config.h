// The settings of one data-workshop run (`lathe-cli data CONFIG.yaml`, the studio's Data tab): which
// files to read, which cleaning steps to run and in which order, and where the cleaned dataset goes.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace lathe {

struct Problem;

// The steps a run can take, in the order `steps` names them (default: corpus_default_steps()).
enum class CorpusStep { Normalize, Clean, Pii, Length, Quality, Script, Dedup };

const char* corpus_step_name(CorpusStep step);  // "normalize", "clean", ...

struct CorpusConfig {
    std::string data_files;             // comma list of files or folders
    std::string data_format = "auto";   // auto | text | json | jsonl | csv | tsv
    std::string text_column = "text";   // the column of plain-text records (json, jsonl, csv, tsv)
    // "target=source" pairs renaming columns of JSON/CSV records before their shape is read: targets text,
    // instruction, input, output, system, conversations (e.g. "instruction=question,output=answer").
    std::string columns;
    std::string dataset;                // registered datasets to read too (comma list), with their columns
    std::string dataset_dir = "datasets";  // where their dataset_info.json is
    std::string output_dir;
    std::string output_format = "text";  // text | alpaca | sharegpt
    std::string dataset_name = "corpus";  // registered in output_dir/dataset_info.json
    std::string steps;                  // comma list ordering the steps; "" = the default order
    std::string normalize = "nfc";      // none | nfc | nfkc
    bool clean_whitespace = true;       // control characters, odd spaces, runs of blank lines
    std::string dedup = "exact";        // none | exact | minhash
    double minhash_threshold = 0.8;     // estimated Jaccard similarity at which two records are duplicates
    int minhash_num_perm = 128;
    int minhash_ngram = 5;              // shingle size in words
    std::string pii = "mask";           // none | mask | drop
    int min_chars = 0;                  // 0 = no bound
    int max_chars = 0;
    bool quality_filters = false;       // Gopher/C4-style rules (core/corpus/quality.h)
    std::string script_filter = "none";  // none | hangul | latin | cjk
    double min_script_share = 0.5;      // of a record's letters, in that script
    // Tokenizer lab: train one on the kept records (into output_dir/tokenizer) and compare tokenizers on a
    // held-out sample of them (every 20th kept record, up to 2,000).
    bool train_tokenizer = false;
    std::string tokenizer_type = "bpe";  // bpe | unigram (SentencePiece) | byte_bpe (byte-level BPE)
    int tokenizer_vocab_size = 8000;
    double character_coverage = 0.9995;
    bool byte_fallback = true;
    std::string special_tokens;          // comma list, each kept as one token
    std::string compare_tokenizers;      // comma list of tokenizer folders (or model folders) to measure too
    std::string tokenizer_sentence = "안녕하세요! Lathe로 나만의 한국어 모델을 만들어 보세요.";
    int examples = 5;                   // examples kept per step in the report
    int threads = 0;                    // 0 = all cores

    static CorpusConfig from_yaml_file(const std::string& path);
    static CorpusConfig from_yaml(const std::string& text, const std::string& origin);
    void apply_override(const std::string& assignment);  // "key=value" as on the command line
    // Unknown keys throw ConfigError naming the key and the closest known one.
    void set(const std::string& key, const std::string& value, const std::string& origin = "");
    std::string get(const std::string& key) const;
    std::string to_yaml() const;
    static std::vector<std::string> keys();

    // Every problem of the settings on their own (no file is read); validate() throws the first.
    std::vector<Problem> problems() const;
    void validate() const;

    std::vector<std::string> files() const;         // data_files split on commas
    // `columns` as (source, target) pairs; throws ConfigError naming a malformed pair or an unknown target.
    std::vector<std::pair<std::string, std::string>> column_renames() const;
    bool measures_tokenizers() const { return train_tokenizer || !compare_tokenizers.empty(); }
    std::vector<CorpusStep> enabled_steps() const;  // in run order, only those switched on
};

const std::vector<CorpusStep>& corpus_default_steps();

}  // namespace lathe
