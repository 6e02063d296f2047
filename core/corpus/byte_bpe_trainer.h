// A byte-level BPE trainer (the tokenizer family of GPT-2, Llama 3 and Qwen): text is split by Qwen2's
// pre-tokenizer pattern, each piece is spelled in GPT-2's byte alphabet (so nothing is ever unknown), and
// the most frequent adjacent pair is merged until the vocabulary is full. Writes a Hugging Face folder
// (tokenizer.json with the merges, tokenizer_config.json with the chatml template, generation_config.json).
#pragma once
#include <string>
#include <vector>

namespace lathe {

struct ByteBpeOptions {
    int vocab_size = 8000;                    // the 256 bytes, the merges and the special tokens
    std::vector<std::string> special_tokens;  // after <|endoftext|>, <|im_start|>, <|im_end|>
};

// Trains on `text_file` (one text per line) into `dir`. Throws ConfigError for a vocabulary too small to
// hold the bytes and the special tokens, IoError when a file cannot be read or written.
void train_byte_level_bpe(const std::string& text_file, const std::string& dir, const ByteBpeOptions& options);

}  // namespace lathe
