// KV-cached generation: prefill the prompt once, then one token per step, streaming text as it
// becomes final, stopping on stop tokens, stop strings, the token budget or cancellation.
#pragma once
#include "core/model/sampling.h"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace lathe {

class CausalLMImpl;
class Tokenizer;

struct GenerateOptions {
    SamplingParams sampling;
    int64_t max_new_tokens = 256;
    std::vector<int32_t> stop_ids;          // generation ends after one of these (it is kept in ids)
    std::vector<std::string> stop_strings;  // generation ends when the text contains one (cut before it)
};

enum class FinishReason { Stop, Length, Cancelled };
const char* finish_reason_name(FinishReason r);

struct GenerateResult {
    std::vector<int32_t> ids;  // generated ids (a final stop id included)
    std::string text;          // decoded text without stop tokens/strings ("" without a tokenizer)
    FinishReason finish = FinishReason::Length;
    int64_t prompt_tokens = 0;
    double time_to_first_token_s = 0;  // prefill + first sample
    double decode_s = 0;               // the remaining tokens
    double decode_tokens_per_s() const;
};

// Called with each piece of final text (may be empty for a token that completes nothing yet).
using StreamCallback = std::function<void(const std::string& text, int32_t id)>;

// `tokenizer` may be null (ids only; stop strings then ignored). `cancel` is polled every token.
GenerateResult generate(CausalLMImpl& model, const Tokenizer* tokenizer, const std::vector<int32_t>& prompt,
                        const GenerateOptions& options, const StreamCallback& on_text = {},
                        const std::atomic<bool>* cancel = nullptr);

// Several prompts answered together: left padding to the longest prompt, one KV cache of B rows, every
// row stopping on its own (stop ids, stop strings, its budget). A finished row leaves the batch (its cache
// rows are dropped), so one long answer does not keep the others' rows busy. Row r samples with seed
// `seed + r` when a seed is given. Greedy answers equal generate()'s for each prompt alone. Results are in
// the prompts' order; time_to_first_token_s is the shared prefill, decode_s each row's own.
std::vector<GenerateResult> generate_batch(CausalLMImpl& model, const Tokenizer* tokenizer,
                                           const std::vector<std::vector<int32_t>>& prompts,
                                           const GenerateOptions& options, const std::atomic<bool>* cancel = nullptr);

// Default stop ids of a model folder: eos ids of config.json and generation_config.json and the
// tokenizer's EOS.
std::vector<int32_t> default_stop_ids(const std::string& model_dir, const Tokenizer* tokenizer);

}  // namespace lathe
