#include "core/train/preference/rm_objective.h"

#include "core/model/value_head.h"
#include "core/train/preference/pairwise_loss.h"
#include "core/util/error.h"
#include "core/util/messages.h"

namespace lathe {

namespace {

class RmObjective : public Objective {
public:
    explicit RmObjective(std::shared_ptr<ValueHead> head) : head_(std::move(head)) {}

    int64_t units(const Batch& b) const override { return b.pairs; }

    LossOutput compute(CausalLMImpl& model, const Batch& b, const TrainForward& how) override {
        if (b.pairs == 0) throw DataError(plain_problem("rm_needs_pairs"));
        auto hidden = train_hidden_states(model, b.input_ids, b.attention_mask, how);  // (2P, T, C)
        auto scores = last_token_scores(*head_, hidden, b.attention_mask);            // (2P)
        return rm_loss_output(scores.narrow(0, 0, b.pairs), scores.narrow(0, b.pairs, b.pairs));
    }

private:
    std::shared_ptr<ValueHead> head_;
};

}  // namespace

LossOutput rm_loss_output(const torch::Tensor& chosen, const torch::Tensor& rejected) {
    LossOutput out;
    out.loss_sum = pairwise_loss(chosen, rejected).sum();
    auto c = chosen.detach().to(torch::kFloat), r = rejected.detach().to(torch::kFloat);
    out.metrics["accuracy"] = metric_sum((c > r).to(torch::kFloat));
    out.metrics["margin"] = metric_sum(c - r);
    out.metrics["rewards/chosen"] = metric_sum(c);
    out.metrics["rewards/rejected"] = metric_sum(r);
    return out;
}

std::unique_ptr<Objective> make_rm_objective(std::shared_ptr<ValueHead> head) {
    return std::make_unique<RmObjective>(std::move(head));
}

}  // namespace lathe
