#include "core/eval/predict.h"

#include "core/eval/judge.h"

#include "core/chat/chat_session.h"
#include "core/data/dataset_loader.h"
#include "core/data/template.h"
#include "core/io/json_file.h"
#include "core/model/config.h"
#include "core/model/model_folder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/train_config.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace lathe {

namespace {

using Clock = std::chrono::steady_clock;

double round4(double v) { return std::round(v * 1e4) / 1e4; }

// generated_predictions.jsonl is streamed beside its final name and renamed into place when the run ends
// (completed or aborted): a write that fails (a full disk) leaves no partial file under the final name,
// and an earlier run's predictions stay as they were.
class StagedFile {
public:
    StagedFile() = default;
    StagedFile(const StagedFile&) = delete;
    StagedFile& operator=(const StagedFile&) = delete;
    ~StagedFile() {
        if (out_.is_open()) out_.close();
        std::error_code ec;
        if (!tmp_.empty() && !committed_) std::filesystem::remove(tmp_, ec);
    }

    void open(const std::string& path) {
        path_ = path;
        tmp_ = temp_sibling(path);
        out_.open(tmp_, std::ios::binary | std::ios::trunc);
        if (!out_) throw write_error(path, "cannot_create", errno);
    }
    bool is_open() const { return out_.is_open(); }
    std::ostream& stream() { return out_; }
    void flush() {
        errno = 0;
        out_.flush();
        if (!out_) throw write_error(path_, "write_failed", errno);
    }
    void commit() {
        flush();
        errno = 0;
        out_.close();
        if (!out_) throw write_error(path_, "write_failed", errno);
        if (std::rename(tmp_.c_str(), path_.c_str()) != 0) throw write_error(path_, "cannot_rename", errno);
        committed_ = true;
    }

private:
    std::string path_, tmp_;
    std::ofstream out_;
    bool committed_ = false;
};

// An eval_dataset entry that is not an sft dataset: why, and what predictions need.
Problem predictions_need_sft(const DatasetEntry& e) {
    return composed_for_key("eval_dataset", "predictions_need_sft", {stage_mismatch(e, Stage::Sft)});
}

void validate(const PredictConfig& c) {
    auto fail = [](const std::string& key, const std::string& id, std::vector<std::string> args = {}) {
        throw ConfigError(config_problem(key, id, std::move(args)));
    };
    if (c.model_name_or_path.empty()) fail("model_name_or_path", "predict_no_model");
    if (c.dataset.empty()) fail("eval_dataset", "predict_no_dataset");
    if (c.batch_size < 1) fail("per_device_eval_batch_size", "must_be_at_least_one_got", {std::to_string(c.batch_size)});
    if (c.max_new_tokens < 1) fail("max_new_tokens", "must_be_at_least_one_got", {std::to_string(c.max_new_tokens)});
    if (c.max_samples < 0) fail("max_samples", "must_be_all_or_more_got", {std::to_string(c.max_samples)});
    if (c.cutoff_len < 1) fail("cutoff_len", "must_be_at_least_one_got", {std::to_string(c.cutoff_len)});
    if (c.do_sample) {
        if (!(c.temperature > 0)) fail("temperature", "must_be_above_zero_sampling");
        if (!(c.top_p > 0 && c.top_p <= 1)) fail("top_p", "must_be_in", {"(0, 1]"});
        if (c.top_k < 0) fail("top_k", "must_be_off_or_more");
    }
    if (!(c.repetition_penalty > 0)) fail("repetition_penalty", "must_be_above_zero");
    if (c.compare == "base" && c.adapter_name_or_path.empty())
        fail("compare", "compare_base_needs_adapter");
}

// A judge must be a reward model: its value head is there (checked again, fully, when it loads).
void check_judge(const std::string& dir) {
    if (!dir_exists(dir)) throw ConfigError(config_problem("judge", "path_not_a_folder", {dir}));
    if (!file_exists(path_join(dir, "value_head.safetensors")))
        throw ModelError(config_problem("judge", "judge_not_reward_model", {dir}));
}

void check_checkpoint_folder(const std::string& key, const std::string& dir) {
    if (!dir_exists(dir)) throw ConfigError(config_problem(key, "path_not_a_folder", {dir}));
    if (!file_exists(path_join(dir, "adapter_config.json")) && !file_exists(path_join(dir, "config.json")))
        throw ModelError(config_problem(key, "not_adapter_or_model", {dir}));
}

ChatOptions chat_options(const PredictConfig& c) {
    ChatOptions o;
    o.temperature = c.do_sample ? c.temperature : 0.0;
    o.top_p = c.do_sample ? c.top_p : 1.0;
    o.top_k = c.do_sample ? c.top_k : 0;
    o.repetition_penalty = c.repetition_penalty;
    o.max_new_tokens = c.max_new_tokens;
    o.seed = c.seed;
    o.enable_thinking = c.enable_thinking;
    return o;
}

// The model that answers a side: the base (with the adapter, if any, on or off) or a second session.
struct Side {
    ChatSession* session = nullptr;
    ChatVariant variant = ChatVariant::Tuned;
};

nlohmann::json results_json(const PredictSummary& s, bool partial) {
    nlohmann::json j;
    for (const auto& [k, v] : s.results) j[k] = v;
    j["predict_samples"] = s.samples;
    if (partial) j["partial"] = true;
    return j;
}

}  // namespace

