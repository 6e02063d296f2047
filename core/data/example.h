// A training example after encoding: token ids and the labels the loss sees (-100 = not trained).
// Preference examples carry the rejected response beside the chosen one (in input_ids/labels).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lathe {

constexpr int32_t kIgnoreIndex = -100;

struct Example {
    std::vector<int32_t> input_ids;
    std::vector<int32_t> labels;
    std::vector<int32_t> rejected_ids;     // preference pairs only
    std::vector<int32_t> rejected_labels;
    int kto_tag = -1;                      // KTO: 1 desirable, 0 undesirable, -1 n/a
    std::string source;                    // "file#record" for messages

    bool is_pair() const { return !rejected_ids.empty(); }
    int64_t label_count() const;           // trained tokens (chosen side for pairs)
    int64_t token_count() const;           // all tokens (both sides for pairs)
};

}  // namespace lathe
