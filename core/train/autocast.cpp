#include "core/train/autocast.h"

#include <ATen/autocast_mode.h>

namespace lathe {

namespace {

void enable(bool cuda, bool on, torch::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    const auto type = cuda ? at::kCUDA : at::kCPU;
    at::autocast::set_autocast_dtype(type, dtype);
    at::autocast::set_autocast_enabled(type, on);
#else
    if (cuda) {
        at::autocast::set_autocast_gpu_dtype(dtype);
        at::autocast::set_enabled(on);
    } else {
        at::autocast::set_autocast_cpu_dtype(dtype);
        at::autocast::set_cpu_enabled(on);
    }
#endif
}

}  // namespace

AutocastScope::AutocastScope(torch::Device device, torch::ScalarType dtype) {
    if (dtype == torch::kFloat) return;
    cuda_ = device.is_cuda();
    active_ = true;
    enable(cuda_, true, dtype);
}

AutocastScope::~AutocastScope() {
    if (!active_) return;
    enable(cuda_, false, cuda_ ? torch::kHalf : torch::kBFloat16);
    at::autocast::clear_cache();
}

}  // namespace lathe
