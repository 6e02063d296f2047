// Predictions on a held-out set, as LLaMA-Factory's do_predict with predict_with_generate: every sample's
// prompt is answered in batches (left padding, one KV cache, each row stopping on its own), scored
// against its label (core/eval/metrics.h), and written to output_dir as LLaMA-Factory writes it:
// generated_predictions.jsonl (flushed per batch), predict_results.json and all_results.json.
// With `compare` set, a second model answers the same prompts (A/B): the base model under an adapter,
// or another adapter or fine-tuned folder; its answers and scores sit beside the first's.
// No LibTorch in this header: the studio's Evaluate tab includes it.
#pragma once
#include "core/eval/metrics.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lathe {

struct TrainConfig;

struct PredictConfig {
    std::string model_name_or_path;
    std::string adapter_name_or_path;  // "" = the model itself; a LoRA adapter or a fine-tuned model folder
    std::string compare;               // A/B: "" = none, "base" = the model without the adapter, or a folder
    std::string judge;                 // "" or a reward model Lathe trained (stage rm): scores every answer
    std::string template_name;         // "" = picked from the tokenizer
    std::string dataset_dir = "data";
    std::string dataset;               // comma list of sft-style datasets (dataset_info.json names)
    int max_samples = 0;               // 0 = all (per dataset)
    int batch_size = 8;                // prompts decoded together (per_device_eval_batch_size)
    int cutoff_len = 2048;             // prompts longer than this keep their last cutoff_len tokens
    // Generation (LLaMA-Factory's keys); greedy unless do_sample.
    int max_new_tokens = 512;
    bool do_sample = false;
    double temperature = 0.95;
    double top_p = 0.7;
    int top_k = 50;
    double repetition_penalty = 1.0;
    uint64_t seed = 42;
    bool enable_thinking = true;       // reasoning templates (LLaMA-Factory's key)
    // Engine.
    std::string device = "auto";
    int threads = 0;
    std::string weights = "auto";      // core/infer/inference_weights.h
    std::string output_dir;            // "" = write nothing (the caller keeps the rows)
};

// One answered sample. Scores are on the 0-100 scale; the *_b fields are the comparison's (A/B).
struct PredictRow {
    size_t index = 0;        // 0-based position in the evaluated set
    std::string source;      // "<file>#<record>"
    std::string prompt;      // the prompt as the model saw it (template markers written out)
    std::string label;
    std::string predict;
    std::string finish;      // stop | length
    SampleScores scores;
    std::string predict_b;
    std::string finish_b;
    SampleScores scores_b;
    bool judged = false;     // the judge's rewards below are set
    double reward = 0, reward_b = 0;
};

struct PredictProgress {
    int64_t done = 0, total = 0;
    double elapsed_s = 0, remaining_s = 0;  // remaining: from the rate so far (0 before the first batch)
};

struct PredictEvents {
    NoteSink message;  // info | warning: a run log line as data (English in its .message)
    std::function<void(const std::vector<PredictRow>& rows)> on_rows;  // each finished batch, in order
    std::function<void(const PredictProgress&)> on_progress;
};

struct PredictSummary {
    enum class Status { Completed, Aborted, Failed };
    Status status = Status::Failed;
    std::string message;       // the failure or abort, for the user
    Problem problem;           // a failure the engine gave as data (id "" when it gave only `message`)
    std::string output_dir;
    int64_t samples = 0;       // predicted (all of the set unless aborted)
    int64_t total = 0;
    bool has_compare = false;
    SampleScores metrics;      // means over the predicted samples
    SampleScores metrics_b;
    bool has_judge = false;
    double reward = 0, reward_b = 0;  // mean rewards of the judge
    double win_rate = 0;              // A/B with a judge: % of samples where A's reward is higher (ties count half)
    double runtime_s = 0;
    double samples_per_second = 0;
    // The contents of predict_results.json (predict_bleu-4, ..., predict_runtime, predict_b_* for A/B, and
    // predict_reward, predict_b_reward, predict_win_rate with a judge).
    std::map<std::string, double> results;
};

// Checks that can run before Start without loading a model: the settings, the model folder, the adapter,
// the dataset names and their stage (records without labels fail at Start). Returns the problems.
std::vector<std::string> precheck_predict(const PredictConfig& config);

// Runs to the end, to an abort (`cancel`) or to a failure; never throws. An abort keeps the rows written
// so far and marks predict_results.json "partial": true.
PredictSummary run_predict(const PredictConfig& config, const PredictEvents& events,
                           const std::atomic<bool>* cancel = nullptr);

// The prediction a `lathe-cli train` config asks for with do_predict, as LLaMA-Factory reads the same keys:
// eval_dataset (else dataset), per_device_eval_batch_size, max_samples, cutoff_len, the generation keys,
// lathe_compare, output_dir. `trained`: the run just trained into output_dir, whose result is predicted
// (the LoRA adapter there on the base model, or the model folder there); otherwise the model and adapter
// the config names.
PredictConfig predict_config_from(const TrainConfig& config, bool trained);

// Reads a generated_predictions.jsonl back (the tab reopens a run's predictions), rescoring each row.
std::vector<PredictRow> read_predictions(const std::string& path);

}  // namespace lathe
