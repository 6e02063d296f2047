// Training a new SentencePiece model (BPE or Unigram) from text files, through the lathe_spm module.
// Writes <model_prefix>.model and <model_prefix>.vocab; load the result with Tokenizer::from_dir or
// SpmTokenizer::load.
#pragma once
#include <string>
#include <vector>

namespace lathe {

// Defaults follow Llama 2's tokenizer: BPE with byte fallback, digits split, text kept as written
// (identity normalization, whitespace runs kept), so decode(encode(text)) == text and the model converts
// exactly to tokenizer.json (sentencepiece_convert.h).
struct SentencePieceTrainOptions {
    std::vector<std::string> input_files;  // plain text, one sentence per line
    std::string model_prefix;              // e.g. "out/tokenizer" -> out/tokenizer.model, out/tokenizer.vocab
    int vocab_size = 8000;
    std::string model_type = "bpe";        // "bpe", "unigram", "char" or "word"
    double character_coverage = 0.9995;    // 1.0 suits small alphabets; 0.9995 suits CJK
    bool byte_fallback = true;             // unknown characters become <0xNN> pieces instead of <unk>
    bool split_digits = true;              // numbers tokenize digit by digit
    std::string normalization_rule_name = "identity";  // or "nmt_nfkc", "nfkc", ... (SentencePiece's rules)
    bool remove_extra_whitespaces = false; // true folds runs of spaces (SentencePiece's own default)
    bool allow_whitespace_only_pieces = true;  // pieces such as "▁▁▁▁" for code indentation
    std::vector<std::string> user_defined_symbols;  // always single pieces, e.g. "<|im_start|>"
    int num_threads = 0;                   // 0: one per hardware thread
    long input_sentence_size = 0;          // sample at most this many sentences; 0: all
    bool quiet = true;                     // keep SentencePiece's progress log off stderr (errors still throw)
    // More SentencePieceTrainer flags, "--name=value" each, appended as given.
    std::vector<std::string> extra_args;
};

// Throws ConfigError for invalid options (naming the option) and TokenizerError when SentencePiece
// fails (with its message). Paths may contain spaces or commas: training runs in a staging folder
// under the temp directory and the files are moved into place, so a failed run leaves no partial model.
// SentencePiece runs in a child process: the thread's CancelScope (core/util/cancel.h) stops it within
// 20 ms, throwing Cancelled with nothing written.
void train_sentencepiece(const SentencePieceTrainOptions& options);

// The common case in one call.
void train_sentencepiece(const std::vector<std::string>& input_files, const std::string& model_prefix, int vocab_size,
                         const std::string& model_type = "bpe", const std::vector<std::string>& extra_args = {});

}  // namespace lathe
