// What a training run writes about itself, in LLaMA-Factory's and transformers' formats, kept out of the
// loop (core/train/trainer.cpp): trainer_log.jsonl rows (LlamaBoard's and the studio's plot), the text
// log, trainer_state.json with its log_history, and the result files of a completed run. Also the
// loop's counters that a checkpoint carries for an exact resume.
#pragma once
#include "core/train/events.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace lathe {

class RunDir;
struct TrainConfig;

// The mutable state of a run that a checkpoint must carry for an exact resume.
struct LoopState {
    int64_t step = 0;
    int64_t total_tokens = 0;
    double elapsed_before = 0;  // seconds spent before a resume
    double loss_since_log = 0;  // summed per-step losses not yet logged
    int64_t steps_since_log = 0;
    std::map<std::string, double> metrics_since_log;
    double loss_total = 0;      // for train_loss (mean over all steps)
    nlohmann::json log_history = nlohmann::json::array();
    int world_size = 1;         // processes of the run (recorded, not restored)
};

class TrainLog {
public:
    // `run` receives the rows; `total` steps of `per_epoch` each; `world` processes.
    TrainLog(RunDir& run, const TrainConfig& config, int64_t total, int64_t per_epoch, int world);

    // trainer_state.json of a checkpoint (or of the finished run), and the counters read back from one.
    nlohmann::json trainer_state(const LoopState& state, double elapsed) const;
    static void restore(const nlohmann::json& trainer_state, LoopState& state);

    // The first row's throughput counts from here (after resuming and the ranks' first broadcast).
    void start_clock() { last_log_ = std::chrono::steady_clock::now(); }
    // One optimizer step done (state.step already counts it): its loss and metrics join the means of the
    // next log row, its tokens the throughput.
    void add_step(LoopState& state, double loss, const std::map<std::string, double>& metrics, int64_t tokens);
    // A log row (logging_steps reached, or the last step): the means since the previous row, written to
    // trainer_log.jsonl, the text log and log_history. Returns it for the caller's events.
    LogEvent log(LoopState& state, double lr, double grad_norm, double elapsed, double remaining);
    // An evaluation's row, the same three places.
    void log_eval(LoopState& state, const EvalEvent& eval, double elapsed, double remaining);
    // A completed run: train_results.json, eval_results.json (from the last evaluation, when the run
    // `evaluated`), all_results.json and trainer_state.json. `train_examples`: the training set's size.
    void write_results(LoopState& state, double runtime, double train_loss, size_t train_examples, bool evaluated) const;

private:
    double epoch_of(int64_t step) const { return static_cast<double>(step) / per_epoch_; }

    RunDir& run_;
    const TrainConfig& config_;
    int64_t total_, per_epoch_;
    int world_;
    int64_t tokens_since_log_ = 0;
    std::chrono::steady_clock::time_point last_log_ = std::chrono::steady_clock::now();
};

}  // namespace lathe
