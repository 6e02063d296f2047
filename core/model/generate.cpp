#include "core/model/generate.h"

#include "core/model/stop_filter.h"

#include "core/io/json_file.h"
#include "core/model/config.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace lathe {

const char* finish_reason_name(FinishReason r) {
    switch (r) {
        case FinishReason::Stop: return "stop";
        case FinishReason::Length: return "length";
        case FinishReason::Cancelled: return "cancelled";
    }
    return "?";
}

double GenerateResult::decode_tokens_per_s() const {
    return ids.size() > 1 && decode_s > 0 ? static_cast<double>(ids.size() - 1) / decode_s : 0.0;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

GenerateResult generate(CausalLMImpl& model, const Tokenizer* tokenizer, const std::vector<int32_t>& prompt,
                        const GenerateOptions& options, const StreamCallback& on_text,
                        const std::atomic<bool>* cancel) {
    if (prompt.empty()) throw ConfigError(plain_problem("prompt_empty"));
    if (options.max_new_tokens < 0) throw ConfigError(plain_problem("max_new_tokens_negative"));
    const int64_t vocab = model.config().vocab_size;
    for (int32_t id : prompt)
        if (id < 0 || id >= vocab)
            throw ConfigError(plain_problem("prompt_token_outside_vocab", {std::to_string(id), std::to_string(vocab)}));

    c10::InferenceMode inference;
    GenerateResult result;
    result.prompt_tokens = static_cast<int64_t>(prompt.size());
    Sampler sampler(options.sampling);
    const auto device = model.device();
    KVCache cache(model.config(), 1, static_cast<int64_t>(prompt.size()) + options.max_new_tokens + 1, device,
                  model.dtype());
    std::vector<int32_t> history = prompt;
    std::optional<StreamDecoder> stream;
    if (tokenizer) stream.emplace(*tokenizer, true);
    StopStringFilter stops(tokenizer ? options.stop_strings : std::vector<std::string>{});

    auto emit = [&](const std::string& text, int32_t id) {
        result.text += text;
        if (on_text) on_text(text, id);
    };

    const auto start = Clock::now();
    Clock::time_point first_token_at = start;
    ForwardOptions fwd;
    fwd.cache = &cache;
    fwd.last_token_only = true;
    auto input = torch::tensor(std::vector<int64_t>(prompt.begin(), prompt.end()), torch::kLong)
                     .unsqueeze(0)
                     .to(device);  // (1, T)
    result.finish = FinishReason::Length;
    for (int64_t step = 0; step < options.max_new_tokens; ++step) {
        if (cancel && cancel->load()) {
            result.finish = FinishReason::Cancelled;
            break;
        }
        auto logits = model.forward(input, fwd);  // (1, 1, V)
        const int32_t id = static_cast<int32_t>(sampler.next(logits.reshape(-1), history));
        if (step == 0) {
            first_token_at = Clock::now();
            result.time_to_first_token_s = seconds_since(start);
        }
        result.ids.push_back(id);
        history.push_back(id);
        const bool is_stop_id =
            std::find(options.stop_ids.begin(), options.stop_ids.end(), id) != options.stop_ids.end();
        if (is_stop_id) {
            result.finish = FinishReason::Stop;
            break;
        }
        if (stream) {
            std::string piece = stops.feed(stream->push(id));
            emit(piece, id);
            if (stops.stopped()) {
                result.finish = FinishReason::Stop;
                break;
            }
        } else if (on_text) {
            on_text(std::string(), id);
        }
        input = torch::full({1, 1}, static_cast<int64_t>(id), torch::TensorOptions().dtype(torch::kLong).device(device));
    }
    if (stream && !stops.stopped()) {
        std::string rest = stops.feed(stream->flush());
        if (!stops.stopped()) rest += stops.flush();
        if (!rest.empty()) emit(rest, -1);
    }
    if (!result.ids.empty()) result.decode_s = seconds_since(first_token_at);
    return result;
}

namespace {

void check_prompt(const std::vector<int32_t>& prompt, int64_t vocab) {
    if (prompt.empty()) throw ConfigError(plain_problem("prompt_empty"));
    for (int32_t id : prompt)
        if (id < 0 || id >= vocab)
            throw ConfigError(plain_problem("prompt_token_outside_vocab", {std::to_string(id), std::to_string(vocab)}));
}

// One row of a batch: its sampler, history, streamed text and stop filter.
struct BatchRow {
    size_t index = 0;  // position in the caller's prompts
    Sampler sampler;
    std::vector<int32_t> history;
    std::optional<StreamDecoder> stream;
    StopStringFilter stops;
    int64_t next_position = 0;  // the position of the next token fed back
    GenerateResult result;
    BatchRow(size_t i, const SamplingParams& p, const std::vector<int32_t>& prompt, const Tokenizer* tok,
             const std::vector<std::string>& stop_strings)
        : index(i), sampler(p), history(prompt), stops(tok ? stop_strings : std::vector<std::string>{}) {
        if (tok) stream.emplace(*tok, true);
        next_position = static_cast<int64_t>(prompt.size());
        result.prompt_tokens = next_position;
    }
    // Takes the sampled id; true when the row is finished.
    bool take(int32_t id, const std::vector<int32_t>& stop_ids) {
        result.ids.push_back(id);
        history.push_back(id);
        if (std::find(stop_ids.begin(), stop_ids.end(), id) != stop_ids.end()) {
            result.finish = FinishReason::Stop;
            return true;
        }
        if (stream) {
            result.text += stops.feed(stream->push(id));
            if (stops.stopped()) {
                result.finish = FinishReason::Stop;
                return true;
            }
        }
        return false;
    }
    void finish_text() {
        if (!stream || stops.stopped()) return;
        std::string rest = stops.feed(stream->flush());
        if (!stops.stopped()) rest += stops.flush();
        result.text += rest;
    }
};

}  // namespace

std::vector<GenerateResult> generate_batch(CausalLMImpl& model, const Tokenizer* tokenizer,
                                           const std::vector<std::vector<int32_t>>& prompts,
                                           const GenerateOptions& options, const std::atomic<bool>* cancel) {
    if (options.max_new_tokens < 0) throw ConfigError(plain_problem("max_new_tokens_negative"));
    const int64_t vocab = model.config().vocab_size;
    for (const auto& p : prompts) check_prompt(p, vocab);
    std::vector<GenerateResult> results(prompts.size());
    if (prompts.empty()) return results;

    c10::InferenceMode inference;
    const auto device = model.device();
    const int64_t B = static_cast<int64_t>(prompts.size());
    int64_t L = 0;
    for (const auto& p : prompts) L = std::max<int64_t>(L, static_cast<int64_t>(p.size()));
    const int64_t capacity = L + options.max_new_tokens + 1;

    std::vector<std::unique_ptr<BatchRow>> rows;
    for (size_t i = 0; i < prompts.size(); ++i) {
        SamplingParams sp = options.sampling;
        if (sp.seed) sp.seed = *sp.seed + i;
        rows.push_back(std::make_unique<BatchRow>(i, sp, prompts[i], tokenizer, options.stop_strings));
    }

    // Left padding: row b's prompt fills [L - len_b, L); its positions count from 0 at its first token.
    std::vector<int64_t> ids(static_cast<size_t>(B * L), 0), positions(static_cast<size_t>(B * L), 0);
    auto mask = torch::zeros({B, capacity}, torch::kLong);
    for (int64_t b = 0; b < B; ++b) {
        const auto& p = prompts[static_cast<size_t>(b)];
        const int64_t pad = L - static_cast<int64_t>(p.size());
        for (int64_t j = 0; j < static_cast<int64_t>(p.size()); ++j) {
            ids[static_cast<size_t>(b * L + pad + j)] = p[static_cast<size_t>(j)];
            positions[static_cast<size_t>(b * L + pad + j)] = j;
        }
        mask[b].narrow(0, pad, L - pad).fill_(1);
    }
    mask = mask.to(device);
    KVCache cache(model.config(), B, capacity, device, model.dtype());
    ForwardOptions fwd;
    fwd.cache = &cache;
    fwd.last_token_only = true;
    auto input = torch::tensor(ids, torch::kLong).view({B, L}).to(device);
    auto position = torch::tensor(positions, torch::kLong).view({B, L}).to(device);

    const auto start = Clock::now();
    std::vector<BatchRow*> active;
    for (auto& r : rows) active.push_back(r.get());
    for (int64_t step = 0; step < options.max_new_tokens && !active.empty(); ++step) {
        if (cancel && cancel->load()) {
            for (auto* r : active) r->result.finish = FinishReason::Cancelled;
            break;
        }
        const int64_t S = cache.length + input.size(1);
        fwd.attention_mask = mask.narrow(1, 0, S);
        fwd.position_ids = position;
        auto logits = model.forward(input, fwd).reshape({static_cast<int64_t>(active.size()), -1}).to(torch::kFloat);
        if (step == 0) {
            const double ttft = seconds_since(start);
            for (auto* r : active) r->result.time_to_first_token_s = ttft;
        }
        std::vector<int64_t> keep, next_ids, next_positions;
        std::vector<BatchRow*> still;
        for (size_t k = 0; k < active.size(); ++k) {
            BatchRow* r = active[k];
            const int32_t id = static_cast<int32_t>(r->sampler.next(logits[static_cast<int64_t>(k)], r->history));
            if (r->take(id, options.stop_ids)) {
                r->result.decode_s = seconds_since(start) - r->result.time_to_first_token_s;
                continue;
            }
            keep.push_back(static_cast<int64_t>(k));
            still.push_back(r);
            next_ids.push_back(id);
            next_positions.push_back(r->next_position++);
        }
        if (keep.size() != active.size() && !keep.empty()) {  // finished rows leave the cache
            auto index = torch::tensor(keep, torch::kLong).to(device);
            for (auto& t : cache.keys) t = t.index_select(0, index);
            for (auto& t : cache.values) t = t.index_select(0, index);
            mask = mask.index_select(0, index);
        }
        active = std::move(still);
        if (active.empty()) break;
        const int64_t n = static_cast<int64_t>(active.size());
        mask.select(1, S).fill_(1);
        input = torch::tensor(next_ids, torch::kLong).view({n, 1}).to(device);
        position = torch::tensor(next_positions, torch::kLong).view({n, 1}).to(device);
    }
    for (auto* r : active) {
        if (r->result.finish != FinishReason::Cancelled) r->result.finish = FinishReason::Length;
        r->result.decode_s = r->result.ids.empty() ? 0 : seconds_since(start) - r->result.time_to_first_token_s;
    }
    for (auto& r : rows) {
        r->finish_text();
        results[r->index] = std::move(r->result);
    }
    return results;
}

std::vector<int32_t> default_stop_ids(const std::string& model_dir, const Tokenizer* tokenizer) {
    std::vector<int32_t> ids;
    auto add = [&](int64_t id) {
        if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(static_cast<int32_t>(id));
    };
    auto add_json = [&](const nlohmann::json& j) {
        auto it = j.find("eos_token_id");
        if (it == j.end()) return;
        if (it->is_number_integer()) add(it->get<int64_t>());
        if (it->is_array())
            for (const auto& v : *it)
                if (v.is_number_integer()) add(v.get<int64_t>());
    };
    for (const char* name : {"generation_config.json", "config.json"}) {
        const std::string path = path_join(model_dir, name);
        if (file_exists(path)) add_json(read_json_file(path));
    }
    if (tokenizer) add(tokenizer->special().eos_id);
    return ids;
}

}  // namespace lathe
