#include "core/serve/serving_engine.h"

#include "core/data/template.h"
#include "core/infer/inference_weights.h"
#include "core/io/json_file.h"
#include "core/model/generate.h"
#include "core/model/kv_cache.h"
#include "core/model/model_folder.h"
#include "core/model/model_info.h"
#include "core/model/sampling.h"
#include "core/model/stop_filter.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/device.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <thread>

namespace lathe {

// ---- ServeJob ----------------------------------------------------------------------------------

ServeUpdate ServeJob::wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return done_ || !pending_.empty(); });
    ServeUpdate u;
    u.text = std::exchange(pending_, std::string());
    u.done = done_;
    u.finish = finish_;
    u.error = error_;
    u.prompt_tokens = prompt_tokens_;
    u.completion_tokens = completion_tokens_;
    return u;
}

void ServeJob::push_text(const std::string& text) {
    if (text.empty()) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_ += text;
    }
    cv_.notify_all();
}

void ServeJob::finish(const std::string& reason, int64_t completion_tokens, const std::string& error) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (done_) return;
        done_ = true;
        finish_ = reason;
        error_ = error;
        completion_tokens_ = completion_tokens;
    }
    cv_.notify_all();
}

void ServeJob::set_prompt_tokens(int64_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    prompt_tokens_ = n;
}

// ---- the scheduler ------------------------------------------------------------------------------

namespace {

// Free positions kept after the longest row when the batch cache is laid out again: a rebuild (a row
// joins or leaves) copies the cache, and between rebuilds every step writes in place.
constexpr int64_t kHeadroom = 64;

// One sequence of the running batch.
struct Row {
    std::shared_ptr<ServeJob> job;
    Sampler sampler;
    std::vector<int32_t> history;  // prompt + generated (the repetition penalty reads it)
    std::optional<StreamDecoder> stream;
    StopStringFilter stops;
    int64_t length = 0;        // tokens in the cache (its positions are 0 .. length-1)
    int32_t pending = 0;       // the last sampled id, fed at the next step
    int64_t generated = 0;
    int64_t budget = 0;        // max new tokens
    int64_t slot = 0;          // its row in the cache it is read from at the next rebuild
    bool in_batch = false;     // slot indexes the batch cache (else the prefill cache)

    Row(std::shared_ptr<ServeJob> j, const SamplingParams& p, const Tokenizer& tok, std::vector<std::string> stop_strings)
        : job(std::move(j)), sampler(p), history(job->request.prompt), stops(std::move(stop_strings)) {
        stream.emplace(tok, true);
    }
};

SamplingParams sampling_of(const ServeRequest& q) {
    SamplingParams sp;
    sp.temperature = q.temperature;
    sp.top_p = q.top_p;
    sp.top_k = q.top_k;
    sp.repetition_penalty = q.repetition_penalty;
    sp.seed = q.seed;
    return sp;
}

std::vector<std::string> merged(std::vector<std::string> a, const std::vector<std::string>& b) {
    for (const auto& s : b)
        if (!s.empty() && std::find(a.begin(), a.end(), s) == a.end()) a.push_back(s);
    return a;
}

}  // namespace

struct ServingEngine::Impl {
    ServingOptions options;
    torch::Device device = torch::kCPU;
    CausalLM model{nullptr};
    std::unique_ptr<Tokenizer> tokenizer;
    const ChatTemplate* chat_template = nullptr;
    std::vector<int32_t> stop_ids;            // the folder's EOS ids and the template's stop tokens
    std::vector<std::string> template_stops;  // the template's stop words that are not one token
    WeightFormat weights = WeightFormat::F32;
    ServeRequest defaults;

    mutable std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::shared_ptr<ServeJob>> queue;
    bool stopping = false;
    int active_count = 0;
    int64_t finished_requests = 0, generated_tokens = 0, steps = 0;
    std::thread worker;

    // The running batch (the worker thread's own).
    std::vector<std::unique_ptr<Row>> rows;
    KVCache cache;

