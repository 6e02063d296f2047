#include "core/train/trainer.h"

#include "core/data/batching.h"
#include "core/dist/collective.h"
#include "core/dist/gradient_sync.h"
#include "core/util/autocast.h"
#include "core/train/checkpoint.h"
#include "core/train/precision.h"
#include "core/train/run_dir.h"
#include "core/train/scheduler.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <chrono>
#include <cmath>
#include <sstream>

namespace lathe {

int64_t steps_per_epoch(size_t examples, int batch_size, int accumulation) {
    const int64_t batches = (static_cast<int64_t>(examples) + batch_size - 1) / batch_size;
    return std::max<int64_t>(1, (batches + accumulation - 1) / accumulation);
}

int64_t total_steps(const TrainConfig& c, size_t examples) {
    if (c.max_steps > 0) return c.max_steps;
    const int64_t per_epoch =
        steps_per_epoch(examples, c.per_device_train_batch_size, c.gradient_accumulation_steps);
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(c.num_train_epochs * per_epoch)));
}

std::vector<size_t> rank_share(const std::vector<size_t>& order, int rank, int world_size) {
    if (world_size <= 1) return order;
    std::vector<size_t> share;
    const size_t per_rank = (order.size() + world_size - 1) / world_size;
    for (size_t k = 0; k < per_rank; ++k) {
        const size_t i = k * world_size + rank;
        share.push_back(order[i % order.size()]);
    }
    return share;
}

namespace {

struct EvalSums {
    double loss = 0;
    int64_t units = 0;
    std::map<std::string, double> metrics;
};

EvalSums evaluate_sums(CausalLMImpl& model, Objective& objective, const std::vector<const Example*>& examples,
                       int batch_size, int32_t pad_id, torch::ScalarType autocast) {
    torch::NoGradGuard no_grad;
    AutocastScope autocast_scope(model.device(), autocast);
    const bool was_training = model.is_training();
    model.eval();
    EvalSums sums;
    for (size_t i = 0; i < examples.size(); i += batch_size) {
        std::vector<const Example*> group(examples.begin() + static_cast<std::ptrdiff_t>(i),
                                          examples.begin() + static_cast<std::ptrdiff_t>(std::min(examples.size(), i + batch_size)));
        Batch b = collate(group, pad_id, model.device());
        auto out = objective.compute(model, b, TrainForward{});
        sums.loss += out.loss_sum.item<double>();
        sums.units += objective.units(b);
        for (const auto& [k, v] : out.metrics) sums.metrics[k] += v;
    }
    if (was_training) model.train();
    return sums;
}

double mean_of(const EvalSums& sums, std::map<std::string, double>* metrics) {
    if (metrics)
        for (const auto& [k, v] : sums.metrics) (*metrics)[k] = sums.units ? v / sums.units : 0.0;
    return sums.units ? sums.loss / sums.units : 0.0;
}

// ZeRO-1: which rank holds the AdamW state of each trainable tensor and updates it. Largest first to the
// least loaded rank, the same on every rank.
std::vector<int> zero_owners(const std::vector<NamedParameter>& trainable, int world) {
    std::vector<size_t> order(trainable.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return trainable[a].param.numel() > trainable[b].param.numel(); });
    std::vector<int64_t> load(world, 0);
    std::vector<int> owner(trainable.size(), 0);
    for (size_t i : order) {
        const int r = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
        owner[i] = r;
        load[r] += trainable[i].param.numel();
    }
    return owner;
}

}  // namespace

double evaluate_loss(CausalLMImpl& model, Objective& objective, const std::vector<Example>& examples, int batch_size,
                     int32_t pad_id, std::map<std::string, double>* metrics, torch::ScalarType autocast) {
    std::vector<const Example*> all;
    for (const auto& e : examples) all.push_back(&e);
    return mean_of(evaluate_sums(model, objective, all, batch_size, pad_id, autocast), metrics);
}

