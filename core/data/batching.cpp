#include "core/data/batching.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace lathe {

int64_t Example::label_count() const {
    return std::count_if(labels.begin(), labels.end(), [](int32_t l) { return l != kIgnoreIndex; });
}

int64_t Example::token_count() const { return static_cast<int64_t>(input_ids.size() + rejected_ids.size()); }

Batch collate(const std::vector<const Example*>& examples, int32_t pad_id, torch::Device device) {
    Batch b;
    const bool pairs = !examples.empty() && examples[0]->is_pair();
    std::vector<const std::vector<int32_t>*> ids, labels;
    for (const Example* e : examples) {
        ids.push_back(&e->input_ids);
        labels.push_back(&e->labels);
    }
    if (pairs)
        for (const Example* e : examples) {
            ids.push_back(&e->rejected_ids);
            labels.push_back(&e->rejected_labels);
        }
    size_t T = 1;
    for (const auto* v : ids) T = std::max(T, v->size());
    const int64_t B = static_cast<int64_t>(ids.size());
    auto input = torch::full({B, static_cast<int64_t>(T)}, std::max(pad_id, 0), torch::kLong);
    auto lab = torch::full({B, static_cast<int64_t>(T)}, kIgnoreIndex, torch::kLong);
    auto mask = torch::zeros({B, static_cast<int64_t>(T)}, torch::kLong);
    auto in_a = input.accessor<int64_t, 2>();
    auto lab_a = lab.accessor<int64_t, 2>();
    auto mask_a = mask.accessor<int64_t, 2>();
    for (int64_t r = 0; r < B; ++r) {
        for (size_t t = 0; t < ids[r]->size(); ++t) {
            in_a[r][t] = (*ids[r])[t];
            lab_a[r][t] = (*labels[r])[t];
            mask_a[r][t] = 1;
            b.tokens++;
            if ((*labels[r])[t] != kIgnoreIndex) b.label_tokens++;
        }
    }
    b.input_ids = input.to(device);
    b.labels = lab.to(device);
    b.attention_mask = mask.to(device);
    b.rows = B;
    b.pairs = pairs ? static_cast<int64_t>(examples.size()) : 0;
    if (!examples.empty() && examples[0]->kto_tag >= 0) {
        std::vector<int64_t> tags;
        for (const Example* e : examples) tags.push_back(e->kto_tag);
        b.kto_tags = torch::tensor(tags, torch::kLong).to(device);
    }
    return b;
}

std::vector<size_t> epoch_order(size_t n, uint64_t seed, int64_t epoch) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed * 1000003ULL + static_cast<uint64_t>(epoch));
    // Fisher-Yates written out: std::shuffle's draws differ between standard libraries.
    for (size_t i = n; i > 1; --i) {
        const size_t j = static_cast<size_t>(rng() % i);
        std::swap(order[i - 1], order[j]);
    }
    return order;
}

}  // namespace lathe