    void load();
    void run();
    void step();
    void admit(std::vector<std::shared_ptr<ServeJob>> jobs);
    bool take(Row& row, int32_t id);  // true when the row is finished
    void finish(Row& row, const std::string& reason, const std::string& error = {});
    void rebuild(std::vector<std::unique_ptr<Row>> keep, const KVCache* prefill);
    void compact();  // drops the finished (null) rows and lays the cache out again
    void fail_all(const std::string& error);
};

void ServingEngine::Impl::load() {
    read_model_config(options.model_dir);  // a folder that holds no model fails here, not on its tokenizer
    set_threads(options.threads);
    device = parse_device(options.device);
    tokenizer = Tokenizer::from_dir(options.model_dir);
    InferenceOptions io;
    io.device = device;
    io.weights = parse_weight_format(options.weights);
    io.adapters = options.adapters;
    InferenceReport report;
    model = load_for_inference(options.model_dir, io, &report);
    weights = report.weights;
    model->eval();
    const std::string name = options.template_name.empty()
                                 ? pick_template(tokenizer.get(), model->config().model_type)
                                 : options.template_name;
    chat_template = find_template(name);
    stop_ids = default_stop_ids(options.model_dir, tokenizer.get());
    const StopCriteria sc = chat_template->stop_criteria(*tokenizer);
    for (int32_t id : sc.token_ids)
        if (std::find(stop_ids.begin(), stop_ids.end(), id) == stop_ids.end()) stop_ids.push_back(id);
    template_stops = sc.strings;

    // LLaMA-Factory's generating defaults, then the folder's generation_config.json.
    defaults.temperature = 0.95;
    defaults.top_p = 0.7;
    defaults.top_k = 50;
    defaults.max_new_tokens = 1024;
    const std::string gen = path_join(options.model_dir, "generation_config.json");
    if (file_exists(gen)) {
        const nlohmann::json j = read_json_file(gen);
        auto number = [&](const char* key, double& out) {
            if (j.contains(key) && j[key].is_number()) out = j[key].get<double>();
        };
        number("temperature", defaults.temperature);
        number("top_p", defaults.top_p);
        number("repetition_penalty", defaults.repetition_penalty);
        if (j.contains("top_k") && j["top_k"].is_number_integer()) defaults.top_k = j["top_k"].get<int>();
        if (j.contains("do_sample") && j["do_sample"].is_boolean() && !j["do_sample"].get<bool>()) defaults.temperature = 0;
    }
    if (options.temperature) defaults.temperature = *options.temperature;
    if (options.top_p) defaults.top_p = *options.top_p;
    if (options.top_k) defaults.top_k = *options.top_k;
    if (options.repetition_penalty) defaults.repetition_penalty = *options.repetition_penalty;
    if (options.max_new_tokens) defaults.max_new_tokens = *options.max_new_tokens;
    sampling_of(defaults).validate();
    if (defaults.max_new_tokens < 1) throw ConfigError(config_problem("max_new_tokens", "must_be_at_least", {"1"}));
}

void ServingEngine::Impl::finish(Row& row, const std::string& reason, const std::string& error) {
    if (row.stream && reason != "error" && reason != "cancelled" && !row.stops.stopped()) {
        std::string rest = row.stops.feed(row.stream->flush());
        if (!row.stops.stopped()) rest += row.stops.flush();
        row.job->push_text(rest);
    }
    {
        // Counted before the job says it is done: whoever sees it done sees it in stats() too.
        std::lock_guard<std::mutex> lock(mutex);
        ++finished_requests;
        generated_tokens += row.generated;
    }
    row.job->finish(reason, row.generated, error);
}

bool ServingEngine::Impl::take(Row& row, int32_t id) {
    ++row.generated;
    row.history.push_back(id);
    if (std::find(stop_ids.begin(), stop_ids.end(), id) != stop_ids.end()) {
        finish(row, "stop");
        return true;
    }
    row.job->push_text(row.stops.feed(row.stream->push(id)));
    if (row.stops.stopped()) {
        finish(row, "stop");
        return true;
    }
    if (row.generated >= row.budget) {
        finish(row, "length");
        return true;
    }
    row.pending = id;
    return false;
}

