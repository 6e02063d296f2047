// Shared fixtures for the PEFT tests: tiny random models, comparisons, error capture.
#pragma once
#include "core/model/transformer.h"
#include "core/util/autocast.h"
#include "core/util/error.h"
#include "tests/core/model/tiny_models.h"
#include "tests/checks.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace lathe::test {

inline CausalLM random_model(const ModelConfig& c = tiny_config(), uint64_t seed = 7) {
    CausalLM m(c);
    m->init_weights(seed, 0.2);  // large weights: differences show up in the logits
    m->eval();
    return m;
}

inline torch::Tensor token_batch() {
    return torch::tensor({5, 17, 33, 4, 90, 12, 55, 3, 8, 61, 2, 19}, torch::kLong).view({2, 6});
}

// Largest difference relative to the reference's largest magnitude.
inline double relative_max_diff(const torch::Tensor& a, const torch::Tensor& ref) {
    return max_diff(a, ref) / ref.abs().max().item<double>();
}

// y = f(x) on a fresh leaf copy of x under autocast to `dtype` (float32: off), then backward of
// sum(y * probe). Returns y (detached), the gradient of x, then the gradient of each of `params`
// (cleared before).
template <typename F>
std::vector<torch::Tensor> output_and_grads(F&& f, const torch::Tensor& x, const torch::Tensor& probe,
                                            const std::vector<torch::Tensor*>& params, torch::ScalarType dtype) {
    auto xl = x.clone().requires_grad_(true);
    for (auto* p : params) p->mutable_grad() = torch::Tensor();
    torch::Tensor y;
    {
        AutocastScope autocast(x.device(), dtype);
        y = f(xl);
    }
    (y.to(torch::kFloat) * probe).sum().backward();
    std::vector<torch::Tensor> r{y.detach(), xl.grad()};
    for (auto* p : params) r.push_back(p->grad().clone());
    return r;
}

// Fills every LoRA B (and perturbs DoRA magnitudes) so an adapter changes outputs.
inline void randomize_adapters(CausalLMImpl& m, uint64_t seed = 3, double std = 0.3) {
    torch::NoGradGuard g;
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed);
    for (auto& p : m.named_parameters()) {
        const std::string& n = p.key();
        if (n.find("lora_B") != std::string::npos || n.find("lora_A") != std::string::npos)
            p.value().copy_(torch::empty(p.value().sizes()).normal_(0, std, gen));
        if (n.find("lora_magnitude_vector") != std::string::npos)
            p.value().mul_(torch::empty(p.value().sizes()).uniform_(0.5, 1.5, gen));
    }
}

using lathe::test::error_of;

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace lathe::test
