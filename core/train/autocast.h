// Mixed precision for training: autocast to bf16 (or fp16 on CUDA) inside a scope, with LibTorch's API
// differences guarded (1.13 has per-device setters; 2.4+ takes the device type).
#pragma once
#include <torch/torch.h>

namespace lathe {

class AutocastScope {
public:
    // No-op when dtype is float32.
    AutocastScope(torch::Device device, torch::ScalarType dtype);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool active_ = false;
    bool cuda_ = false;
};

}  // namespace lathe