// Lays the cache out again for `keep` (rows of the batch cache, then rows of `prefill`, as their
// in_batch says): every row right-aligned at the longest row's length, zeros to its left (masked),
// kHeadroom free positions after.
void ServingEngine::Impl::rebuild(std::vector<std::unique_ptr<Row>> keep, const KVCache* prefill) {
    const auto& config = model->config();
    if (keep.empty()) {
        rows.clear();
        cache = KVCache();
        return;
    }
    int64_t longest = 0;
    for (const auto& r : keep) longest = std::max(longest, r->length);
    const int64_t n = static_cast<int64_t>(keep.size());
    KVCache next(config, n, longest + kHeadroom, device, model->dtype());
    for (size_t layer = 0; layer < next.keys.size(); ++layer) {
        next.keys[layer].zero_();
        next.values[layer].zero_();
        for (int64_t i = 0; i < n; ++i) {
            const Row& r = *keep[static_cast<size_t>(i)];
            const KVCache& from = r.in_batch ? cache : *prefill;
            const int64_t start = from.length - r.length;
            next.keys[layer][i].narrow(1, longest - r.length, r.length).copy_(from.keys[layer][r.slot].narrow(1, start, r.length));
            next.values[layer][i].narrow(1, longest - r.length, r.length).copy_(from.values[layer][r.slot].narrow(1, start, r.length));
        }
    }
    next.length = longest;
    for (int64_t i = 0; i < n; ++i) {
        keep[static_cast<size_t>(i)]->slot = i;
        keep[static_cast<size_t>(i)]->in_batch = true;
    }
    cache = std::move(next);
    rows = std::move(keep);
}

void ServingEngine::Impl::compact() {
    std::vector<std::unique_ptr<Row>> keep;
    for (auto& r : rows)
        if (r) keep.push_back(std::move(r));
    rebuild(std::move(keep), nullptr);
}

// Prefills the new jobs together (left padding, one forward), samples their first tokens, and lays the
// batch out again with the rows that go on.
void ServingEngine::Impl::admit(std::vector<std::shared_ptr<ServeJob>> jobs) {
    std::vector<std::unique_ptr<Row>> fresh;
    for (auto& job : jobs) {
        const ServeRequest& q = job->request;
        auto row = std::make_unique<Row>(job, sampling_of(q), *tokenizer, merged(q.chat ? template_stops : std::vector<std::string>{}, q.stop));
        row->length = static_cast<int64_t>(q.prompt.size());
        row->budget = std::min<int64_t>(q.max_new_tokens, model->config().max_position_embeddings - row->length);
        job->set_prompt_tokens(row->length);
        if (job->cancelled()) {
            finish(*row, "cancelled");
            continue;
        }
        if (row->budget < 1) {
            finish(*row, "length");
            continue;
        }
        fresh.push_back(std::move(row));
    }
    if (fresh.empty()) return;

    const int64_t k = static_cast<int64_t>(fresh.size());
    int64_t L = 0;
    for (const auto& r : fresh) L = std::max(L, r->length);
    std::vector<int64_t> ids(static_cast<size_t>(k * L), 0), positions(static_cast<size_t>(k * L), 0);
    auto mask = torch::zeros({k, L}, torch::kLong);
    for (int64_t b = 0; b < k; ++b) {
        const auto& p = fresh[static_cast<size_t>(b)]->job->request.prompt;
        const int64_t pad = L - static_cast<int64_t>(p.size());
        for (int64_t j = 0; j < static_cast<int64_t>(p.size()); ++j) {
            ids[static_cast<size_t>(b * L + pad + j)] = p[static_cast<size_t>(j)];
            positions[static_cast<size_t>(b * L + pad + j)] = j;
        }
        mask[b].narrow(0, pad, L - pad).fill_(1);
    }
    KVCache prefill(model->config(), k, L, device, model->dtype());
    ForwardOptions fwd;
    fwd.cache = &prefill;
    fwd.last_token_only = true;
    fwd.attention_mask = mask.to(device);
    fwd.position_ids = torch::tensor(positions, torch::kLong).view({k, L}).to(device);
    auto logits = model->forward(torch::tensor(ids, torch::kLong).view({k, L}).to(device), fwd)
                      .reshape({k, -1})
                      .to(torch::kFloat)
                      .cpu();

    std::vector<std::unique_ptr<Row>> keep;
    for (auto& r : rows) keep.push_back(std::move(r));
    for (int64_t b = 0; b < k; ++b) {
        auto& row = fresh[static_cast<size_t>(b)];
        const auto id = static_cast<int32_t>(row->sampler.next(logits[b], row->history));
        if (take(*row, id)) continue;
        row->slot = b;
        row->in_batch = false;
        keep.push_back(std::move(row));
    }
    rebuild(std::move(keep), &prefill);
}

