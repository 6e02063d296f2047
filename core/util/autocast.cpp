#include "core/util/autocast.h"

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

// float32 turns autocast off (leaving the default lower-precision dtype of the device set).
void set_state(bool cuda, torch::ScalarType dtype) {
    if (dtype == torch::kFloat) enable(cuda, false, cuda ? torch::kHalf : torch::kBFloat16);
    else enable(cuda, true, dtype);
}

}  // namespace

torch::ScalarType autocast_dtype(torch::Device device) {
    if (!(device.is_cpu() || device.is_cuda())) return torch::kFloat;  // autocast covers these two here
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    const auto type = device.is_cuda() ? at::kCUDA : at::kCPU;
    return at::autocast::is_autocast_enabled(type) ? at::autocast::get_autocast_dtype(type) : torch::kFloat;
#else
    if (device.is_cuda()) return at::autocast::is_enabled() ? at::autocast::get_autocast_gpu_dtype() : torch::kFloat;
    return at::autocast::is_cpu_enabled() ? at::autocast::get_autocast_cpu_dtype() : torch::kFloat;
#endif
}

AutocastScope::AutocastScope(torch::Device device, torch::ScalarType dtype)
    : cuda_(device.is_cuda()), previous_(autocast_dtype(device)) {
    if (dtype == previous_ || !(device.is_cpu() || device.is_cuda())) return;
    active_ = true;
    set_state(cuda_, dtype);
}

AutocastScope::~AutocastScope() {
    if (!active_) return;
    set_state(cuda_, previous_);
    if (previous_ == torch::kFloat) at::autocast::clear_cache();
}

}  // namespace lathe
