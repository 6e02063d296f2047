// Choosing where the engine runs. The engine never assumes the CPU: every tensor is created on the
// device chosen here.
#pragma once
#include <torch/torch.h>

#include <string>

namespace lathe {

// "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:N". Throws ConfigError otherwise or
// when CUDA is asked for but absent.
torch::Device parse_device(const std::string& name);

// Sets LibTorch's intra-op threads (0 = leave the default: all cores).
void set_threads(int threads);

// "cpu (2 threads)", "cuda:0 (NVIDIA H100 ...)" for status lines.
std::string describe_device(const torch::Device& device);

// bf16 works on this device at a useful speed (CUDA with compute capability >= 8, or CPU).
bool device_supports_bf16(const torch::Device& device);

}  // namespace lathe