// One token for every row of the batch.
void ServingEngine::Impl::step() {
    // Cancelled rows leave before the forward.
    bool dropped = false;
    for (auto& r : rows) {
        if (r->job->cancelled()) {
            finish(*r, "cancelled");
            r.reset();
            dropped = true;
        }
    }
    if (dropped) compact();
    if (rows.empty()) return;
    if (cache.length + 1 > cache.capacity) {
        std::vector<std::unique_ptr<Row>> keep = std::move(rows);
        rebuild(std::move(keep), nullptr);
    }

    const int64_t n = static_cast<int64_t>(rows.size());
    const int64_t S = cache.length;
    std::vector<int64_t> ids, positions, pads;
    for (const auto& r : rows) {
        ids.push_back(r->pending);
        positions.push_back(r->length);
        pads.push_back(S - r->length);
    }
    auto pad = torch::tensor(pads, torch::kLong).view({n, 1});
    auto mask = (torch::arange(S + 1, torch::kLong).view({1, S + 1}) >= pad).to(torch::kLong);
    ForwardOptions fwd;
    fwd.cache = &cache;
    fwd.last_token_only = true;
    fwd.attention_mask = mask.to(device);
    fwd.position_ids = torch::tensor(positions, torch::kLong).view({n, 1}).to(device);
    auto logits = model->forward(torch::tensor(ids, torch::kLong).view({n, 1}).to(device), fwd)
                      .reshape({n, -1})
                      .to(torch::kFloat)
                      .cpu();
    {
        std::lock_guard<std::mutex> lock(mutex);
        ++steps;
    }
    bool finished = false;
    for (int64_t i = 0; i < n; ++i) {
        auto& row = rows[static_cast<size_t>(i)];
        ++row->length;
        const auto id = static_cast<int32_t>(row->sampler.next(logits[i], row->history));
        if (take(*row, id)) {
            row.reset();
            finished = true;
        }
    }
    if (finished) compact();
}

void ServingEngine::Impl::fail_all(const std::string& error) {
    for (auto& r : rows)
        if (r) finish(*r, "error", error);
    rows.clear();
    cache = KVCache();
}

void ServingEngine::Impl::run() {
    c10::InferenceMode inference;
    set_threads(options.threads);  // OpenMP's thread count is per calling thread
    while (true) {
        std::vector<std::shared_ptr<ServeJob>> arrivals;
        {
            std::unique_lock<std::mutex> lock(mutex);
            cv.wait(lock, [&] { return stopping || !queue.empty() || !rows.empty(); });
            if (stopping) break;
            while (!queue.empty() && static_cast<int>(rows.size() + arrivals.size()) < options.max_batch) {
                arrivals.push_back(queue.front());
                queue.pop_front();
            }
            active_count = static_cast<int>(rows.size() + arrivals.size());  // submit() counts them as placed
        }
        try {
            if (!arrivals.empty()) admit(std::move(arrivals));
            step();
        } catch (const std::exception& e) {
            for (auto& job : arrivals)
                if (job) job->finish("error", 0, e.what());
            fail_all(e.what());
        }
        std::lock_guard<std::mutex> lock(mutex);
        active_count = static_cast<int>(rows.size());
    }
    for (auto& r : rows)
        if (r) finish(*r, "cancelled");
    rows.clear();
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& job : queue) job->finish("cancelled", 0);
    queue.clear();
    active_count = 0;
}

