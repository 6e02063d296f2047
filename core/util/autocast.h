// Mixed precision for training: autocast to bf16 (or fp16 on CUDA) inside a scope, with LibTorch's API
// differences guarded (1.13 has per-device setters; 2.4+ takes the device type).
#pragma once
#include <torch/torch.h>

namespace lathe {

// The current thread's autocast dtype for `device`'s type, float32 when autocast is off there. A
// recomputation in backward saves it in forward and re-enters it (core/train/token_logprobs.cpp).
torch::ScalarType autocast_dtype(torch::Device device);

class AutocastScope {
public:
    // Sets autocast for `device`'s type to `dtype` (float32: off) and restores the previous state on
    // exit, so scopes nest; a no-op when the state is already `dtype`, and on devices other than CPU and CUDA.
    AutocastScope(torch::Device device, torch::ScalarType dtype);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool active_ = false;
    bool cuda_ = false;
    torch::ScalarType previous_ = torch::kFloat;
};

}  // namespace lathe
