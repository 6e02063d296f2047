// AdamW with decoupled weight decay (Loshchilov & Hutter), the same update as torch.optim.AdamW, with
// parameter groups (no decay on norms and biases) and a state that checkpoints as named tensors.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace lathe {

struct AdamWOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
};

struct NamedParameter {
    std::string name;
    torch::Tensor param;
};

class AdamW {
public:
    // Parameters whose name ends in ".bias" or contains "norm" get no weight decay, as transformers'
    // Trainer does (it excludes biases and LayerNorm/RMSNorm weights).
    AdamW(std::vector<NamedParameter> params, const AdamWOptions& options);

    // One update with learning rate `lr` (the schedule applied by the caller).
    void step(double lr);
    void zero_grad();
    int64_t steps() const { return step_; }

    // State as named tensors: "exp_avg/<param>", "exp_avg_sq/<param>" and "step".
    std::vector<std::pair<std::string, torch::Tensor>> state() const;
    // Restores state(); throws ModelError when a parameter's state is missing or mis-shaped.
    void load_state(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, const std::string& origin);

    const std::vector<NamedParameter>& params() const { return params_; }
    static bool decays(const std::string& name);

    // ZeRO-1 (data-parallel runs): keeps the moments only of the parameters this rank owns (`owned[i]`) and
    // updates only those in step(); the owners then share the new weights (core/train/trainer.cpp).
    void keep_state_only_for(const std::vector<bool>& owned);
    bool holds_state(size_t i) const { return exp_avg_[i].defined(); }
    // Parameter i's moments (exp_avg, exp_avg_sq); zeros are allocated when this rank does not hold them,
    // so that a sharded state can be gathered into them for a checkpoint.
    std::pair<torch::Tensor, torch::Tensor> moments(size_t i);

private:
    std::vector<NamedParameter> params_;
    std::vector<torch::Tensor> exp_avg_, exp_avg_sq_;  // undefined for a parameter another rank owns
    std::vector<bool> owned_;                          // empty: every parameter is this rank's
    std::vector<bool> decay_;
    AdamWOptions opt_;
    int64_t step_ = 0;
};

// Scales gradients so their global L2 norm is at most `max_norm` (0 = no clipping). Returns the norm
// before clipping (what transformers logs as grad_norm).
double clip_grad_norm(const std::vector<NamedParameter>& params, double max_norm);

}  // namespace lathe