std::vector<std::string> precheck_predict(const PredictConfig& c) {
    std::vector<std::string> problems;
    auto check = [&](auto&& f) {
        try {
            f();
        } catch (const Error& e) {
            problems.push_back(e.what());
        }
    };
    check([&] { validate(c); });
    check([&] {
        if (c.model_name_or_path.empty()) return;
        read_model_config(c.model_name_or_path);
        Tokenizer::from_dir(c.model_name_or_path);
    });
    check([&] {
        if (!c.adapter_name_or_path.empty()) check_checkpoint_folder("adapter_name_or_path", c.adapter_name_or_path);
    });
    check([&] {
        if (!c.compare.empty() && c.compare != "base") check_checkpoint_folder("compare", c.compare);
    });
    check([&] {
        if (!c.judge.empty()) check_judge(c.judge);
    });
    check([&] {
        if (c.dataset.empty()) return;
        DatasetRegistry reg = DatasetRegistry::load(c.dataset_dir);
        for (const auto& name : split_list(c.dataset)) {
            const DatasetEntry& e = reg.get(name);
            if (!entry_fits_stage(e, Stage::Sft))
                throw DataError(predictions_need_sft(e));
        }
    });
    check([&] {
        if (!c.template_name.empty()) find_template(c.template_name);
    });
    return problems;
}

