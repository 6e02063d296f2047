// stage: dpo. Chosen and rejected rows go through the policy in one concatenated forward pass; the
// reference (when the loss needs one) runs first, without gradients. The loss per pair is pref_loss
// (sigmoid | hinge | ipo against the reference, orpo | simpo without one) plus pref_ftx times the SFT
// loss on the chosen response (its length-averaged negative log-likelihood), as LLaMA-Factory's
// CustomDPOTrainer. Metrics are TRL's: rewards/chosen, rewards/rejected, rewards/accuracies,
// rewards/margins, logps/chosen, logps/rejected (plus sft_loss, odds_ratio_loss for orpo).
#pragma once
#include "core/train/objective.h"
#include "core/train/preference/pref_loss.h"
#include "core/train/preference/reference.h"

#include <memory>
#include <string>

namespace lathe {

struct DpoSettings {
    std::string loss = "sigmoid";  // sigmoid | hinge | ipo | orpo | simpo
    double beta = 0.1;
    double label_smoothing = 0.0;  // sigmoid only (cDPO)
    double ftx = 0.0;
    double simpo_gamma = 0.5;
    // ipo, orpo and simpo compare length-averaged log-probs; sigmoid and hinge summed ones.
    bool averages_logps() const { return loss == "ipo" || loss == "orpo" || loss == "simpo"; }
    bool needs_reference() const { return pref_loss_needs_reference(loss); }
};

// `reference` must be set exactly when settings.needs_reference() (ConfigError otherwise).
std::unique_ptr<Objective> make_dpo_objective(const DpoSettings& settings, std::unique_ptr<Reference> reference);

// The loss and metrics of one batch from per-row log-probs (what compute() does after the forward
// passes; exposed for tests). policy and reference hold 2P rows, chosen first; reference may be empty.
LossOutput dpo_loss_output(const DpoSettings& settings, const SequenceLogps& policy, const SequenceLogps* reference);

}  // namespace lathe
