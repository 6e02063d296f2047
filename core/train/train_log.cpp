#include "core/train/train_log.h"

#include "core/train/run_dir.h"
#include "core/train/train_config.h"

#include <cmath>
#include <sstream>

namespace lathe {

namespace {

double round_to(double v, int digits) {
    const double f = std::pow(10.0, digits);
    return std::round(v * f) / f;
}

std::string fmt(double v) {
    std::ostringstream ss;
    ss.precision(4);
    ss << v;
    return ss.str();
}

}  // namespace

TrainLog::TrainLog(RunDir& run, const TrainConfig& config, int64_t total, int64_t per_epoch, int world)
    : run_(run), config_(config), total_(total), per_epoch_(per_epoch), world_(world) {}

nlohmann::json TrainLog::trainer_state(const LoopState& s, double elapsed) const {
    const TrainConfig& c = config_;
    nlohmann::json j;
    j["global_step"] = s.step;
    j["max_steps"] = total_;
    j["epoch"] = epoch_of(s.step);
    j["num_train_epochs"] = c.max_steps > 0 ? std::ceil(static_cast<double>(total_) / per_epoch_) : c.num_train_epochs;
    j["logging_steps"] = c.logging_steps;
    j["save_steps"] = c.save_steps;
    j["eval_steps"] = c.eval_steps;
    j["train_batch_size"] = c.per_device_train_batch_size;
    j["best_metric"] = nullptr;
    j["best_model_checkpoint"] = nullptr;
    j["is_hyper_param_search"] = false;
    j["is_local_process_zero"] = true;
    j["is_world_process_zero"] = true;
    j["num_input_tokens_seen"] = s.total_tokens;
    j["log_history"] = s.log_history;
    j["lathe"] = {{"world_size", s.world_size},
                  {"total_tokens", s.total_tokens},
                  {"elapsed_time", elapsed},
                  {"loss_since_log", s.loss_since_log},
                  {"steps_since_log", s.steps_since_log},
                  {"metrics_since_log", s.metrics_since_log},
                  {"loss_total", s.loss_total}};
    return j;
}

void TrainLog::restore(const nlohmann::json& j, LoopState& s) {
    s.step = j.value("global_step", int64_t{0});
    s.log_history = j.value("log_history", nlohmann::json::array());
    if (j.contains("lathe")) {
        const auto& l = j["lathe"];
        s.total_tokens = l.value("total_tokens", int64_t{0});
        s.elapsed_before = l.value("elapsed_time", 0.0);
        s.loss_since_log = l.value("loss_since_log", 0.0);
        s.steps_since_log = l.value("steps_since_log", int64_t{0});
        s.metrics_since_log = l.value("metrics_since_log", std::map<std::string, double>{});
        s.loss_total = l.value("loss_total", 0.0);
    }
}

void TrainLog::add_step(LoopState& s, double loss, const std::map<std::string, double>& metrics, int64_t tokens) {
    s.total_tokens += tokens;
    tokens_since_log_ += tokens;
    s.loss_since_log += loss;
    s.loss_total += loss;
    ++s.steps_since_log;
    for (const auto& [k, v] : metrics) s.metrics_since_log[k] += v;
}

LogEvent TrainLog::log(LoopState& s, double lr, double grad_norm, double elapsed, double remaining) {
    LogEvent ev;
    ev.step = s.step;
    ev.total_steps = total_;
    ev.loss = s.loss_since_log / s.steps_since_log;
    ev.lr = lr;
    ev.grad_norm = grad_norm;
    ev.epoch = epoch_of(s.step);
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - last_log_).count();
    ev.tokens_per_second = dt > 0 ? tokens_since_log_ / dt : 0;
    ev.total_tokens = s.total_tokens;
    ev.elapsed_s = elapsed;
    ev.remaining_s = remaining;
    for (const auto& [k, v] : s.metrics_since_log) ev.metrics[k] = v / s.steps_since_log;

