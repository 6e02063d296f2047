// The one training loop every stage and method shares: batches in a seeded order, gradient
// accumulation normalised over the whole window, clipping, AdamW with a schedule, logging, evaluation,
// atomic checkpoints, exact resume, NaN guard and cooperative cancellation.
#pragma once
#include "core/data/example.h"
#include "core/model/transformer.h"
#include "core/train/adamw.h"
#include "core/train/events.h"
#include "core/train/objective.h"
#include "core/train/train_config.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace lathe {

class Collective;
class RunDir;

struct TrainerSetup {
    TrainConfig config;
    CausalLM model{nullptr};
    std::vector<NamedParameter> trainable;
    std::vector<Example> train, eval;
    int32_t pad_id = 0;
    // The dtype forward passes autocast matrix products to (kBFloat16), or kFloat for none. run_training
    // sets it from the precision decision (core/train/precision.h).
    torch::ScalarType autocast = torch::kFloat;
    std::unique_ptr<Objective> objective;
    // Writes what the run produces (adapter files, or a model folder) into a directory.
    std::function<void(const std::string& dir)> save_weights;
    // Restores trainable weights from a checkpoint directory (resume); unset when the caller has already
    // built the model from the checkpoint (run_training does).
    std::function<void(const std::string& dir)> load_weights;
    // Data-parallel runs (core/dist/collective.h): this process's place among the ranks, or null for a run
    // of one process. Each rank trains on its share of every epoch's order; only rank 0 writes.
    Collective* collective = nullptr;
};

// Steps per epoch: ceil(batches / accumulation), as the loop takes a last short window each epoch.
int64_t steps_per_epoch(size_t examples, int batch_size, int accumulation);
int64_t total_steps(const TrainConfig& config, size_t examples);

// Which examples of an epoch's `order` a rank trains on, as PyTorch's DistributedSampler: the order is
// padded from its start to a multiple of world_size, and rank r takes positions r, r + world_size, ...
std::vector<size_t> rank_share(const std::vector<size_t>& order, int rank, int world_size);

// Runs the loop in setup.config.output_dir. Never throws: a failure is reported in the summary (and
// through events.on_finished) with the message a user needs.
TrainSummary train_loop(TrainerSetup& setup, RunDir& run, const TrainerEvents& events,
                        const std::atomic<bool>* cancel);

// Mean token loss of `examples` (eval_loss) in batches of `batch_size`, autocast to `autocast` as training.
double evaluate_loss(CausalLMImpl& model, Objective& objective, const std::vector<Example>& examples, int batch_size,
                     int32_t pad_id, std::map<std::string, double>* metrics = nullptr,
                     torch::ScalarType autocast = torch::kFloat);

}  // namespace lathe