PredictSummary run_predict(const PredictConfig& config, const PredictEvents& events, const std::atomic<bool>* cancel) {
    PredictSummary summary;
    summary.output_dir = config.output_dir;
    auto say = [&](const std::string& level, const Problem& line) {
        if (events.message) events.message(level, line);
    };
    try {
        const PredictConfig& c = config;
        validate(c);
        if (!c.adapter_name_or_path.empty()) check_checkpoint_folder("adapter_name_or_path", c.adapter_name_or_path);
        if (!c.compare.empty() && c.compare != "base") check_checkpoint_folder("compare", c.compare);
        if (!c.judge.empty()) check_judge(c.judge);

        // Data first: a dataset without labels fails before the model loads.
        DatasetRegistry reg = DatasetRegistry::load(c.dataset_dir);
        for (const auto& name : split_list(c.dataset)) {
            const DatasetEntry& e = reg.get(name);
            if (!entry_fits_stage(e, Stage::Sft))
                throw DataError(predictions_need_sft(e));
        }
        DatasetLoadOptions dopts;
        if (c.max_samples > 0) dopts.max_samples = static_cast<size_t>(c.max_samples);
        dopts.seed = c.seed;
        LoadedDatasets loaded;
        try {
            loaded = load_datasets(c.dataset_dir, c.dataset, Stage::Sft, dopts);
        } catch (Error& e) {
            e.set_key("eval_dataset");
            throw;
        }
        const auto& samples = loaded.samples;
        for (const auto& s : samples)
            if (s.response.empty() || s.response.front().content.empty())
                throw DataError(plain_problem("record_no_reference", {s.source}));
        if (samples.empty()) throw DataError(config_problem("eval_dataset", "eval_dataset_no_samples", {c.dataset}));
        say("info", composed("log_datasets", {loaded.report.note()}));

        ChatSession session;
        session.load(c.model_name_or_path, c.device, c.threads, c.weights);
        if (!c.template_name.empty()) session.set_template(c.template_name);
        if (!c.adapter_name_or_path.empty()) session.set_adapter(c.adapter_name_or_path);
        say("info", c.adapter_name_or_path.empty()
                        ? composed("predict_model", {session.describe_note()})
                        : composed("predict_model_checkpoint", {session.describe_note(), verbatim(c.adapter_name_or_path)}));
        std::unique_ptr<ChatSession> other;
        Side a{&session, ChatVariant::Tuned}, b;
        if (c.compare == "base") {
            b = {&session, ChatVariant::Base};
            say("info", note("predict_compare_base", {c.model_name_or_path}));
        } else if (!c.compare.empty()) {
            other = std::make_unique<ChatSession>();
            const bool full = !file_exists(path_join(c.compare, "adapter_config.json"));
            other->load(full ? c.compare : c.model_name_or_path, c.device, c.threads, c.weights);
            if (!c.template_name.empty()) other->set_template(c.template_name);
            if (!full) other->set_adapter(c.compare);
            b = {other.get(), ChatVariant::Tuned};
            say("info", note("predict_compare", {c.compare}));
        }
        summary.has_compare = b.session != nullptr;
        std::unique_ptr<RewardJudge> judge;
        if (!c.judge.empty()) {
            judge = std::make_unique<RewardJudge>(c.judge, c.device, c.cutoff_len);
            say("info", composed("predict_judge", {judge->describe_note()}));
        }
        summary.has_judge = judge != nullptr;
        double reward_sum = 0, reward_b_sum = 0, wins = 0;

        StagedFile jsonl;
        const std::string jsonl_path = c.output_dir.empty() ? std::string() : path_join(c.output_dir, "generated_predictions.jsonl");
        if (!c.output_dir.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(c.output_dir, ec);
            if (ec) throw write_error(c.output_dir, "cannot_create", ec);
            jsonl.open(jsonl_path);
        }

        const ChatOptions options = chat_options(c);
        summary.total = static_cast<int64_t>(samples.size());
        MetricTotals totals, totals_b;
        int truncated = 0;
        int64_t batches = 0;
        const auto start = Clock::now();
        auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
        bool aborted = false;
        for (size_t first = 0; first < samples.size(); first += static_cast<size_t>(c.batch_size)) {
            if (cancel && cancel->load()) {
                aborted = true;
                break;
            }
            const size_t last = std::min(samples.size(), first + static_cast<size_t>(c.batch_size));
            std::vector<ChatSession::Prompt> prompts;
            for (size_t i = first; i < last; ++i) prompts.push_back({samples[i].prompt, samples[i].system});
            auto replies = a.session->reply_batch(prompts, options, a.variant, cancel, c.cutoff_len, &truncated);
            std::vector<ChatReply> replies_b;
            if (b.session) replies_b = b.session->reply_batch(prompts, options, b.variant, cancel, c.cutoff_len);
            // A batch cut short by Abort is not scored: its answers are incomplete.
            bool cut = false;
            for (const auto& r : replies) cut |= r.finish == "cancelled";
            for (const auto& r : replies_b) cut |= r.finish == "cancelled";
            if (cut) {
                aborted = true;
                break;
            }
            std::vector<PredictRow> rows;
            for (size_t i = first; i < last; ++i) {
                const size_t k = i - first;
                PredictRow row;
                row.index = i;
                row.source = samples[i].source;
                row.prompt = session.render_prompt(prompts[k]);
                row.label = samples[i].response.front().content;
                row.predict = replies[k].text;
                row.finish = replies[k].finish;
                row.scores = score_prediction(row.predict, row.label);
                totals.add(row.scores);
                if (b.session) {
                    row.predict_b = replies_b[k].text;
                    row.finish_b = replies_b[k].finish;
                    row.scores_b = score_prediction(row.predict_b, row.label);
                    totals_b.add(row.scores_b);
                }
                rows.push_back(std::move(row));
            }
            if (judge) {
                std::vector<RewardJudge::Item> items;
                for (size_t i = first; i < last; ++i) {
                    const PredictRow& row = rows[i - first];
                    items.push_back({&samples[i].prompt, samples[i].system, row.predict});
                    if (b.session) items.push_back({&samples[i].prompt, samples[i].system, row.predict_b});
                }
                const auto rewards = judge->score(items);
                const size_t per = b.session ? 2 : 1;
                for (size_t k = 0; k < rows.size(); ++k) {
                    PredictRow& row = rows[k];
                    row.judged = true;
                    row.reward = rewards[k * per];
                    reward_sum += row.reward;
                    if (b.session) {
                        row.reward_b = rewards[k * per + 1];
                        reward_b_sum += row.reward_b;
                        wins += row.reward > row.reward_b ? 1.0 : row.reward == row.reward_b ? 0.5 : 0.0;
                    }
                }
            }
            for (const PredictRow& row : rows) {
                if (jsonl.is_open()) {
                    nlohmann::json line = {{"prompt", row.prompt}, {"predict", row.predict}, {"label", row.label}};
                    if (b.session) line["predict_b"] = row.predict_b;
                    if (row.judged) line["reward"] = row.reward;
                    if (row.judged && b.session) line["reward_b"] = row.reward_b;
                    jsonl.stream() << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
                }
            }
            if (jsonl.is_open()) jsonl.flush();
            ++batches;
            summary.samples += static_cast<int64_t>(rows.size());
            if (events.on_rows) events.on_rows(rows);
            if (events.on_progress) {
                PredictProgress p;
                p.done = summary.samples;
                p.total = summary.total;
                p.elapsed_s = elapsed();
                p.remaining_s = p.elapsed_s / static_cast<double>(p.done) * static_cast<double>(p.total - p.done);
                events.on_progress(p);
            }
        }
        if (truncated)
            say("warning", note("predict_truncated", {std::to_string(truncated), std::to_string(c.cutoff_len)}));
        if (jsonl.is_open()) jsonl.commit();
        summary.runtime_s = elapsed();
        summary.metrics = totals.mean();
        summary.metrics_b = totals_b.mean();
        summary.samples_per_second = summary.runtime_s > 0 ? summary.samples / summary.runtime_s : 0;
        if (summary.samples > 0) {
            for (const auto& [name, v] : named_scores(summary.metrics)) summary.results["predict_" + name] = round4(v);
            if (summary.has_compare)
                for (const auto& [name, v] : named_scores(summary.metrics_b)) summary.results["predict_b_" + name] = round4(v);
        }
        if (summary.has_judge && summary.samples > 0) {
            const double n = static_cast<double>(summary.samples);
            summary.reward = reward_sum / n;
            summary.results["predict_reward"] = round4(summary.reward);
            if (summary.has_compare) {
                summary.reward_b = reward_b_sum / n;
                summary.win_rate = 100.0 * wins / n;
                summary.results["predict_b_reward"] = round4(summary.reward_b);
                summary.results["predict_win_rate"] = round4(summary.win_rate);
            }
        }
        summary.results["predict_runtime"] = round4(summary.runtime_s);
        summary.results["predict_samples_per_second"] = round4(summary.samples_per_second);
        summary.results["predict_steps_per_second"] = round4(summary.runtime_s > 0 ? batches / summary.runtime_s : 0);
        if (!c.output_dir.empty()) {
            const nlohmann::json results = results_json(summary, aborted);
            write_json_file(path_join(c.output_dir, "predict_results.json"), results);
            // all_results.json gathers train, eval and predict results, as transformers' Trainer does.
            const std::string all_path = path_join(c.output_dir, "all_results.json");
            nlohmann::json all = nlohmann::json::object();
            if (file_exists(all_path)) {
                try {
                    all = read_json_file(all_path);
                    if (!all.is_object()) all = nlohmann::json::object();
                } catch (const Error&) {
                    all = nlohmann::json::object();  // a damaged file is replaced, not fatal
                }
            }
            for (auto it = all.begin(); it != all.end();)  // an earlier prediction's keys go
                it = it.key().rfind("predict_", 0) == 0 || it.key() == "partial" ? all.erase(it) : std::next(it);
            all.update(results);
            write_json_file(all_path, all);
        }
        summary.status = aborted ? PredictSummary::Status::Aborted : PredictSummary::Status::Completed;
        if (aborted)
            summary.message = "stopped after " + std::to_string(summary.samples) + " of " +
                              std::to_string(summary.total) + " samples; the results cover those and are marked partial";
        return summary;
    } catch (const std::exception& e) {
        summary.status = PredictSummary::Status::Failed;
        summary.message = e.what();
        if (const auto* error = dynamic_cast<const Error*>(&e)) summary.problem = error->problem();
        return summary;
    }
}