namespace {

using Clock = std::chrono::steady_clock;

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

// The mutable state of a run that a checkpoint must carry for an exact resume.
struct LoopState {
    int64_t step = 0;
    int64_t total_tokens = 0;
    double elapsed_before = 0;  // seconds spent before a resume
    double loss_since_log = 0;  // summed per-step losses not yet logged
    int64_t steps_since_log = 0;
    std::map<std::string, double> metrics_since_log;
    double loss_total = 0;      // for train_loss (mean over all steps)
    nlohmann::json log_history = nlohmann::json::array();
    int world_size = 1;         // processes of the run (recorded, not restored)
};

// A data-parallel step's loss and metrics: each rank's share, already divided by the global units, summed
// (the gradients are GradientSync's).
void sum_over_ranks(Collective& dist, double& loss, std::map<std::string, double>& metrics) {
    std::vector<double> v{loss};
    for (const auto& [k, x] : metrics) v.push_back(x);
    dist.sum(v);
    loss = v[0];
    size_t i = 1;
    for (auto& [k, x] : metrics) x = v[i++];
}

nlohmann::json trainer_state_json(const TrainConfig& c, const LoopState& s, int64_t total, int64_t per_epoch) {
    nlohmann::json j;
    j["global_step"] = s.step;
    j["max_steps"] = total;
    j["epoch"] = static_cast<double>(s.step) / per_epoch;
    j["num_train_epochs"] = c.max_steps > 0 ? std::ceil(static_cast<double>(total) / per_epoch) : c.num_train_epochs;
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
                  {"elapsed_time", s.elapsed_before},
                  {"loss_since_log", s.loss_since_log},
                  {"steps_since_log", s.steps_since_log},
                  {"metrics_since_log", s.metrics_since_log},
                  {"loss_total", s.loss_total}};
    return j;
}

void restore_loop_state(const nlohmann::json& j, LoopState& s) {
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

}  // namespace

