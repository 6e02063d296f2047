#include "core/util/device.h"

#include "core/util/cpu_features.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/threads.h"

#include <thread>

// Only a LibTorch built with CUDA has the CUDA runtime behind at::cuda (core/CMakeLists.txt defines this).
#if LATHE_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace lathe {

torch::Device parse_device(const std::string& name) {
    if (name.empty() || name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::kCPU;
    if (name == "cpu") return torch::kCPU;
    if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
        if (!torch::cuda::is_available())
            throw ConfigError(plain_problem("device_no_cuda", {name}));
        try {
            torch::Device d(name);
            if (d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
                throw ConfigError(
                    plain_problem("device_not_there", {name, std::to_string(torch::cuda::device_count())}));
            return d.has_index() ? d : torch::Device(torch::kCUDA, 0);
        } catch (const c10::Error&) {
            throw ConfigError(plain_problem("device_invalid", {name}));
        }
    }
    throw ConfigError(plain_problem("device_unknown", {name}));
}

void set_threads(int threads) { apply_threads(threads); }

Problem device_note(const torch::Device& device) {
    if (device.is_cpu()) {
        const ThreadPlan plan = current_thread_plan();
        const Problem threads = !plan.why.message.empty() ? plan.why : thread_count_note(torch::get_num_threads());
        return composed("device_cpu", {threads});
    }
    return verbatim(device.str());
}

std::string describe_device(const torch::Device& device) { return device_note(device).message; }

CudaCapability cuda_capability(const torch::Device& device) {
    CudaCapability c;
#if LATHE_TORCH_CUDA
    if (device.is_cuda() && torch::cuda::is_available()) {
        const auto* p = at::cuda::getDeviceProperties(device.has_index() ? device.index() : 0);
        c.major = p->major;
        c.minor = p->minor;
        c.name = p->name;
    }
#endif
    return c;
}

bool device_supports_bf16(const torch::Device& device) {
    if (device.is_cpu()) return cpu_features().fast_bf16();
    return device.is_cuda() && cuda_capability(device).major >= 8;
}

}  // namespace lathe
