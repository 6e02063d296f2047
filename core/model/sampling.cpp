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

// Top-p over `scores` (V): true where a token falls outside the smallest set whose probability reaches p (the
// most likely token always stays). A stable sort: tied scores keep the order of their ids, so which of them
// is cut is defined, and warp() over the vocabulary and candidates() over the top-k ids cut the same ones.
torch::Tensor cut_by_top_p(const torch::Tensor& scores, double p) {
    auto [sorted, order] = scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/false);
    auto remove = sorted.softmax(0).cumsum(0) <= (1.0 - p);
    remove.index_put_({scores.size(0) - 1}, false);
    return remove.scatter(0, order, remove);
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

torch::Tensor Sampler::penalized(const torch::Tensor& logits_in, const std::vector<int32_t>& history) const {
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
    return scores;
}

torch::Tensor Sampler::warp(const torch::Tensor& logits, const std::vector<int32_t>& history) const {
    auto scores = penalized(logits, history);
    if (p_.temperature == 0.0) return scores;
    const int64_t V = scores.size(0);
    scores = scores / p_.temperature;
    const float neg_inf = -std::numeric_limits<float>::infinity();
    if (p_.top_k > 0 && p_.top_k < V) {
        auto kth = std::get<0>(scores.topk(p_.top_k)).index({p_.top_k - 1});
        scores.masked_fill_(scores < kth, neg_inf);
    }
    if (p_.top_p < 1.0) scores.masked_fill_(cut_by_top_p(scores, p_.top_p), neg_inf);
    return scores;
}

std::pair<torch::Tensor, torch::Tensor> Sampler::candidates(const torch::Tensor& logits,
                                                           const std::vector<int32_t>& history) const {
    const int64_t V = logits.numel();
    if (p_.temperature == 0.0 || p_.top_k <= 0 || p_.top_k >= V) {
        // No top-k cut: warp() over the vocabulary, and its finite entries.
        const auto scores = warp(logits, history);
        const auto ids = (scores > -std::numeric_limits<float>::infinity()).nonzero().view(-1);
        return {ids, scores.index_select(0, ids).softmax(0)};
    }
    // warp()'s steps on the top-k candidates: the penalty and temperature over the vocabulary (cheap),
    // then the k-th largest score, every id at or above it (ties kept, as warp's mask keeps them), and
    // top-p's sort over those alone.
    const auto scores = penalized(logits, history) / p_.temperature;
    const auto kth = std::get<0>(scores.topk(p_.top_k)).index({p_.top_k - 1});
    auto ids = (scores >= kth).nonzero().view(-1);
    auto kept = scores.index_select(0, ids);
    if (p_.top_p < 1.0) {
        const auto at = cut_by_top_p(kept, p_.top_p).logical_not().nonzero().view(-1);
        ids = ids.index_select(0, at);
        kept = kept.index_select(0, at);
    }
    return {ids, kept.softmax(0)};
}

int64_t Sampler::next(const torch::Tensor& logits, const std::vector<int32_t>& history) {
    if (p_.temperature == 0.0) return warp(logits, history).argmax().item<int64_t>();
    const auto [ids, probs] = candidates(logits, history);
    return ids[torch::multinomial(probs, 1, false, gen_).item<int64_t>()].item<int64_t>();
}

}  // namespace lathe