// ---- ServingEngine ------------------------------------------------------------------------------

ServingEngine::ServingEngine(const ServingOptions& options) : impl_(std::make_unique<Impl>()) {
    if (options.max_batch < 1) throw ConfigError(config_problem("max_concurrency", "must_be_at_least_one_got", {std::to_string(options.max_batch)}));
    if (options.max_queue < 0) throw ConfigError(config_problem("max_queue", "must_be_zero_or_more_got", {std::to_string(options.max_queue)}));
    impl_->options = options;
    impl_->load();
    impl_->worker = std::thread([this] { impl_->run(); });
}

ServingEngine::~ServingEngine() {
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->cv.notify_all();
    if (impl_->worker.joinable()) impl_->worker.join();
}

std::vector<int32_t> ServingEngine::encode_chat(const std::vector<Message>& messages, const std::string& system,
                                                bool enable_thinking) const {
    return impl_->chat_template->encode_generation(*impl_->tokenizer, messages, system, enable_thinking);
}

std::vector<int32_t> ServingEngine::encode_text(const std::string& text) const {
    std::vector<int32_t> ids;
    const auto& sp = impl_->tokenizer->special();
    if (sp.add_bos && sp.bos_id >= 0) ids.push_back(sp.bos_id);
    const auto body = impl_->tokenizer->encode(text, false);
    ids.insert(ids.end(), body.begin(), body.end());
    return ids;
}

int64_t ServingEngine::vocab_size() const { return impl_->model->config().vocab_size; }
int64_t ServingEngine::context_length() const { return impl_->model->config().max_position_embeddings; }
std::string ServingEngine::template_name() const { return impl_->chat_template->name; }
ServeRequest ServingEngine::defaults() const { return impl_->defaults; }

std::string ServingEngine::model_name() const {
    std::string dir = impl_->options.adapters.empty() ? impl_->options.model_dir : impl_->options.adapters.back();
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    const size_t slash = dir.find_last_of('/');
    return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

Problem ServingEngine::describe_note() const {
    const auto& c = impl_->model->config();
    return composed("model_summary", {verbatim(c.model_type), verbatim(format_parameter_count(c.parameter_count())),
                                      verbatim(weight_format_name(impl_->weights)), verbatim(template_name()),
                                      device_note(impl_->device)});
}

std::string ServingEngine::describe() const { return describe_note().message; }

std::shared_ptr<ServeJob> ServingEngine::submit(ServeRequest request) {
    sampling_of(request).validate();
    if (request.max_new_tokens < 1) throw ConfigError(config_problem("max_tokens", "must_be_at_least", {"1"}));
    if (request.prompt.empty()) throw ConfigError(plain_problem("prompt_empty"));
    const int64_t vocab = vocab_size();
    for (int32_t id : request.prompt)
        if (id < 0 || id >= vocab)
            throw ConfigError(plain_problem("prompt_token_outside_vocab", {std::to_string(id), std::to_string(vocab)}));
    auto job = std::make_shared<ServeJob>();
    job->request = std::move(request);
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        if (impl_->stopping) return nullptr;
        const int waiting = static_cast<int>(impl_->queue.size());
        const int free_places = impl_->options.max_batch - impl_->active_count;
        if (waiting - std::max(free_places, 0) >= impl_->options.max_queue) return nullptr;
        impl_->queue.push_back(job);
    }
    impl_->cv.notify_all();
    return job;
}

ServingStats ServingEngine::stats() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    ServingStats s;
    s.active = impl_->active_count;
    s.queued = static_cast<int>(impl_->queue.size());
    s.requests = impl_->finished_requests;
    s.tokens = impl_->generated_tokens;
    s.steps = impl_->steps;
    s.max_batch = impl_->options.max_batch;
    s.max_queue = impl_->options.max_queue;
    return s;
}

}  // namespace lathe
