// Choosing where the engine runs. The engine never assumes the CPU: every tensor is created on the
// device chosen here.
#pragma once
#include "core/util/error.h"

#include <torch/torch.h>

#include <string>

namespace lathe {

// "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N". Throws ConfigError otherwise or
// when CUDA is asked for but absent.
torch::Device parse_device(const std::string& name);

// Sets LibTorch's and OpenBLAS's threads for `threads` busy at once (0 = one per core), as
// core/util/threads.h plans them.
void set_threads(int threads);

// "cpu (2 threads)", "cuda:0" for status lines: as data (device_note) and in English.
Problem device_note(const torch::Device& device);
std::string describe_device(const torch::Device& device);

// A CUDA device's compute capability (8.0 and up run bf16 matrix products natively) and name. Zeros and
// "" for other devices, and where this LibTorch was built without CUDA.
struct CudaCapability {
    int major = 0, minor = 0;
    std::string name;  // "NVIDIA A100-SXM4-80GB"
};
CudaCapability cuda_capability(const torch::Device& device);

// bf16 runs at a useful speed here: a CPU with AVX512-BF16 or AMX-BF16, CUDA with capability >= 8.0.
// (core/train/precision.h turns this into a decision with a reason.)
bool device_supports_bf16(const torch::Device& device);

}  // namespace lathe
