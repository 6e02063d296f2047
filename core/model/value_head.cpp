#include "core/model/value_head.h"

#include "core/io/safetensors.h"
#include "core/model/transformer.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <cmath>

namespace lathe {

ValueHead::ValueHead(int64_t hidden_size, c10::Device device, uint64_t seed) {
    auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed);
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
    weight = torch::empty({1, hidden_size}, torch::kFloat).uniform_(-bound, bound, gen).to(device);
    bias = torch::empty({1}, torch::kFloat).uniform_(-bound, bound, gen).to(device);
    weight.set_requires_grad(true);
    bias.set_requires_grad(true);
}

ValueHead::ValueHead(at::Tensor w, at::Tensor b) : weight(std::move(w)), bias(std::move(b)) {}

int64_t ValueHead::hidden_size() const { return weight.size(1); }

at::Tensor ValueHead::forward(const at::Tensor& hidden) const {
    // (..., C) * (C) -> sum -> (...). Elementwise rather than a linear so that autocast leaves it in
    // float32: rewards are compared by their differences, which bf16's 8 bits would round.
    return (hidden.to(torch::kFloat) * weight.view({-1})).sum(-1) + bias;
}

std::vector<std::pair<std::string, at::Tensor>> ValueHead::named_parameters() const {
    return {{kValueHeadWeight, weight}, {kValueHeadBias, bias}};
}

at::Tensor last_token_scores(const ValueHead& head, const at::Tensor& hidden, const at::Tensor& attention_mask) {
    const int64_t B = hidden.size(0);
    auto last = (attention_mask.sum(1) - 1).clamp_min(0).to(torch::kLong);          // (B)
    auto rows = torch::arange(B, torch::TensorOptions().dtype(torch::kLong).device(hidden.device()));
    auto h = hidden.index({rows, last.to(hidden.device())});                         // (B, C)
    return head.forward(h);                                                          // (B)
}

at::Tensor score_sequences(CausalLMImpl& model, const ValueHead& head, const std::vector<std::vector<int32_t>>& sequences) {
    torch::NoGradGuard no_grad;
    size_t T = 1;
    for (const auto& s : sequences) T = std::max(T, s.size());
    const int64_t N = static_cast<int64_t>(sequences.size());
    auto ids = torch::zeros({N, static_cast<int64_t>(T)}, torch::kLong);
    auto mask = torch::zeros({N, static_cast<int64_t>(T)}, torch::kLong);
    for (int64_t r = 0; r < N; ++r)
        for (size_t t = 0; t < sequences[r].size(); ++t) {
            ids[r][static_cast<int64_t>(t)] = sequences[r][t];
            mask[r][static_cast<int64_t>(t)] = 1;
        }
    ForwardOptions o;
    o.attention_mask = mask.to(model.device());
    auto hidden = model.hidden_states(ids.to(model.device()), o);  // (N, T, C)
    return last_token_scores(head, hidden, o.attention_mask);     // (N)
}

void save_value_head(const ValueHead& head, const std::string& dir) {
    write_safetensors(path_join(dir, kValueHeadFile),
                      {{kValueHeadWeight, head.weight.detach().to(torch::kCPU)},
                       {kValueHeadBias, head.bias.detach().to(torch::kCPU)}},
                      {{"format", "pt"}});
}

bool has_value_head(const std::string& dir) { return file_exists(path_join(dir, kValueHeadFile)); }

ValueHead load_value_head(const std::string& dir, int64_t hidden_size, c10::Device device) {
    const std::string path = path_join(dir, kValueHeadFile);
    if (!file_exists(path))
        throw IoError(file_problem(path, 0, 0, "value_head_not_found"));
    SafetensorsFile file(path);
    auto take = [&](const char* name, const std::vector<int64_t>& shape) {
        const TensorEntry* e = file.find(name);
        if (!e) throw ModelError(file_problem(path, 0, 0, "value_head_tensor_missing", {name}));
        if (e->shape != shape)
            throw ModelError(
                file_problem(path, 0, 0, "value_head_tensor_shape", {name, shape_string(e->shape), shape_string(shape)}));
        return file.tensor(name).to(torch::kFloat).clone().to(device);
    };
    ValueHead head(take(kValueHeadWeight, {1, hidden_size}), take(kValueHeadBias, {1}));
    head.weight.set_requires_grad(true);
    head.bias.set_requires_grad(true);
    return head;
}

}  // namespace lathe
