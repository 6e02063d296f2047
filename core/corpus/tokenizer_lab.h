// The tokenizer lab: train a SentencePiece (BPE or unigram) or byte-level BPE tokenizer on a cleaned corpus
// into a folder
// that "new model from scratch" can use (new_model_tokenizer), and measure tokenizers side by side on
// held-out text: tokens per word and per character (fertility), the share of byte-fallback and unknown
// tokens, and how a chosen sentence splits.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lathe {

class Tokenizer;

struct TokenizerTrainSettings {
    std::string model_type = "bpe";       // bpe | unigram (SentencePiece) | byte_bpe (byte-level BPE)
    int vocab_size = 8000;
    double character_coverage = 0.9995;   // SentencePiece: 0.9995 suits Korean and CJK; 1.0 small alphabets
    bool byte_fallback = true;            // SentencePiece (byte-level BPE never has unknown characters)
    std::vector<std::string> special_tokens;  // kept whole, after <|im_start|> and <|im_end|>
};

// Trains on `text_file` (one sentence per line) and writes tokenizer.model, tokenizer.json,
// tokenizer_config.json (chatml template, <s>/</s>) and generation_config.json into `dir`, the files a
// new model's folder holds. Throws ConfigError for impossible settings, TokenizerError when training fails.
void train_tokenizer_folder(const std::string& text_file, const std::string& dir, const TokenizerTrainSettings& s);

struct TokenizerMeasure {
    std::string name, path, kind;
    int vocab_size = 0;
    size_t texts = 0, tokens = 0, words = 0, chars = 0, byte_tokens = 0, unknown_tokens = 0;
    std::vector<std::string> sentence_pieces;  // the sample sentence, token by token (decoded, spaces as '▁')
    double tokens_per_word() const { return words ? double(tokens) / double(words) : 0; }
    double tokens_per_char() const { return chars ? double(tokens) / double(chars) : 0; }
    double byte_share() const { return tokens ? double(byte_tokens) / double(tokens) : 0; }
    double unknown_share() const { return tokens ? double(unknown_tokens) / double(tokens) : 0; }
};

// `texts` tokenized without special tokens; words are whitespace-separated, characters code points.
TokenizerMeasure measure_tokenizer(const Tokenizer& tokenizer, const std::vector<std::string>& texts,
                                   const std::string& sentence);

}  // namespace lathe
