#include "core/chat/chat_session.h"

#include "core/data/template.h"
#include "core/infer/inference_weights.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"
#include "core/model/model_info.h"
#include "core/peft/adapter_io.h"
#include "core/peft/lora.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/device.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <algorithm>

namespace lathe {

namespace {

// A model with the tokenizer and stop ids it answers with.
struct LoadedModel {
    std::string dir;
    CausalLM model{nullptr};
    std::unique_ptr<Tokenizer> tokenizer;
    std::vector<int32_t> stop_ids;
    WeightFormat weights = WeightFormat::F32;  // as held (auto resolved)
};

LoadedModel load_model(const std::string& dir, const torch::Device& device, WeightFormat weights,
                       const std::vector<std::string>& adapters = {}) {
    read_model_config(dir);  // a folder that holds no model fails here, not on its tokenizer
    LoadedModel m;
    m.dir = dir;
    m.tokenizer = Tokenizer::from_dir(dir);
    InferenceOptions io;
    io.device = device;
    io.weights = weights;
    io.adapters = adapters;
    InferenceReport report;
    m.model = load_for_inference(dir, io, &report);
    m.weights = report.weights;
    m.model->eval();
    m.stop_ids = default_stop_ids(dir, m.tokenizer.get());
    return m;
}

const char* finish_text(FinishReason r) {
    switch (r) {
        case FinishReason::Stop: return "stop";
        case FinishReason::Length: return "length";
        case FinishReason::Cancelled: return "cancelled";
    }
    return "stop";
}

SamplingParams sampling_of(const ChatOptions& options) {
    SamplingParams s;
    s.temperature = options.temperature;
    s.top_p = options.top_p;
    s.top_k = options.top_k;
    s.repetition_penalty = options.repetition_penalty;
    s.seed = options.seed;
    return s;
}

GenerateOptions generate_options(const ChatOptions& options, const LoadedModel& m, const ChatTemplate& tmpl) {
    options.validate();
    GenerateOptions go;
    go.sampling = sampling_of(options);
    go.max_new_tokens = options.max_new_tokens;
    const StopCriteria stops = tmpl.stop_criteria(*m.tokenizer);
    go.stop_ids = m.stop_ids;
    for (int32_t id : stops.token_ids)
        if (std::find(go.stop_ids.begin(), go.stop_ids.end(), id) == go.stop_ids.end()) go.stop_ids.push_back(id);
    go.stop_strings = stops.strings;
    return go;
}

}  // namespace

void ChatOptions::validate() const {
    sampling_of(*this).validate();
    if (max_new_tokens < 1) throw ConfigError(config_problem("max_new_tokens", "must_be_at_least", {"1"}));
}

struct ChatSession::Impl {
    torch::Device device = torch::kCPU;
    WeightFormat weights = WeightFormat::Auto;
    std::optional<LoadedModel> base;
    std::optional<LoadedModel> tuned;   // a full fine-tune loaded beside the base
    std::unique_ptr<LoraModel> lora;    // an adapter installed on the base
    std::string adapter;
    std::string template_override;

