// Samples -> token ids and labels, as LLaMA-Factory encodes them: chat turns through the template,
// prompts masked with -100 (unless train_on_prompt), mask_history, cutoff_len shared between prompt and
// response in proportion, pre-training text with EOS and packing into cutoff_len blocks.
#pragma once
#include "core/data/example.h"
#include "core/data/record.h"
#include "core/util/error.h"

#include <string>
#include <utility>
#include <vector>

namespace lathe {

class Tokenizer;
struct ChatTemplate;

struct EncodeOptions {
    int cutoff_len = 2048;
    bool train_on_prompt = false;
    bool mask_history = false;
    bool packing = false;  // pt: concatenate documents into cutoff_len blocks; sft: fill rows up to cutoff_len
    bool enable_thinking = true;  // reasoning templates (ChatTemplate::thought_open): LLaMA-Factory's key
};

struct EncodeReport {
    size_t samples = 0;
    size_t truncated = 0;     // shortened to cutoff_len
    size_t dropped = 0;       // nothing left to learn after truncation
    size_t longest = 0;       // tokens before truncation
    std::string first_dropped;  // source of the first dropped sample
    std::string summary() const;  // "180 examples, 3 truncated to cutoff_len"
    Problem note() const;         // the same as data
};

// LLaMA-Factory's infer_seqlen: how many prompt and response tokens fit in `cutoff`.
std::pair<size_t, size_t> infer_seqlen(size_t source_len, size_t target_len, size_t cutoff);

// Encodes samples of one kind (Text for pt, Chat for sft, Preference for rm/dpo). Throws DataError when
// nothing is left to train on, saying why (e.g. every sample longer than cutoff_len).
std::vector<Example> encode_samples(const std::vector<Sample>& samples, const ChatTemplate& tmpl,
                                    const Tokenizer& tok, const EncodeOptions& options, EncodeReport* report = nullptr);

// One chat sample: the ids and labels LLaMA-Factory's supervised encoder produces.
Example encode_supervised(const Sample& s, const ChatTemplate& tmpl, const Tokenizer& tok, const EncodeOptions& o,
                          bool* truncated = nullptr, size_t* full_length = nullptr);
// One preference sample: prompt + chosen in input_ids/labels, prompt + rejected in rejected_*.
Example encode_pairwise(const Sample& s, const ChatTemplate& tmpl, const Tokenizer& tok, const EncodeOptions& o,
                        bool* truncated = nullptr, size_t* full_length = nullptr);

}  // namespace lathe
