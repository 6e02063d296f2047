#include "core/train/preference/dpo_objective.h"

#include "core/train/preference/dpo_loss.h"
#include "core/train/preference/orpo_loss.h"
#include "core/train/preference/simpo_loss.h"
#include "core/util/error.h"
#include "core/util/messages.h"

namespace lathe {

namespace {

class DpoObjective : public Objective {
public:
    DpoObjective(DpoSettings s, std::unique_ptr<Reference> ref) : s_(std::move(s)), ref_(std::move(ref)) {}

    int64_t units(const Batch& b) const override { return b.pairs; }

    LossOutput compute(CausalLMImpl& model, const Batch& b, const TrainForward& how) override {
        if (b.pairs == 0) throw DataError(plain_problem("dpo_needs_pairs"));
        // Reference first: with LoRA it runs the same modules with the adapter off, so the policy's graph
        // must be built afterwards.
        SequenceLogps ref;
        if (ref_) ref = ref_->logps(b);
        auto hidden = train_hidden_states(model, b.input_ids, b.attention_mask, how);  // (2P, T, C)
        auto policy = sequence_logps(model, hidden, b.labels);                        // (2P)
        return dpo_loss_output(s_, policy, ref_ ? &ref : nullptr);
    }

private:
    DpoSettings s_;
    std::unique_ptr<Reference> ref_;
};

}  // namespace

LossOutput dpo_loss_output(const DpoSettings& s, const SequenceLogps& policy, const SequenceLogps* reference) {
    const int64_t P = policy.sum.size(0) / 2;
    auto avg = policy.mean();                                             // (2P)
    auto logps = s.averages_logps() ? avg : policy.sum;                   // (2P)
    auto chosen = logps.narrow(0, 0, P), rejected = logps.narrow(0, P, P);
    LossOutput out;
    PreferenceTerms terms;
    if (s.loss == "orpo") {
        auto t = orpo_loss(chosen, rejected, s.beta);
        out.metrics["sft_loss"] = metric_sum(t.sft_loss);
        out.metrics["odds_ratio_loss"] = metric_sum(t.odds_ratio_loss);
        terms = t;
    } else if (s.loss == "simpo") {
        terms = simpo_loss(chosen, rejected, s.beta, s.simpo_gamma);
    } else {
        if (!reference) throw ConfigError(config_problem("pref_loss", "pref_loss_needs_reference", {s.loss}));
        auto ref = s.averages_logps() ? reference->mean() : reference->sum;  // (2P)
        terms = dpo_loss(chosen, rejected, ref.narrow(0, 0, P), ref.narrow(0, P, P), s.beta,
                         parse_dpo_variant(s.loss), s.label_smoothing);
    }
    auto losses = terms.losses;                                           // (P)
    if (s.ftx > 1e-6) losses = losses + s.ftx * -avg.narrow(0, 0, P);     // SFT on the chosen response
    out.loss_sum = losses.sum();
    // Sums over pairs: the loop divides by the number of pairs.
    out.metrics["rewards/chosen"] = metric_sum(terms.chosen_rewards);
    out.metrics["rewards/rejected"] = metric_sum(terms.rejected_rewards);
    out.metrics["rewards/accuracies"] = metric_sum((terms.chosen_rewards > terms.rejected_rewards).to(torch::kFloat));
    out.metrics["rewards/margins"] = metric_sum(terms.chosen_rewards - terms.rejected_rewards);
    out.metrics["logps/chosen"] = metric_sum(chosen.detach());
    out.metrics["logps/rejected"] = metric_sum(rejected.detach());
    return out;
}

std::unique_ptr<Objective> make_dpo_objective(const DpoSettings& s, std::unique_ptr<Reference> reference) {
    if (s.needs_reference()) parse_dpo_variant(s.loss);
    else if (s.loss != "orpo" && s.loss != "simpo")
        throw ConfigError(config_problem("pref_loss", "not_one_of", {s.loss, "sigmoid, hinge, ipo, orpo, simpo"}));
    if (s.needs_reference() && !reference) throw ConfigError(config_problem("pref_loss", "pref_loss_needs_reference", {s.loss}));
    if (!s.needs_reference() && reference) reference.reset();  // ORPO and SimPO never look at one
    return std::make_unique<DpoObjective>(s, std::move(reference));
}

}  // namespace lathe
