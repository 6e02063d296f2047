// "Evaluate every checkpoint": each checkpoint of a training run answers the same held-out prompts
// (core/eval/predict.h), so every metric can be read against the step and the best checkpoint picked.
// The results stay in the run folder:
//   checkpoint_curve.json                      the settings and one point per checkpoint, rewritten
//                                              atomically after each checkpoint;
//   checkpoint_curve/checkpoint-N/             that checkpoint's generated_predictions.jsonl and
//                                              predict_results.json.
// A rerun with the same settings skips the checkpoints already done, so an abort loses at most the
// checkpoint being predicted; other settings start the curve over.
// No LibTorch in this header: the studio's Evaluate tab includes it.
#pragma once
#include "core/eval/predict.h"
#include "core/util/messages.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lathe {

// One checkpoint to predict: its step and folder.
struct CurveCheckpoint {
    int64_t step = 0;
    std::string dir;
};

struct CurvePoint {
    int64_t step = 0;
    std::string checkpoint;                // the folder's name in the run folder ("checkpoint-20"; "." = the final weights)
    int64_t samples = 0;
    std::map<std::string, double> results;  // its predict_results.json: predict_bleu-4, predict_rouge-l, ...
};

struct CheckpointCurve {
    std::string settings;             // what the points were predicted with (compact JSON; compared on rerun)
    std::vector<CurvePoint> points;   // by step
    bool complete = false;            // every checkpoint of the run had a point when it was written
};

struct CurveEvents {
    NoteSink message;  // info | warning: a run log line as data (English in its .message)
    // Before each checkpoint is predicted: its 0-based position among those still to do, their count, its step.
    std::function<void(size_t index, size_t count, int64_t step)> on_checkpoint;
    std::function<void(const PredictProgress&)> on_progress;   // of the checkpoint being predicted
    std::function<void(const CurvePoint&)> on_point;           // each finished checkpoint
};

struct CurveSummary {
    PredictSummary::Status status = PredictSummary::Status::Failed;
    std::string message;     // in English
    Problem problem;         // a failure as data (id "" when the engine gave only `message`)
    int64_t failed_step = -1;        // the checkpoint whose prediction failed (-1: the curve failed before one)
    std::string failed_checkpoint;   // its folder
    CheckpointCurve curve;
    size_t checkpoints = 0;  // the run's checkpoints, points or not
    size_t predicted = 0;    // checkpoints predicted by this call (the others were reloaded)
};

std::string checkpoint_curve_path(const std::string& run_dir);

// The weights of a run a curve covers, by step: its checkpoint-N folders, and its final weights (the run
// folder itself, step from trainer_state.json) when the run finished and no checkpoint has that step.
std::vector<CurveCheckpoint> curve_checkpoints(const std::string& run_dir);

// The settings of `c` that make a point comparable with another: the model, the data, generation and the
// judge (not the checkpoint, the threads or where the files go), as compact JSON.
std::string curve_settings(const PredictConfig& c);

// Reads `run_dir`'s checkpoint_curve.json. False when there is none; throws IoError naming the file when
// it cannot be read.
bool read_checkpoint_curve(const std::string& run_dir, CheckpointCurve* out);

// The point with the highest `metric` (e.g. "predict_rouge-l"); -1 when no point has it.
int best_point(const std::vector<CurvePoint>& points, const std::string& metric);

// Orders points by step.
void sort_by_step(std::vector<CurvePoint>& points);

// Predicts every checkpoint of `run_dir` with `settings` (its adapter, compare and output_dir are replaced
// per checkpoint; A/B is not part of a curve). Never throws.
CurveSummary run_checkpoint_curve(const PredictConfig& settings, const std::string& run_dir, const CurveEvents& events,
                                  const std::atomic<bool>* cancel = nullptr);

}  // namespace lathe
