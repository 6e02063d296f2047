// The model behind `lathe-cli api` and the studio's Serve switch: one model folder (with its LoRA
// adapters merged in) answering many requests at once by continuous batching. Requests wait in a
// bounded queue; up to `max_batch` of them decode together, one forward per token for all of them. A new
// request is prefilled on its own and then joins the running batch at the next step (its keys and values
// are right-aligned with the others', the gap masked), and a finished or cancelled one leaves it at once,
// so a long answer never holds a short one back and a newcomer never waits for the batch to drain.
// No LibTorch in this header: the HTTP layer and the studio include it.
#pragma once
#include "core/data/message.h"
#include "core/util/error.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lathe {

struct ServingOptions {
    std::string model_dir;
    std::vector<std::string> adapters;  // LoRA adapters merged in order (LLaMA-Factory's comma list)
    std::string template_name;          // "" = picked from the tokenizer and config
    std::string device = "auto";
    int threads = 0;
    std::string weights = "auto";       // core/infer/inference_weights.h: auto | f32 | bf16 | int8
    int max_batch = 8;                  // sequences decoded together
    int max_queue = 32;                 // requests waiting beyond those; more are refused
    // Defaults for requests that leave a setting out (LLaMA-Factory's generating keys); unset: the
    // folder's generation_config.json, else LLaMA-Factory's defaults.
    std::optional<double> temperature, top_p, repetition_penalty;
    std::optional<int> top_k;
    std::optional<int64_t> max_new_tokens;
};

// What one request asks for, its prompt already tokenized.
struct ServeRequest {
    std::vector<int32_t> prompt;
    bool chat = true;                    // chat: the template's stop words end it too
    double temperature = 0.95;           // 0: greedy
    double top_p = 0.7;
    int top_k = 0;
    double repetition_penalty = 1.0;
    int64_t max_new_tokens = 256;
    std::vector<std::string> stop;       // extra stop strings (cut before them)
    std::optional<uint64_t> seed;
};

// The state of one request as its consumer sees it.
struct ServeUpdate {
    std::string text;            // new text since the last update
    bool done = false;
    std::string finish;          // when done: "stop", "length", "cancelled" or "error"
    std::string error;           // when finish is "error"
    int64_t prompt_tokens = 0;
    int64_t completion_tokens = 0;
};

// One submitted request: the scheduler writes text into it, the HTTP thread reads it.
class ServeJob {
public:
    // Waits until there is new text or the job is done, or `timeout` passes; returns what arrived
    // (possibly nothing) and takes it.
    ServeUpdate wait(std::chrono::milliseconds timeout);
    // Stops the generation at the next step (a client that went away); idempotent.
    void cancel() { cancelled_ = true; }
    bool cancelled() const { return cancelled_; }

    // The scheduler's side.
    void push_text(const std::string& text);
    void finish(const std::string& reason, int64_t completion_tokens, const std::string& error = {});
    void set_prompt_tokens(int64_t n);
    ServeRequest request;
    std::chrono::steady_clock::time_point submitted_at = std::chrono::steady_clock::now();

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::string pending_;
    bool done_ = false;
    std::string finish_, error_;
    int64_t prompt_tokens_ = 0, completion_tokens_ = 0;
    std::atomic<bool> cancelled_{false};
};

struct ServingStats {
    int active = 0;            // sequences in the running batch
    int queued = 0;            // waiting for a place in it
    int64_t requests = 0;      // finished since the start
    int64_t tokens = 0;        // generated since the start
    int64_t steps = 0;         // batched decode forwards
    int max_batch = 0, max_queue = 0;
};

class ServingEngine {
public:
    // Loads the model, merges the adapters and starts the scheduler thread. Throws the engine's
    // ModelError / IoError / TokenizerError / ConfigError with a message naming what is wrong.
    explicit ServingEngine(const ServingOptions& options);
    ~ServingEngine();  // cancels everything still running or queued and joins the thread
    ServingEngine(const ServingEngine&) = delete;
    ServingEngine& operator=(const ServingEngine&) = delete;

    // Thread-safe. The chat template's prompt for `messages` (ending with a user turn) and `system`.
    std::vector<int32_t> encode_chat(const std::vector<Message>& messages, const std::string& system,
                                     bool enable_thinking = true) const;
    // A raw prompt (/v1/completions): the text's ids, with the tokenizer's BOS where it adds one.
    std::vector<int32_t> encode_text(const std::string& text) const;
    int64_t vocab_size() const;
    int64_t context_length() const;    // max_position_embeddings: prompt + answer must fit
    std::string template_name() const;
    // The name /v1/models lists: the last adapter's folder name, else the model folder's.
    std::string model_name() const;
    std::string describe() const;      // "qwen2 · 494M parameters · bf16 weights · template qwen · cpu (2 threads)"
    Problem describe_note() const;     // the same as data, for the studio's language
    // The generation defaults of the folder's generation_config.json (LLaMA-Factory's where it has none).
    ServeRequest defaults() const;

    // Queues a request; null when the queue is full (the caller answers 429). Throws ConfigError for
    // settings out of range and an empty prompt or ids outside the vocabulary.
    std::shared_ptr<ServeJob> submit(ServeRequest request);
    ServingStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lathe
