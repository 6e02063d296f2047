#include "core/data/encode.h"

#include "core/data/template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/cancel.h"
#include "core/util/messages.h"

#include <algorithm>

namespace lathe {

Problem EncodeReport::note() const {
    const std::string n = std::to_string(samples), t = std::to_string(truncated), d = std::to_string(dropped);
    if (truncated && dropped) return lathe::note("encoded_truncated_dropped", {n, t, d, first_dropped});
    if (dropped) return lathe::note("encoded_dropped", {n, d, first_dropped});
    if (truncated) return lathe::note("encoded_truncated", {n, t});
    return lathe::note("encoded", {n});
}

std::string EncodeReport::summary() const { return note().message; }

std::pair<size_t, size_t> infer_seqlen(size_t source_len, size_t target_len, size_t cutoff) {
    size_t max_target;
    if (target_len * 2 < cutoff) max_target = cutoff;
    else if (source_len * 2 < cutoff) max_target = cutoff - source_len;
    // Python's int(cutoff_len * (target_len / (source_len + target_len))): the ratio is rounded before
    // the product, which is one lower than the exact quotient in cases such as (14, 30, 22).
    else max_target = static_cast<size_t>(static_cast<double>(cutoff) *
                                          (static_cast<double>(target_len) / static_cast<double>(source_len + target_len)));
    const size_t new_target = std::min(max_target, target_len);
    const size_t max_source = cutoff > new_target ? cutoff - new_target : 0;
    return {std::min(max_source, source_len), new_target};
}

namespace {

std::vector<Message> with_system_stripped(const Sample& s, const Message* last) {
    std::vector<Message> m = s.prompt;
    if (last) m.push_back(*last);
    return m;
}

template <typename V>
void append(V& dst, const V& src, size_t n) {
    dst.insert(dst.end(), src.begin(), src.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace

Example encode_supervised(const Sample& s, const ChatTemplate& tmpl, const Tokenizer& tok, const EncodeOptions& o,
                          bool* truncated, size_t* full_length) {
    if (s.response.empty()) throw DataError(plain_problem("sample_no_response", {s.source}));
    auto pairs = tmpl.encode_multiturn(tok, with_system_stripped(s, &s.response[0]), s.system, o.enable_thinking);
    size_t full = 0;
    for (const auto& p : pairs) full += p.prompt.size() + p.response.size();
    if (full_length) *full_length = full;
    if (truncated) *truncated = full > static_cast<size_t>(o.cutoff_len);

    Example e;
    e.source = s.source;
    size_t total = 0;
    if (o.mask_history) std::reverse(pairs.begin(), pairs.end());  // the last turn has priority
    for (size_t turn = 0; turn < pairs.size(); ++turn) {
        if (total >= static_cast<size_t>(o.cutoff_len)) break;
        const auto& [src, tgt] = pairs[turn];
        auto [src_len, tgt_len] = infer_seqlen(src.size(), tgt.size(), o.cutoff_len - total);
        total += src_len + tgt_len;
        std::vector<int32_t> ids, labels;
        append(ids, src, src_len);
        append(ids, tgt, tgt_len);
        if (o.train_on_prompt) append(labels, src, src_len);
        else labels.insert(labels.end(), src_len, kIgnoreIndex);
        if (o.mask_history && turn != 0) labels.insert(labels.end(), tgt_len, kIgnoreIndex);
        else append(labels, tgt, tgt_len);
        if (o.mask_history) {
            e.input_ids.insert(e.input_ids.begin(), ids.begin(), ids.end());
            e.labels.insert(e.labels.begin(), labels.begin(), labels.end());
        } else {
            e.input_ids.insert(e.input_ids.end(), ids.begin(), ids.end());
            e.labels.insert(e.labels.end(), labels.begin(), labels.end());
        }
    }
    return e;
}

Example encode_pairwise(const Sample& s, const ChatTemplate& tmpl, const Tokenizer& tok, const EncodeOptions& o,
                        bool* truncated, size_t* full_length) {
    if (s.response.size() != 2) throw DataError(plain_problem("preference_sample_needs_two", {s.source}));
    // LLaMA-Factory's encode_oneturn: everything before the last response is the prompt.
    auto one_turn = [&](const Message& last) {
        auto pairs = tmpl.encode_multiturn(tok, with_system_stripped(s, &last), s.system, o.enable_thinking);
        std::vector<int32_t> prompt;
        for (size_t i = 0; i + 1 < pairs.size(); ++i) {
            prompt.insert(prompt.end(), pairs[i].prompt.begin(), pairs[i].prompt.end());
            prompt.insert(prompt.end(), pairs[i].response.begin(), pairs[i].response.end());
        }
        prompt.insert(prompt.end(), pairs.back().prompt.begin(), pairs.back().prompt.end());
        return std::make_pair(prompt, pairs.back().response);
    };
    // Named copies, not structured bindings: C++17 lets no lambda capture those (GCC accepts it, clang not).
    const auto chosen_turn = one_turn(s.chosen());
    const auto& prompt = chosen_turn.first;
    const auto& chosen = chosen_turn.second;
    auto rejected = one_turn(s.rejected()).second;
    const size_t longest = std::max(chosen.size(), rejected.size());
    if (full_length) *full_length = prompt.size() + longest;
    if (truncated) *truncated = prompt.size() + longest > static_cast<size_t>(o.cutoff_len);
    const auto lengths = infer_seqlen(prompt.size(), longest, o.cutoff_len);
    const auto src_len = lengths.first, tgt_len = lengths.second;
    Example e;
    e.source = s.source;
    auto build = [&](const std::vector<int32_t>& response, std::vector<int32_t>& ids, std::vector<int32_t>& labels) {
        const size_t n = std::min(tgt_len, response.size());
        append(ids, prompt, src_len);
        append(ids, response, n);
        labels.insert(labels.end(), src_len, kIgnoreIndex);
        append(labels, response, n);
    };
    build(chosen, e.input_ids, e.labels);
    build(rejected, e.rejected_ids, e.rejected_labels);
    return e;
}

namespace {

std::vector<Example> encode_pretrain(const std::vector<Sample>& samples, const Tokenizer& tok, const EncodeOptions& o,
                                     EncodeReport& r) {
    const int32_t eos = tok.special().eos_id;
    const int32_t bos = tok.special().bos_id;
    const bool add_bos = tok.special().add_bos && bos >= 0;
    std::vector<Example> out;
    if (!o.packing) {
        for (const auto& s : samples) {
            throw_if_cancelled();
            Example e;
            e.source = s.source;
            if (add_bos) e.input_ids.push_back(bos);
            auto ids = tok.encode(s.text, false);
            e.input_ids.insert(e.input_ids.end(), ids.begin(), ids.end());
            if (eos >= 0) e.input_ids.push_back(eos);
            r.longest = std::max(r.longest, e.input_ids.size());
            if (e.input_ids.size() > static_cast<size_t>(o.cutoff_len)) {
                e.input_ids.resize(o.cutoff_len);
                ++r.truncated;
            }
            e.labels = e.input_ids;
            out.push_back(std::move(e));
        }
        return out;
    }
    // Packing: documents joined with EOS and cut into cutoff_len blocks (LLaMA-Factory drops the last
    // partial block; we keep it so that a small corpus still yields something to train on).
    std::vector<int32_t> stream;
    for (const auto& s : samples) {
        throw_if_cancelled();
        auto ids = tok.encode(s.text, false);
        stream.insert(stream.end(), ids.begin(), ids.end());
        if (eos >= 0) stream.push_back(eos);
    }
    const size_t block = static_cast<size_t>(o.cutoff_len);
    for (size_t at = 0; at < stream.size(); at += block) {
        Example e;
        e.source = "packed block " + std::to_string(out.size());
        e.input_ids.assign(stream.begin() + at, stream.begin() + std::min(stream.size(), at + block));
        if (e.input_ids.size() < 2) break;
        if (add_bos) e.input_ids[0] = bos;
        e.labels = e.input_ids;
        out.push_back(std::move(e));
    }
    return out;
}

// SFT packing: consecutive examples share a row up to cutoff_len (labels kept as they are).
std::vector<Example> pack_rows(std::vector<Example> in, size_t cutoff) {
    std::vector<Example> out;
    for (auto& e : in) {
        if (!out.empty() && out.back().input_ids.size() + e.input_ids.size() <= cutoff) {
            auto& row = out.back();
            row.input_ids.insert(row.input_ids.end(), e.input_ids.begin(), e.input_ids.end());
            row.labels.insert(row.labels.end(), e.labels.begin(), e.labels.end());
        } else {
            out.push_back(std::move(e));
        }
    }
    return out;
}

}  // namespace

std::vector<Example> encode_samples(const std::vector<Sample>& samples, const ChatTemplate& tmpl, const Tokenizer& tok,
                                    const EncodeOptions& o, EncodeReport* report) {
    EncodeReport r;
    std::vector<Example> out;
    if (samples.empty()) throw DataError(plain_problem("no_samples_to_encode"));
    if (samples[0].kind == SampleKind::Text) {
        out = encode_pretrain(samples, tok, o, r);
    } else {
        for (const auto& s : samples) {
            throw_if_cancelled();
            bool truncated = false;
            size_t full = 0;
            Example e = s.kind == SampleKind::Preference ? encode_pairwise(s, tmpl, tok, o, &truncated, &full)
                                                          : encode_supervised(s, tmpl, tok, o, &truncated, &full);
            r.longest = std::max(r.longest, full);
            if (truncated) ++r.truncated;
            if (e.label_count() == 0 || (e.is_pair() && std::none_of(e.rejected_labels.begin(), e.rejected_labels.end(),
                                                                      [](int32_t l) { return l != kIgnoreIndex; }))) {
                if (!r.dropped) r.first_dropped = s.source;
                ++r.dropped;
                continue;
            }
            out.push_back(std::move(e));
        }
        if (o.packing && samples[0].kind == SampleKind::Chat) out = pack_rows(std::move(out), o.cutoff_len);
    }
    r.samples = out.size();
    if (report) *report = r;
    if (out.empty()) {
        if (r.dropped)
            throw DataError(plain_problem("all_samples_cut", {std::to_string(r.dropped), std::to_string(o.cutoff_len),
                                                               std::to_string(r.longest)}));
        throw DataError(plain_problem("nothing_left_after_encoding"));
    }
    return out;
}

}  // namespace lathe
