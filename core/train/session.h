// A whole training run from a TrainConfig: what `lathe-cli train` and the studio's Start button call.
// Loads (or creates) the model and tokenizer, reads and encodes the datasets, applies the fine-tuning
// method, then runs the shared loop in output_dir.
#pragma once
#include "core/train/events.h"
#include "core/train/train_config.h"
#include "core/util/error.h"

#include <atomic>
#include <string>
#include <vector>

namespace lathe {

// Cheap checks a form can run before Start (no model weights loaded, no dataset read): settings,
// model folder, dataset names and files, output dir. Returns every problem found (none: empty), each tied
// to the key it is about: TrainConfig::problems(), then one per check that fails.
std::vector<Problem> precheck_training(const TrainConfig& config);

class Collective;

// Runs training to the end, to an abort (`cancel` set) or to a failure; never throws. The summary (also
// passed to events.on_finished) says which, with the message a user needs. With a `collective` this
// process is one rank of a data-parallel run (core/dist/collective.h): every rank calls run_training with
// the same config, and only rank 0 writes to output_dir.
TrainSummary run_training(const TrainConfig& config, const TrainerEvents& events,
                          const std::atomic<bool>* cancel = nullptr, Collective* collective = nullptr);

// The default output directory for a model and method: saves/<model>/<method>/<YYYY-MM-DD-HH-MM-SS>.
std::string default_output_dir(const std::string& model_name_or_path, const std::string& finetuning_type,
                               const std::string& root = "saves");

}  // namespace lathe