TrainSummary train_loop(TrainerSetup& setup, RunDir& run, const TrainerEvents& events,
                        const std::atomic<bool>* cancel) {
    TrainSummary summary;
    const TrainConfig& c = setup.config;
    summary.output_dir = c.output_dir;
    auto finish = [&](TrainSummary::Status status, const std::string& message) {
        summary.status = status;
        summary.message = message;
        run.log_text(status == TrainSummary::Status::Failed ? "ERROR" : "INFO",
                     message.empty() ? "training finished" : message);
        if (events.on_finished) events.on_finished(summary);
        return summary;
    };

    // The tail of a failure message: where the run can be picked up again.
    auto last_good = [&]() -> std::string {
        return summary.last_checkpoint.empty() ? "; no checkpoint was saved"
                                               : "; the last good checkpoint is kept: " + summary.last_checkpoint;
    };

    LoopState state;
    state.world_size = setup.collective ? setup.collective->world_size() : 1;
    try {
        if (setup.train.empty()) throw DataError("nothing to train on: the training set is empty");
        CausalLMImpl& model = *setup.model;
        const auto device = model.device();
        Collective* dist = setup.collective;
        const int world = dist ? dist->world_size() : 1;
        const bool root = !dist || dist->is_root();
        // Each rank's share of an epoch (DistributedSampler's: the order padded to a multiple of the world).
        const size_t share = (setup.train.size() + world - 1) / world;
        const int64_t per_epoch = steps_per_epoch(share, c.per_device_train_batch_size, c.gradient_accumulation_steps);
        const int64_t total = total_steps(c, share);
        summary.total_steps = total;
        Schedule schedule{c.lr_scheduler_type, total, warmup_steps_for(total, c.warmup_steps, c.warmup_ratio),
                          c.min_lr_rate};
        AdamW optimizer(setup.trainable, {c.learning_rate, c.adam_beta1, c.adam_beta2, c.adam_epsilon, c.weight_decay});
        TrainForward how{c.gradient_checkpointing, c.neftune_noise_alpha, c.moe_aux_loss_coef, setup.collective};
        refuse_fp16(c);
        const torch::ScalarType compute_dtype = setup.autocast;  // trainable weights keep their own dtype

        const std::string resume = resolve_resume(c.resume_from_checkpoint, c.output_dir);
        if (!resume.empty()) {
            if (setup.load_weights) setup.load_weights(resume);  // unset: the caller restored them already
            auto cs = load_checkpoint(resume, optimizer);
            restore_loop_state(cs.trainer_state, state);
            summary.last_checkpoint = resume;
            events.message("info", "resumed from " + resume + " at step " + std::to_string(state.step));
            run.log_text("INFO", "resumed from " + resume + " at step " + std::to_string(state.step));
            const int saved_world = cs.trainer_state.value(nlohmann::json::json_pointer("/lathe/world_size"), 1);
            if (saved_world != world) {
                const std::string note = "the checkpoint was written by " + std::to_string(saved_world) +
                                         " process(es), this run has " + std::to_string(world) +
                                         ": it goes on at the same step of the epoch, with the global batch of " +
                                         std::to_string(world) + " x per_device_train_batch_size x accumulation";
                events.message("warning", note);
                run.log_text("WARNING", note);
            }
        }
        // ZeRO-1: each rank keeps the moments of its share of the weights (the resumed state was loaded whole).
        std::vector<int> owner;
        auto keep_my_share = [&] {  // drops the moments other ranks own (after loading or gathering them whole)
            if (owner.empty()) return;
            std::vector<bool> mine(owner.size());
            for (size_t i = 0; i < owner.size(); ++i) mine[i] = owner[i] == dist->rank();
            optimizer.keep_state_only_for(mine);
        };
        if (!dist && c.zero_stage == 1)
            events.message("warning", "zero_stage: 1 shards the optimizer state among several processes; this run has one");
        if (dist && c.zero_stage == 1) owner = zero_owners(setup.trainable, world);
        keep_my_share();
        std::unique_ptr<GradientSync> sync;  // data-parallel: gradient sums that start during the backward
        int64_t early_buckets = 0, synced_steps = 0;
        if (dist) {
            // Every rank starts from rank 0's weights, as PyTorch's DistributedDataParallel does.
            std::vector<torch::Tensor> weights;
            for (const auto& p : setup.trainable) weights.push_back(p.param);
            dist->broadcast(weights);
            sync = std::make_unique<GradientSync>(*dist, weights, int64_t(c.ddp_bucket_cap_mb) << 20);
            run.log_text("INFO", "data-parallel: " + std::to_string(world) + " processes, global batch " +
                                     std::to_string(world * c.per_device_train_batch_size * c.gradient_accumulation_steps) +
                                     ", gradients in " + std::to_string(sync->buckets()) + " bucket(s)" +
                                     (owner.empty() ? "" : ", AdamW state sharded (ZeRO-1)"));
        }

        const auto start = Clock::now();
        auto elapsed = [&] { return state.elapsed_before + std::chrono::duration<double>(Clock::now() - start).count(); };
        int64_t steps_this_session = 0;
        auto remaining = [&] {
            if (steps_this_session == 0) return 0.0;
            const double per_step = (elapsed() - state.elapsed_before) / steps_this_session;
            return per_step * static_cast<double>(total - state.step);
        };
        auto last_log_time = Clock::now();
        int64_t tokens_since_log = 0;
        // The step whose state is on disk (the resumed checkpoint counts): a cancel there writes nothing.
        int64_t saved_step = resume.empty() ? -1 : state.step;

        // A loss that stays finite can still come with weights that overflowed in the update; such
        // weights must never replace a good checkpoint or become the run's output.
        auto check_weights = [&] {
            torch::NoGradGuard no_grad;
            for (const auto& p : setup.trainable)
                if (!torch::isfinite(p.param).all().item<bool>())
                    throw ModelError("the weights became non-finite at step " + std::to_string(state.step) + " (" +
                                     p.name + ")" + last_good());
        };
        auto checkpoint = [&] {
            check_weights();
            // ZeRO-1: rank 0 gathers every rank's moments to write the whole state (as one process would).
            if (!owner.empty())
                for (size_t i = 0; i < owner.size(); ++i) {
                    if (owner[i] == 0) continue;
                    auto [m, v] = optimizer.moments(i);
                    dist->broadcast({m, v}, owner[i]);
                }
            if (!root) {
                keep_my_share();  // only rank 0 writes; the others know where it is
                saved_step = state.step;
                summary.last_checkpoint = path_join(c.output_dir, "checkpoint-" + std::to_string(state.step));
                return;
            }
            auto ts = trainer_state_json(c, state, total, per_epoch);
            ts["lathe"]["elapsed_time"] = elapsed();
            const std::string last_saved = save_checkpoint(c.output_dir, state.step, setup.save_weights, optimizer, ts);
            saved_step = state.step;
            rotate_checkpoints(c.output_dir, c.save_total_limit, last_saved);
            summary.last_checkpoint = last_saved;
            keep_my_share();
            run.log_text("INFO", "saved " + last_saved);
            if (events.on_checkpoint) events.on_checkpoint(last_saved, state.step);
        };
        auto do_eval = [&] {
            if (setup.eval.empty()) return;
            EvalEvent ev;
            ev.step = state.step;
            // Each rank evaluates every world-th example (all of them when there are fewer than ranks) and
            // the sums meet.
            std::vector<const Example*> mine;
            const bool split = dist && setup.eval.size() >= static_cast<size_t>(world);
            for (size_t i = split ? dist->rank() : 0; i < setup.eval.size(); i += split ? world : 1) mine.push_back(&setup.eval[i]);
            EvalSums sums = evaluate_sums(model, *setup.objective, mine, c.per_device_eval_batch_size, setup.pad_id,
                                          compute_dtype);
            if (split) {
                std::vector<double> v{sums.loss, static_cast<double>(sums.units)};
                for (const auto& [k, x] : sums.metrics) v.push_back(x);
                dist->sum(v);
                sums.loss = v[0];
                sums.units = static_cast<int64_t>(std::llround(v[1]));
                size_t i = 2;
                for (auto& [k, x] : sums.metrics) x = v[i++];
            }
            ev.eval_loss = mean_of(sums, &ev.metrics);
            ev.perplexity = std::exp(std::min(ev.eval_loss, 50.0));
            nlohmann::json h = {{"eval_loss", round_to(ev.eval_loss, 4)}, {"perplexity", round_to(ev.perplexity, 4)},
                                {"epoch", round_to(static_cast<double>(state.step) / per_epoch, 4)},
                                {"step", state.step}};
            for (const auto& [k, v] : ev.metrics) h["eval_" + k] = round_to(v, 4);
            state.log_history.push_back(h);
            nlohmann::json row = {{"current_steps", state.step}, {"total_steps", total}, {"eval_loss", round_to(ev.eval_loss, 4)},
                                  {"epoch", round_to(static_cast<double>(state.step) / per_epoch, 2)},
                                  {"percentage", round_to(100.0 * state.step / total, 2)},
                                  {"elapsed_time", format_hms(elapsed())}, {"remaining_time", format_hms(remaining())}};
            for (const auto& [k, v] : ev.metrics) row["eval_" + k] = round_to(v, 4);  // eval_accuracy (rm), eval_rewards/... (dpo)
            run.log_jsonl(row);
            run.log_text("INFO", "step " + std::to_string(state.step) + ": eval_loss " + fmt(ev.eval_loss) +
                                     ", perplexity " + fmt(ev.perplexity));
            if (events.on_eval) events.on_eval(ev);
        };

        model.train();
        optimizer.zero_grad();
        const int B = c.per_device_train_batch_size, G = c.gradient_accumulation_steps;
        bool stop = false;
        while (state.step < total && !stop) {
            const int64_t epoch = state.step / per_epoch;
            const auto order = rank_share(epoch_order(setup.train.size(), static_cast<uint64_t>(c.seed), epoch),
                                          dist ? dist->rank() : 0, world);
            for (int64_t w = state.step % per_epoch; w < per_epoch && state.step < total; ++w) {
                // The window's micro-batches: examples [w*G*B, (w+1)*G*B) of this epoch's order.
                std::vector<Batch> window;
                for (int g = 0; g < G; ++g) {
                    const size_t first = static_cast<size_t>((w * G + g) * B);
                    if (first >= order.size()) break;
                    std::vector<const Example*> group;
                    for (size_t k = first; k < std::min(order.size(), first + B); ++k)
                        group.push_back(&setup.train[order[k]]);
                    window.push_back(collate(group, setup.pad_id, device));
                }
                int64_t units = 0, window_tokens = 0;
                for (const auto& b : window) {
                    units += setup.objective->units(b);
                    window_tokens += b.tokens;
                }
                if (dist) {
                    // The loss is averaged over the units of every rank's window, so that the summed
                    // gradients equal one process's over the global batch; an abort on any rank stops all
                    // of them here, before the step.
                    std::vector<double> head{static_cast<double>(units), static_cast<double>(window_tokens),
                                             cancel && cancel->load() ? 1.0 : 0.0};
                    dist->sum(head);
                    units = static_cast<int64_t>(std::llround(head[0]));
                    window_tokens = static_cast<int64_t>(std::llround(head[1]));
                    if (head[2] > 0) {
                        stop = true;
                        break;
                    }
                }
                double step_loss = 0;
                std::map<std::string, double> step_metrics;
                for (size_t m = 0; m < window.size(); ++m) {
                    const Batch& b = window[m];
                    if (!dist && cancel && cancel->load()) {
                        stop = true;
                        break;
                    }
                    LossOutput out;
                    {
                        AutocastScope autocast(device, compute_dtype);  // forward only; backward follows it
                        out = setup.objective->compute(model, b, how);
                    }
                    auto loss = out.loss_sum / static_cast<double>(std::max<int64_t>(units, 1));
                    if (sync && m + 1 == window.size()) sync->arm();  // the window's gradients become final
                    loss.backward();
                    step_loss += loss.item<double>();
                    for (const auto& [k, v] : out.metrics) step_metrics[k] += v / std::max<int64_t>(units, 1);
                }
                if (stop) {
                    optimizer.zero_grad();  // a partial window is discarded: state stays at the last step
                    break;
                }
                if (dist) {
                    early_buckets += sync->finish();
                    ++synced_steps;
                    sum_over_ranks(*dist, step_loss, step_metrics);
                }
                if (!std::isfinite(step_loss))
                    throw ModelError("the loss became " + std::string(std::isnan(step_loss) ? "NaN" : "infinite") +
                                     " at step " + std::to_string(state.step + 1) +
                                     " (try a lower learning_rate or max_grad_norm)" + last_good());
                const double grad_norm = clip_grad_norm(setup.trainable, c.max_grad_norm);
                if (!std::isfinite(grad_norm))
                    throw ModelError("the gradient norm became non-finite at step " + std::to_string(state.step + 1) +
                                     last_good());
                optimizer.step(c.learning_rate * schedule.factor(state.step));
                if (!owner.empty()) {
                    // ZeRO-1: each owner's updated weights to every rank.
                    for (int r = 0; r < world; ++r) {
                        std::vector<torch::Tensor> theirs;
                        for (size_t i = 0; i < owner.size(); ++i)
                            if (owner[i] == r) theirs.push_back(setup.trainable[i].param);
                        if (!theirs.empty()) dist->broadcast(theirs, r);
                    }
                }
                optimizer.zero_grad();
                ++state.step;
                ++steps_this_session;
                state.total_tokens += window_tokens;
                tokens_since_log += window_tokens;
                state.loss_since_log += step_loss;
                state.loss_total += step_loss;
                ++state.steps_since_log;
                for (const auto& [k, v] : step_metrics) state.metrics_since_log[k] += v;
                if (events.on_progress) events.on_progress(state.step, total, elapsed(), remaining());

                if (state.step % c.logging_steps == 0 || state.step == total) {
                    LogEvent ev;
                    ev.step = state.step;
                    ev.total_steps = total;
                    ev.loss = state.loss_since_log / state.steps_since_log;
                    ev.lr = c.learning_rate * schedule.factor(state.step);
                    ev.grad_norm = grad_norm;
                    ev.epoch = static_cast<double>(state.step) / per_epoch;
                    const double dt = std::chrono::duration<double>(Clock::now() - last_log_time).count();
                    ev.tokens_per_second = dt > 0 ? tokens_since_log / dt : 0;
                    ev.total_tokens = state.total_tokens;
                    ev.elapsed_s = elapsed();
                    ev.remaining_s = remaining();
                    for (const auto& [k, v] : state.metrics_since_log) ev.metrics[k] = v / state.steps_since_log;
                    nlohmann::json row = {{"current_steps", ev.step}, {"total_steps", total},
                                          {"loss", round_to(ev.loss, 4)}, {"lr", ev.lr},
                                          {"epoch", round_to(ev.epoch, 2)},
                                          {"percentage", round_to(100.0 * ev.step / total, 2)},
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
                    if (world > 1) row["world_size"] = world;
                    run.log_jsonl(row);
                    run.log_text("INFO", "step " + std::to_string(ev.step) + "/" + std::to_string(total) + ": loss " +
                                             fmt(ev.loss) + ", lr " + fmt(ev.lr) + ", grad_norm " + fmt(grad_norm) +
                                             ", epoch " + fmt(ev.epoch));
                    state.log_history.push_back(hist);
                    if (events.on_log) events.on_log(ev);
                    state.loss_since_log = 0;
                    state.steps_since_log = 0;
                    state.metrics_since_log.clear();
                    tokens_since_log = 0;
                    last_log_time = Clock::now();
                }
                if (c.eval_steps > 0 && state.step % c.eval_steps == 0 && state.step < total) do_eval();
                if (c.save_steps > 0 && state.step % c.save_steps == 0 && state.step < total) checkpoint();
            }
        }

        if (sync && synced_steps > 0)
            run.log_text("INFO", "data-parallel: " + std::to_string(std::llround(double(early_buckets) / double(synced_steps))) + " of " +
                                     std::to_string(sync->buckets()) +
                                     " gradient bucket(s) a step (mean) started summing during the backward");
        summary.steps = state.step;
        summary.runtime_s = elapsed();
        summary.train_loss = state.step ? state.loss_total / state.step : 0.0;
        if (stop) {
            // Keep the work done so far: a checkpoint at the last completed step, to resume from.
            if (state.step > 0 && saved_step != state.step) checkpoint();
            return finish(TrainSummary::Status::Cancelled,
                          "aborted at step " + std::to_string(state.step) + " of " + std::to_string(total) +
                              (summary.last_checkpoint.empty() ? "" : "; resume from " + summary.last_checkpoint));
        }

        do_eval();
        check_weights();
        if (root) setup.save_weights(c.output_dir);
        const double runtime = elapsed();
        const double epochs = static_cast<double>(state.step) / per_epoch;
        nlohmann::json train_results = {
            {"epoch", round_to(epochs, 4)},
            {"train_loss", summary.train_loss},
            {"train_runtime", round_to(runtime, 4)},
            {"train_samples_per_second", round_to(runtime > 0 ? epochs * setup.train.size() / runtime : 0, 3)},
            {"train_steps_per_second", round_to(runtime > 0 ? state.step / runtime : 0, 3)},
            {"total_tokens", state.total_tokens}};
        state.log_history.push_back({{"epoch", round_to(epochs, 4)}, {"step", state.step},
                                     {"train_loss", summary.train_loss}, {"train_runtime", round_to(runtime, 4)}});
        nlohmann::json all = train_results;
        if (!setup.eval.empty()) {
            for (auto it = state.log_history.rbegin(); it != state.log_history.rend(); ++it)
                if (it->contains("eval_loss")) {
                    nlohmann::json eval_results = {{"epoch", round_to(epochs, 4)}, {"eval_loss", (*it)["eval_loss"]},
                                                   {"perplexity", (*it)["perplexity"]}};
                    for (const auto& [k, v] : it->items())
                        if (k.rfind("eval_", 0) == 0) eval_results[k] = v;  // the stage's metrics, as transformers
                    run.write_json("eval_results.json", eval_results);
                    all.update(eval_results);
                    break;
                }
        }
        run.write_json("train_results.json", train_results);
        run.write_json("all_results.json", all);
        auto ts = trainer_state_json(c, state, total, per_epoch);
        ts["lathe"]["elapsed_time"] = runtime;
        run.write_json("trainer_state.json", ts);
        summary.runtime_s = runtime;
        return finish(TrainSummary::Status::Completed, "");
    } catch (const std::exception& e) {
        summary.steps = state.step;
        return finish(TrainSummary::Status::Failed, e.what());
    }
}

}  // namespace lathe
