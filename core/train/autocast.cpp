#include "core/train/autocast.h"

#include <ATen/autocast_mode.h>

namespace lathe {

namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
void set_state(bool cuda, bool on, torch::ScalarType dtype) {
    const auto type = cuda ? at::kCUDA : at::kCPU;
    at::autocast::set_autocast_dtype(type, dtype);
    at::autocast::set_autocast_enabled(type, on);
}
bool enabled(bool cuda) { return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU); }
torch::ScalarType dtype(bool cuda) { return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU); }
#else
void set_state(bool cuda, bool on, torch::ScalarType dtype) {
    if (cuda) {
        at::autocast::set_autocast_gpu_dtype(dtype);
        at::autocast::set_enabled(on);
    } else {
        at::autocast::set_autocast_cpu_dtype(dtype);
        at::autocast::set_cpu_enabled(on);
    }
}
bool enabled(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
torch::ScalarType dtype(bool cuda) {
    return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
#endif

}  // namespace

AutocastScope::AutocastScope(torch::Device device, torch::ScalarType dtype_) {
    if (dtype_ == torch::kFloat || !(device.is_cpu() || device.is_cuda())) return;
    cuda_ = device.is_cuda();
    active_ = true;
    was_enabled_ = enabled(cuda_);
    was_dtype_ = dtype(cuda_);
    set_state(cuda_, true, dtype_);
}

AutocastScope::~AutocastScope() {
    if (!active_) return;
    set_state(cuda_, was_enabled_, was_dtype_);
    if (!was_enabled_) at::autocast::clear_cache();  // the outermost scope drops the cached weight casts
}

torch::ScalarType autocast_dtype(const torch::Device& device) {
    if (!(device.is_cpu() || device.is_cuda())) return torch::kFloat;
    const bool cuda = device.is_cuda();
    return enabled(cuda) ? dtype(cuda) : torch::kFloat;
}

}  // namespace lathe