    const ChatTemplate& chat_template(const LoadedModel& m) const {
        if (!template_override.empty()) return *find_template(template_override);
        return *find_template(pick_template(m.tokenizer.get(), m.model->config().model_type));
    }
    void drop_adapter() {
        if (lora) lora->unload();
        lora.reset();
        tuned.reset();
        adapter.clear();
    }
};

ChatSession::ChatSession() : impl_(std::make_unique<Impl>()) {}
ChatSession::~ChatSession() = default;

void ChatSession::load(const std::string& model_dir, const std::string& device, int threads,
                       const std::string& weights, const std::vector<std::string>& merged_adapters) {
    unload();
    set_threads(threads);
    impl_->device = parse_device(device);
    impl_->weights = parse_weight_format(weights);
    impl_->base = load_model(model_dir, impl_->device, impl_->weights, merged_adapters);
}

void ChatSession::unload() {
    impl_->drop_adapter();
    impl_->base.reset();
}

bool ChatSession::loaded() const { return impl_->base.has_value(); }
std::string ChatSession::model_dir() const { return impl_->base ? impl_->base->dir : std::string(); }

void ChatSession::set_adapter(const std::string& dir) {
    if (dir == impl_->adapter) return;
    if (!impl_->base) throw ConfigError(plain_problem("chat_load_model_first"));
    impl_->drop_adapter();
    if (dir.empty()) return;
    if (file_exists(path_join(dir, "adapter_config.json"))) {
        AdapterLoadOptions ao;
        ao.base_model_name_or_path = impl_->base->dir;
        impl_->lora = std::make_unique<LoraModel>(load_lora_adapter(impl_->base->model.ptr(), dir, ao));
    } else if (file_exists(path_join(dir, "config.json"))) {
        impl_->tuned = load_model(dir, impl_->device, impl_->weights);
    } else {
        throw ModelError(file_problem(dir, 0, 0, "chat_not_adapter_or_model"));
    }
    impl_->adapter = dir;
}

std::string ChatSession::adapter_dir() const { return impl_->adapter; }
bool ChatSession::has_adapter() const { return !impl_->adapter.empty(); }
bool ChatSession::adapter_is_full_model() const { return impl_->tuned.has_value(); }

void ChatSession::set_template(const std::string& name) {
    if (!name.empty()) find_template(name);  // throws ConfigError listing the names
    impl_->template_override = name;
}

std::string ChatSession::template_name() const {
    if (!impl_->base) return impl_->template_override;
    return impl_->chat_template(*impl_->base).name;
}

ChatReply ChatSession::reply(const std::vector<Message>& history, const std::string& system,
                             const ChatOptions& options, ChatVariant variant,
                             const std::function<void(const std::string&)>& on_text,
                             const std::atomic<bool>* cancel) {
    if (!impl_->base) throw ConfigError(plain_problem("chat_no_model"));
    const bool tuned = variant == ChatVariant::Tuned;
    LoadedModel& m = tuned && impl_->tuned ? *impl_->tuned : *impl_->base;
    if (impl_->lora) impl_->lora->set_enabled(tuned);
    const ChatTemplate& tmpl = impl_->chat_template(m);

    const GenerateOptions go = generate_options(options, m, tmpl);
    const auto prompt = tmpl.encode_generation(*m.tokenizer, history, system, options.enable_thinking);
    torch::NoGradGuard no_grad;
    const GenerateResult r = generate(*m.model, m.tokenizer.get(), prompt, go,
                                      [&](const std::string& text, int32_t) {
                                          if (on_text && !text.empty()) on_text(text);
                                      },
                                      cancel);
    if (impl_->lora) impl_->lora->set_enabled(true);
    ChatReply out;
    out.text = r.text;
    out.finish = finish_text(r.finish);
    out.prompt_tokens = r.prompt_tokens;
    out.new_tokens = static_cast<int64_t>(r.ids.size());
    out.tokens_per_second = r.decode_tokens_per_s();
    return out;
}

std::vector<ChatReply> ChatSession::reply_batch(const std::vector<Prompt>& prompts, const ChatOptions& options,
                                                ChatVariant variant, const std::atomic<bool>* cancel,
                                                int max_prompt_tokens, int* truncated) {
    if (!impl_->base) throw ConfigError(plain_problem("chat_no_model"));
    const bool tuned = variant == ChatVariant::Tuned;
    LoadedModel& m = tuned && impl_->tuned ? *impl_->tuned : *impl_->base;
    const ChatTemplate& tmpl = impl_->chat_template(m);
    const GenerateOptions go = generate_options(options, m, tmpl);
    std::vector<std::vector<int32_t>> ids;
    for (const auto& p : prompts) {
        auto prompt = tmpl.encode_generation(*m.tokenizer, p.history, p.system, options.enable_thinking);
        if (max_prompt_tokens > 0 && static_cast<int>(prompt.size()) > max_prompt_tokens) {
            prompt.erase(prompt.begin(), prompt.end() - max_prompt_tokens);
            if (truncated) ++*truncated;
        }
        ids.push_back(std::move(prompt));
    }
    if (impl_->lora) impl_->lora->set_enabled(tuned);
    std::vector<GenerateResult> results;
    try {
        torch::NoGradGuard no_grad;
        results = generate_batch(*m.model, m.tokenizer.get(), ids, go, cancel);
    } catch (...) {
        if (impl_->lora) impl_->lora->set_enabled(true);
        throw;
    }
    if (impl_->lora) impl_->lora->set_enabled(true);
    std::vector<ChatReply> out;
    for (const auto& r : results) {
        ChatReply reply;
        reply.text = r.text;
        reply.finish = finish_text(r.finish);
        reply.prompt_tokens = r.prompt_tokens;
        reply.new_tokens = static_cast<int64_t>(r.ids.size());
        reply.tokens_per_second = r.decode_tokens_per_s();
        out.push_back(std::move(reply));
    }
    return out;
}

std::string ChatSession::render_prompt(const Prompt& prompt) const {
    if (!impl_->base) throw ConfigError(plain_problem("chat_no_model"));
    const LoadedModel& m = *impl_->base;
    return impl_->chat_template(m).render(prompt.history, prompt.system, m.tokenizer.get());
}

Problem ChatSession::describe_note() const {
    if (!impl_->base) return verbatim("");
    const auto& c = impl_->base->model->config();
    return composed("model_summary", {verbatim(c.model_type), verbatim(format_parameter_count(c.parameter_count())),
                                      verbatim(weight_format_name(impl_->base->weights)), verbatim(template_name()),
                                      device_note(impl_->device)});
}

std::string ChatSession::describe() const { return describe_note().message; }

}  // namespace lathe
