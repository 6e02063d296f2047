// The tensor side of core/model/fused_kernels_cpu.h (which stays free of LibTorch): which tensors its
// kernels take, and the element type to pass them.
#pragma once
#include "core/model/fused_kernels_cpu.h"

#include <ATen/core/Tensor.h>

namespace lathe::cpu_kernels {

// Whether the kernels can take `t`: a defined CPU tensor of float32 or bf16, on a processor where they run.
inline bool takes(const at::Tensor& t) {
    return t.defined() && t.device().is_cpu() && (t.scalar_type() == at::kFloat || t.scalar_type() == at::kBFloat16) &&
           available();
}

// `t`'s element type; t is float32 or bf16.
inline Elem elem_of(const at::Tensor& t) { return t.scalar_type() == at::kFloat ? Elem::F32 : Elem::BF16; }

}  // namespace lathe::cpu_kernels
