// The decoder's elementwise blocks as single autograd nodes: RMSNorm and SwiGLU (RoPE: core/model/rope.cpp).
// Written out by hand, each runs in fewer passes over memory than the chain of ATen ops autograd would
// record, and saves less for backward (RMSNorm keeps its input and one float per row, SwiGLU its two
// inputs). On a CPU these blocks are memory-bound: with the chained form
// they cost as much as a third of a training step of a block-dominated model (docs/benchmarks.md,
// "LoRA's cost"). Values and gradients equal the chained formulas (tests/core/model/test_fused_ops.cpp).
#pragma once
#include <torch/torch.h>

namespace lathe {

// Hugging Face's LlamaRMSNorm: normalise x (..., C) in float32, round to x's dtype, scale by weight (C):
//   y = weight * (x / sqrt(mean(x^2) + eps)).to(x.dtype)
// The result's dtype is the promotion of weight's and x's, as in transformers.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// silu(gate) * up, elementwise; gate and up have the same shape and dtype.
torch::Tensor swiglu(const torch::Tensor& gate, const torch::Tensor& up);

}  // namespace lathe