    nlohmann::json row = {{"current_steps", ev.step}, {"total_steps", total_},
                          {"loss", round_to(ev.loss, 4)}, {"lr", ev.lr},
                          {"epoch", round_to(ev.epoch, 2)},
                          {"percentage", round_to(100.0 * ev.step / total_, 2)},
                          {"elapsed_time", format_hms(ev.elapsed_s)},
                          {"remaining_time", format_hms(ev.remaining_s)},
                          {"throughput", round_to(ev.tokens_per_second, 2)},
                          {"total_tokens", ev.total_tokens}, {"grad_norm", round_to(grad_norm, 4)}};
    nlohmann::json hist = {{"loss", round_to(ev.loss, 4)}, {"learning_rate", ev.lr},
                           {"grad_norm", round_to(grad_norm, 4)}, {"epoch", round_to(ev.epoch, 4)},
                           {"step", ev.step}};
    for (const auto& [k, v] : ev.metrics) {
        row[k] = round_to(v, 4);
        hist[k] = round_to(v, 4);
    }
    if (ev.metrics.count("rewards/accuracies")) row["accuracy"] = row["rewards/accuracies"];
    if (world_ > 1) row["world_size"] = world_;
    run_.log_jsonl(row);
    run_.log_text("INFO", "step " + std::to_string(ev.step) + "/" + std::to_string(total_) + ": loss " + fmt(ev.loss) +
                              ", lr " + fmt(ev.lr) + ", grad_norm " + fmt(grad_norm) + ", epoch " + fmt(ev.epoch));
    s.log_history.push_back(hist);

    s.loss_since_log = 0;
    s.steps_since_log = 0;
    s.metrics_since_log.clear();
    tokens_since_log_ = 0;
    last_log_ = now;
    return ev;
}

void TrainLog::log_eval(LoopState& s, const EvalEvent& ev, double elapsed, double remaining) {
    nlohmann::json h = {{"eval_loss", round_to(ev.eval_loss, 4)}, {"perplexity", round_to(ev.perplexity, 4)},
                        {"epoch", round_to(epoch_of(s.step), 4)}, {"step", s.step}};
    for (const auto& [k, v] : ev.metrics) h["eval_" + k] = round_to(v, 4);
    s.log_history.push_back(h);
    nlohmann::json row = {{"current_steps", s.step}, {"total_steps", total_}, {"eval_loss", round_to(ev.eval_loss, 4)},
                          {"epoch", round_to(epoch_of(s.step), 2)},
                          {"percentage", round_to(100.0 * s.step / total_, 2)},
                          {"elapsed_time", format_hms(elapsed)}, {"remaining_time", format_hms(remaining)}};
    for (const auto& [k, v] : ev.metrics) row["eval_" + k] = round_to(v, 4);  // eval_accuracy (rm), eval_rewards/... (dpo)
    run_.log_jsonl(row);
    run_.log_text("INFO", "step " + std::to_string(s.step) + ": eval_loss " + fmt(ev.eval_loss) + ", perplexity " +
                              fmt(ev.perplexity));
}

void TrainLog::write_results(LoopState& s, double runtime, double train_loss, size_t train_examples,
                             bool evaluated) const {
    const double epochs = epoch_of(s.step);
    nlohmann::json train_results = {
        {"epoch", round_to(epochs, 4)},
        {"train_loss", train_loss},
        {"train_runtime", round_to(runtime, 4)},
        {"train_samples_per_second", round_to(runtime > 0 ? epochs * train_examples / runtime : 0, 3)},
        {"train_steps_per_second", round_to(runtime > 0 ? s.step / runtime : 0, 3)},
        {"total_tokens", s.total_tokens}};
    s.log_history.push_back({{"epoch", round_to(epochs, 4)}, {"step", s.step},
                             {"train_loss", train_loss}, {"train_runtime", round_to(runtime, 4)}});
    nlohmann::json all = train_results;
    for (auto it = s.log_history.rbegin(); evaluated && it != s.log_history.rend(); ++it)
        if (it->contains("eval_loss")) {
            nlohmann::json eval_results = {{"epoch", round_to(epochs, 4)}, {"eval_loss", (*it)["eval_loss"]},
                                           {"perplexity", (*it)["perplexity"]}};
            for (const auto& [k, v] : it->items())
                if (k.rfind("eval_", 0) == 0) eval_results[k] = v;  // the stage's metrics, as transformers
            run_.write_json("eval_results.json", eval_results);
            all.update(eval_results);
            break;
        }
    run_.write_json("train_results.json", train_results);
    run_.write_json("all_results.json", all);
    run_.write_json("trainer_state.json", trainer_state(s, runtime));
}

}  // namespace lathe
