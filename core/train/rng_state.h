// The random generators a recomputation in backward must replay: the forward pass's random draws
// (LoRA dropout) have to repeat exactly when gradient checkpointing or the chunked output head
// recompute it. The CPU generator, and the accelerator's when the tensors live on one (dropout on CUDA
// tensors draws from the CUDA generator).
#pragma once
#include <torch/torch.h>

namespace lathe {

struct RngState {
    torch::Tensor cpu, device;  // `device` undefined for CPU tensors
    c10::Device where = c10::Device(c10::kCPU);

    static RngState capture(const c10::Device& d);
    void restore() const;
};

}  // namespace lathe
