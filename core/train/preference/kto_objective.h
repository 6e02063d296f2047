// stage: kto. Unpaired examples (one response each, kto_tag true = desirable, false = undesirable).
// Besides each example's own log-probs, the KL term needs mismatched rows: example i's prompt with
// example i-1's response in the same batch (TRL's +1 offset), truncated to cutoff_len. The policy's
// KL log-probs carry no gradient (as LLaMA-Factory). pref_ftx adds the SFT loss of desirable responses.
// Metrics, per example as the loop averages them (LLaMA-Factory's names): kl, count/chosen,
// count/rejected, rewards/chosen_sum, rewards/rejected_sum, logps/chosen_sum, logps/rejected_sum;
// the mean reward of desirable responses is rewards/chosen_sum / count/chosen.
#pragma once
#include "core/train/objective.h"
#include "core/train/preference/reference.h"

#include <memory>
#include <vector>

namespace lathe {

struct Sample;
struct TrainConfig;

struct KtoSettings {
    double beta = 0.1;
    double desirable_weight = 1.0;    // kto_chosen_weight
    double undesirable_weight = 1.0;  // kto_rejected_weight
    double ftx = 0.0;
    int cutoff_len = 2048;
    int32_t pad_id = 0;  // for the KL rows
};

KtoSettings kto_settings(const TrainConfig& config);

std::unique_ptr<Objective> make_kto_objective(const KtoSettings& settings, std::unique_ptr<Reference> reference);

// Gives each encoded example the kto_tag of its sample (matched by source) and keeps only its last
// response trained, as LLaMA-Factory's feedback encoder. Throws DataError naming a sample without a tag.
void prepare_kto_examples(std::vector<Example>& examples, const std::vector<Sample>& samples);

// The KL rows of a batch: row i = prompt of row i + response of row (i - 1) mod B. Exposed for tests.
Batch kto_kl_batch(const Batch& batch, int cutoff_len, int32_t pad_id);

}  // namespace lathe
