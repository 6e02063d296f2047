// How the engine reports a run: a small callback interface, no Qt. The studio adapts it to queued
// signals on its worker thread; lathe-cli prints it.
#pragma once
#include "core/util/error.h"
#include "core/util/messages.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace lathe {

struct LogEvent {
    int64_t step = 0, total_steps = 0;
    double loss = 0, lr = 0, grad_norm = 0, epoch = 0;
    double tokens_per_second = 0;
    int64_t total_tokens = 0;
    double elapsed_s = 0, remaining_s = 0;
    std::map<std::string, double> metrics;  // stage-specific (rewards/chosen, accuracy, ...)
};

struct EvalEvent {
    int64_t step = 0;
    double eval_loss = 0, perplexity = 0;
    std::map<std::string, double> metrics;
};

struct TrainSummary {
    enum class Status { Completed, Cancelled, Failed };
    Status status = Status::Failed;
    std::string message;          // why it failed or stopped
    Problem problem;              // a failure as data (key, file, record, message id) where the engine knew it
    int64_t steps = 0, total_steps = 0;
    double train_loss = 0;        // mean loss over the run (transformers' train_loss)
    double runtime_s = 0;
    std::string output_dir;
    std::string last_checkpoint;  // "" when none
};

struct TrainerEvents {
    // A run log line, "info" or "warning": as data (id, args), the English in note.message.
    NoteSink on_message;
    std::function<void(int64_t step, int64_t total, double elapsed_s, double remaining_s)> on_progress;
    std::function<void(const LogEvent&)> on_log;
    std::function<void(const EvalEvent&)> on_eval;
    std::function<void(const std::string& dir, int64_t step)> on_checkpoint;
    std::function<void(const TrainSummary&)> on_finished;  // completed, cancelled or failed

    void message(const std::string& level, const Problem& note) const {
        if (on_message) on_message(level, note);
    }
};

}  // namespace lathe