PredictConfig predict_config_from(const TrainConfig& t, bool trained) {
    PredictConfig c;
    c.model_name_or_path = t.model_name_or_path;
    c.adapter_name_or_path = t.adapter_name_or_path;
    if (trained) {
        if (t.method() == Method::Lora && t.create_new_model.empty()) {
            // Adapters named in the config were merged into the base before training: the trained
            // adapter alone on the plain base would not be what was trained.
            if (!t.adapter_name_or_path.empty())
                throw ConfigError(config_problem("do_predict", "predict_after_lora", {t.adapter_name_or_path}));
            c.adapter_name_or_path = t.output_dir;
        } else {
            c.model_name_or_path = t.output_dir;  // full, freeze or a new model: the folder the run saved
            c.adapter_name_or_path.clear();
        }
    }
    c.compare = t.lathe_compare;
    c.judge = t.lathe_judge;
    c.template_name = t.template_name;
    c.dataset_dir = t.dataset_dir;
    c.dataset = t.eval_dataset.empty() ? t.dataset : t.eval_dataset;
    c.max_samples = t.max_samples;
    c.batch_size = t.per_device_eval_batch_size;
    c.cutoff_len = t.cutoff_len;
    c.max_new_tokens = t.max_new_tokens;
    c.do_sample = t.do_sample;
    c.temperature = t.temperature;
    c.top_p = t.top_p;
    c.top_k = t.top_k;
    c.repetition_penalty = t.repetition_penalty;
    c.seed = static_cast<uint64_t>(t.seed);
    c.enable_thinking = t.enable_thinking;
    c.device = t.device;
    c.threads = t.threads;
    c.output_dir = t.output_dir;
    return c;
}

