#include "core/train/preference/pairwise_loss.h"

namespace lathe {

at::Tensor pairwise_loss(const at::Tensor& chosen, const at::Tensor& rejected) {
    return -torch::nn::functional::logsigmoid(chosen.to(torch::kFloat) - rejected.to(torch::kFloat));
}

}  // namespace lathe
