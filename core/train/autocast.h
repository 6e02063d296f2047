// Mixed precision for training: autocast to bf16 (or fp16 on CUDA) inside a scope, with LibTorch's API
// differences guarded (1.13 has per-device setters; 2.4+ takes the device type).
#pragma once
#include <torch/torch.h>

namespace lathe {

class AutocastScope {
public:
    // No-op when dtype is float32. Restores the previous state on exit, so scopes nest.
    AutocastScope(torch::Device device, torch::ScalarType dtype);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool active_ = false;
    bool cuda_ = false;
    bool was_enabled_ = false;
    torch::ScalarType was_dtype_ = torch::kBFloat16;
};

// The dtype autocast casts matrix products to on `device` in this thread, or kFloat when it is off.
// Code that computes outside autocast's reach (custom autograd functions, checkpoint recomputation)
// asks this to do what autocast would.
torch::ScalarType autocast_dtype(const torch::Device& device);

}  // namespace lathe