std::vector<PredictRow> read_predictions(const std::string& path) {
    const std::string text = read_file(path);
    std::vector<PredictRow> rows;
    size_t line_no = 0, pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const std::exception& e) {
            throw DataError(file_problem(path, 0, 0, "predictions_line_not_json", {std::to_string(line_no), e.what()}));
        }
        auto text_of = [&](const char* key, bool required) -> std::string {
            auto it = j.find(key);
            if (it == j.end() || it->is_null()) {
                if (required)
                    throw DataError(file_problem(path, 0, 0, "predictions_line_no_field", {std::to_string(line_no), key}));
                return {};
            }
            if (!it->is_string())
                throw DataError(file_problem(path, 0, 0, "predictions_line_not_string", {std::to_string(line_no), key}));
            return it->get<std::string>();
        };
        PredictRow row;
        row.index = rows.size();
        row.prompt = text_of("prompt", false);
        row.predict = text_of("predict", true);
        row.label = text_of("label", true);
        row.predict_b = text_of("predict_b", false);
        if (j.contains("reward") && j["reward"].is_number()) {
            row.judged = true;
            row.reward = j["reward"].get<double>();
            if (j.contains("reward_b") && j["reward_b"].is_number()) row.reward_b = j["reward_b"].get<double>();
        }
        row.scores = score_prediction(row.predict, row.label);
        if (j.contains("predict_b")) row.scores_b = score_prediction(row.predict_b, row.label);
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace lathe
