#include "core/model/sampling.h"

#include "core/util/error.h"
#include "core/util/messages.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>

namespace lathe {

namespace {

// 1.5 rather than std::to_string's 1.500000.
std::string number(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

}  // namespace

void SamplingParams::validate() const {
    // Written so that NaN fails every check (it compares false), and infinity is refused too.
    if (!(temperature >= 0 && std::isfinite(temperature)))
        throw ConfigError(plain_problem("temperature_negative", {number(temperature)}));
    if (top_k < 0) throw ConfigError(plain_problem("top_k_negative", {std::to_string(top_k)}));
    if (!(top_p > 0 && top_p <= 1)) throw ConfigError(plain_problem("top_p_out_of_range", {number(top_p)}));
    if (!(repetition_penalty > 0 && std::isfinite(repetition_penalty)))
        throw ConfigError(plain_problem("repetition_penalty_not_positive", {number(repetition_penalty)}));
}

Sampler::Sampler(const SamplingParams& params) : p_(params) {
    p_.validate();
    uint64_t seed = p_.seed ? *p_.seed : std::random_device{}();
    gen_ = at::make_generator<at::CPUGeneratorImpl>(seed);
}

torch::Tensor Sampler::warp(const torch::Tensor& logits_in, const std::vector<int32_t>& history) const {
    auto scores = logits_in.to(torch::kCPU, torch::kFloat).reshape(-1).clone();
    const int64_t V = scores.size(0);
    if (p_.repetition_penalty != 1.0 && !history.empty()) {
        // An id outside the logits would penalise the wrong token (or index out of range): refuse it.
        for (int32_t id : history)
            if (id < 0 || id >= V)
                throw ConfigError(plain_problem("repetition_penalty_token_outside_vocab", {std::to_string(id), std::to_string(V)}));
        auto ids = torch::tensor(std::vector<int64_t>(history.begin(), history.end()), torch::kLong);
        auto s = scores.gather(0, ids);
        s = torch::where(s < 0, s * p_.repetition_penalty, s / p_.repetition_penalty);
        scores.scatter_(0, ids, s);
    }
    if (p_.temperature == 0.0) return scores;
    scores = scores / p_.temperature;
    const float neg_inf = -std::numeric_limits<float>::infinity();
    if (p_.top_k > 0 && p_.top_k < V) {
        auto kth = std::get<0>(scores.topk(p_.top_k)).index({p_.top_k - 1});
        scores.masked_fill_(scores < kth, neg_inf);
    }
    if (p_.top_p < 1.0) {
        auto [sorted, order] = scores.sort(/*dim=*/0, /*descending=*/false);
        auto cumulative = sorted.softmax(0).cumsum(0);
        auto remove = cumulative <= (1.0 - p_.top_p);
        remove.index_put_({V - 1}, false);  // keep at least the most likely token
        scores.masked_fill_(remove.scatter(0, order, remove), neg_inf);
    }
    return scores;
}

int64_t Sampler::next(const torch::Tensor& logits, const std::vector<int32_t>& history) {
    auto scores = warp(logits, history);
    if (p_.temperature == 0.0) return scores.argmax().item<int64_t>();
    auto probs = scores.softmax(0);
    return torch::multinomial(probs, 1, false, gen_).item<int64_t>();
}

}  // namespace lathe
