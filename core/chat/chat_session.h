// The studio's chat engine behind a light header (no LibTorch here): a model folder loaded once, a
// fine-tuned checkpoint attached or detached without reloading the base, streaming replies with a stop
// flag, and the same prompt answered by the base or the fine-tuned model for side-by-side comparison.
// Not thread-safe: one thread (the studio's chat worker) owns a session.
#pragma once
#include "core/data/message.h"
#include "core/util/error.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lathe {

struct ChatOptions {
    double temperature = 0.7;  // 0: greedy
    double top_p = 0.9;
    int top_k = 0;             // 0: off
    double repetition_penalty = 1.0;
    int max_new_tokens = 512;
    std::optional<uint64_t> seed;  // unset: random
    bool enable_thinking = true;   // reasoning templates: off starts the answer with an empty thought

    // ConfigError naming the option when a value is out of range (what reply() would refuse).
    void validate() const;
};

// Which weights answer: the fine-tuned checkpoint (adapters on) or the base model (adapters off).
enum class ChatVariant { Tuned, Base };

struct ChatReply {
    std::string text;
    std::string finish;  // "stop", "length", "cancelled"
    int64_t prompt_tokens = 0;
    int64_t new_tokens = 0;
    double tokens_per_second = 0;
};

class ChatSession {
public:
    ChatSession();
    ~ChatSession();
    ChatSession(const ChatSession&) = delete;
    ChatSession& operator=(const ChatSession&) = delete;

    // Loads the model folder and its tokenizer (replacing whatever was loaded). `weights`: how the
    // weights are held for inference, "auto" (the checkpoint's dtype), "f32", "bf16" or "int8"
    // (core/infer/inference_weights.h). `merged_adapters`: LoRA/DoRA folders merged in order into the
    // base (lathe-cli chat --adapter A,B); they become part of it, unlike set_adapter's. Throws the
    // engine's ModelError / IoError / TokenizerError / ConfigError with a message a user can act on.
    void load(const std::string& model_dir, const std::string& device = "auto", int threads = 0,
              const std::string& weights = "auto", const std::vector<std::string>& merged_adapters = {});
    void unload();
    bool loaded() const;
    std::string model_dir() const;

    // Attaches a fine-tuned checkpoint, "" detaches. A LoRA adapter folder (adapter_config.json) is
    // installed on the loaded base; changing adapters swaps them without reloading the base. A full or
    // freeze fine-tune (a model folder) is loaded beside the base. Same folder again: nothing happens.
    void set_adapter(const std::string& dir);
    std::string adapter_dir() const;
    bool has_adapter() const;
    // True when the last set_adapter had to read a whole model (full fine-tune) rather than an adapter.
    bool adapter_is_full_model() const;

    // Chat template by LLaMA-Factory name; "" picks it from the tokenizer and config (pick_template).
    void set_template(const std::string& name);
    std::string template_name() const;

    // One assistant turn for `history` (ending with a user message). `on_text` receives text as it
    // becomes final; `cancel` stops after the current token. Throws ConfigError for bad options or when
    // nothing is loaded.
    ChatReply reply(const std::vector<Message>& history, const std::string& system, const ChatOptions& options,
                    ChatVariant variant, const std::function<void(const std::string&)>& on_text = {},
                    const std::atomic<bool>* cancel = nullptr);

    // Several single-turn or multi-turn prompts answered together (core/model/generate.h generate_batch):
    // one reply per prompt, in order. A prompt longer than `max_prompt_tokens` (> 0) keeps its last
    // tokens; `truncated` (optional) counts those that were cut.
    struct Prompt {
        std::vector<Message> history;  // ends with a user message
        std::string system;
    };
    std::vector<ChatReply> reply_batch(const std::vector<Prompt>& prompts, const ChatOptions& options,
                                       ChatVariant variant, const std::atomic<bool>* cancel = nullptr,
                                       int max_prompt_tokens = 0, int* truncated = nullptr);
    // The prompt as the model reads it, the template's special tokens written out.
    std::string render_prompt(const Prompt& prompt) const;

    // "llama · 5.3M parameters · bf16 weights · template chatml · cpu (2 threads)"; "" when nothing is loaded.
    std::string describe() const;
    Problem describe_note() const;  // the same as data, for the studio's language

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lathe
