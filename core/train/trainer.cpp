#include "core/train/trainer.h"

#include "core/data/batching.h"
#include "core/dist/collective.h"
#include "core/dist/gradient_sync.h"
#include "core/util/autocast.h"
#include "core/train/checkpoint.h"
#include "core/train/precision.h"
#include "core/train/run_dir.h"
#include "core/train/scheduler.h"
#include "core/train/train_log.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <chrono>
#include <cmath>

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

// One run of the loop: the parts a step, an evaluation and a checkpoint share. What the run writes about
// itself is TrainLog's (core/train/train_log.h).
class Loop {
public:
    Loop(TrainerSetup& setup, RunDir& run, const TrainerEvents& events, const std::atomic<bool>* cancel,
         TrainSummary& summary);
    // Trains to the last step, or until Abort; fills the summary. Throws what a step, an evaluation or a
    // checkpoint throws.
    void run();

private:
    void resume();
    void start_data_parallel();
    // The micro-batches of window `w` of an epoch's `order` (this rank's share): examples [w*G*B, (w+1)*G*B).
    std::vector<Batch> window(const std::vector<size_t>& order, int64_t w) const;
    // One optimizer step over a window; false when Abort came first (nothing changed).
    bool step(const std::vector<Batch>& window);
    void evaluate();
    void checkpoint();
    void check_weights() const;
    // ZeRO-1: drop the moments other ranks own; gather them all on rank 0 (to write a checkpoint); send
    // each owner's updated weights to every rank.
    void keep_my_share();
    void gather_moments();
    void share_updates();

    bool abort_requested() const { return cancel_ && cancel_->load(); }
    double elapsed() const {
        return state_.elapsed_before + std::chrono::duration<double>(Clock::now() - start_).count();
    }
    double remaining() const {
        if (steps_this_session_ == 0) return 0.0;
        return (elapsed() - state_.elapsed_before) / steps_this_session_ * static_cast<double>(total_ - state_.step);
    }
    // The tail of a failure message: where the run can be picked up again.
    Problem last_good() const {
        return summary_.last_checkpoint.empty() ? note("last_checkpoint_none")
                                                : note("last_checkpoint_kept", {summary_.last_checkpoint});
    }

    TrainerSetup& setup_;
    const TrainConfig& c_;
    RunDir& run_;
    const TrainerEvents& events_;
    const std::atomic<bool>* cancel_;
    TrainSummary& summary_;
    CausalLMImpl& model_;
    const torch::Device device_;
    Collective* dist_;
    const int world_;
    const bool root_;
    const int64_t per_epoch_, total_;
    const Schedule schedule_;
    AdamW optimizer_;
    const TrainForward how_;
    TrainLog log_;
    LoopState state_;
    std::vector<int> owner_;                // ZeRO-1: the rank holding each trainable tensor's moments
    std::unique_ptr<GradientSync> sync_;    // data-parallel: gradient sums that start during the backward
    int64_t early_buckets_ = 0, synced_steps_ = 0;
    Clock::time_point start_;
    int64_t steps_this_session_ = 0;
    int64_t saved_step_ = -1;               // the step whose state is on disk: a cancel there writes nothing
};

// Each rank's share of an epoch (DistributedSampler's: the order padded to a multiple of the world).
size_t share_of(size_t examples, int world) { return (examples + world - 1) / world; }

Loop::Loop(TrainerSetup& setup, RunDir& run, const TrainerEvents& events, const std::atomic<bool>* cancel,
           TrainSummary& summary)
    : setup_(setup), c_(setup.config), run_(run), events_(events), cancel_(cancel), summary_(summary),
      model_(*setup.model), device_(model_.device()), dist_(setup.collective),
      world_(dist_ ? dist_->world_size() : 1), root_(!dist_ || dist_->is_root()),
      per_epoch_(steps_per_epoch(share_of(setup.train.size(), world_), c_.per_device_train_batch_size,
                                 c_.gradient_accumulation_steps)),
      total_(total_steps(c_, share_of(setup.train.size(), world_))),
      schedule_{c_.lr_scheduler_type, total_, warmup_steps_for(total_, c_.warmup_steps, c_.warmup_ratio), c_.min_lr_rate},
      optimizer_(setup.trainable, {c_.learning_rate, c_.adam_beta1, c_.adam_beta2, c_.adam_epsilon, c_.weight_decay}),
      how_{c_.gradient_checkpointing, c_.neftune_noise_alpha, c_.moe_aux_loss_coef, setup.collective},
      log_(run, c_, total_, per_epoch_, world_) {
    state_.world_size = world_;
    summary_.total_steps = total_;
    resume();
    if (!dist_ && c_.zero_stage == 1)
        events_.message("warning", note("zero1_one_process"));
    if (dist_ && c_.zero_stage == 1) owner_ = zero_owners(setup_.trainable, world_);
    keep_my_share();  // the resumed state was loaded whole
    if (dist_) start_data_parallel();
    start_ = Clock::now();
    log_.start_clock();
}

void Loop::resume() {
    const std::string from = resolve_resume(c_.resume_from_checkpoint, c_.output_dir);
    if (from.empty()) return;
    if (setup_.load_weights) setup_.load_weights(from);  // unset: the caller restored them already
    const CheckpointState cs = load_checkpoint(from, optimizer_);
    TrainLog::restore(cs.trainer_state, state_);
    summary_.last_checkpoint = from;
    summary_.steps = state_.step;
    saved_step_ = state_.step;
    const Problem resumed = note("log_resumed", {from, std::to_string(state_.step)});
    events_.message("info", resumed);
    run_.log_text("INFO", resumed.message);
    const int saved_world = cs.trainer_state.value(nlohmann::json::json_pointer("/lathe/world_size"), 1);
    if (saved_world != world_) {
        const Problem warning = note("log_world_changed", {std::to_string(saved_world), std::to_string(world_)});
        events_.message("warning", warning);
        run_.log_text("WARNING", warning.message);
    }
}

void Loop::start_data_parallel() {
    // Every rank starts from rank 0's weights, as PyTorch's DistributedDataParallel does.
    std::vector<torch::Tensor> weights;
    for (const auto& p : setup_.trainable) weights.push_back(p.param);
    dist_->broadcast(weights);
    sync_ = std::make_unique<GradientSync>(*dist_, weights, int64_t(c_.ddp_bucket_cap_mb) << 20);
    run_.log_text("INFO", "data-parallel: " + std::to_string(world_) + " processes, global batch " +
                              std::to_string(world_ * c_.per_device_train_batch_size * c_.gradient_accumulation_steps) +
                              ", gradients in " + std::to_string(sync_->buckets()) + " bucket(s)" +
                              (owner_.empty() ? "" : ", AdamW state sharded (ZeRO-1)"));
}

void Loop::keep_my_share() {
    if (owner_.empty()) return;
    std::vector<bool> mine(owner_.size());
    for (size_t i = 0; i < owner_.size(); ++i) mine[i] = owner_[i] == dist_->rank();
    optimizer_.keep_state_only_for(mine);
}

void Loop::gather_moments() {
    for (size_t i = 0; i < owner_.size(); ++i) {
        if (owner_[i] == 0) continue;
        auto [m, v] = optimizer_.moments(i);
        dist_->broadcast({m, v}, owner_[i]);
    }
}

void Loop::share_updates() {
    if (owner_.empty()) return;
    for (int r = 0; r < world_; ++r) {
        std::vector<torch::Tensor> theirs;
        for (size_t i = 0; i < owner_.size(); ++i)
            if (owner_[i] == r) theirs.push_back(setup_.trainable[i].param);
        if (!theirs.empty()) dist_->broadcast(theirs, r);
    }
}

std::vector<Batch> Loop::window(const std::vector<size_t>& order, int64_t w) const {
    const int B = c_.per_device_train_batch_size, G = c_.gradient_accumulation_steps;
    std::vector<Batch> out;
    for (int g = 0; g < G; ++g) {
        const size_t first = static_cast<size_t>((w * G + g) * B);
        if (first >= order.size()) break;
        std::vector<const Example*> group;
        for (size_t k = first; k < std::min(order.size(), first + B); ++k) group.push_back(&setup_.train[order[k]]);
        out.push_back(collate(group, setup_.pad_id, device_));
    }
    return out;
}

bool Loop::step(const std::vector<Batch>& window) {
    int64_t units = 0, tokens = 0;
    for (const auto& b : window) {
        units += setup_.objective->units(b);
        tokens += b.tokens;
    }
    if (dist_) {
        // The loss is averaged over the units of every rank's window, so that the summed gradients equal
        // one process's over the global batch; an abort on any rank stops all of them here, before the step.
        std::vector<double> head{static_cast<double>(units), static_cast<double>(tokens), abort_requested() ? 1.0 : 0.0};
        dist_->sum(head);
        units = static_cast<int64_t>(std::llround(head[0]));
        tokens = static_cast<int64_t>(std::llround(head[1]));
        if (head[2] > 0) return false;
    }
    const double denominator = static_cast<double>(std::max<int64_t>(units, 1));
    double loss = 0;
    std::map<std::string, double> metrics;
    for (size_t m = 0; m < window.size(); ++m) {
        if (!dist_ && abort_requested()) {
            optimizer_.zero_grad();  // a partial window is discarded: state stays at the last step
            return false;
        }
        LossOutput out;
        {
            AutocastScope autocast(device_, setup_.autocast);  // forward only; backward follows it
            out = setup_.objective->compute(model_, window[m], how_);
        }
        auto part = out.loss_sum / denominator;
        if (sync_ && m + 1 == window.size()) sync_->arm();  // the window's gradients become final
        part.backward();
        loss += part.item<double>();
        for (const auto& [k, v] : out.metrics) metrics[k] += v / denominator;
    }
    if (dist_) {
        early_buckets_ += sync_->finish();
        ++synced_steps_;
        sum_over_ranks(*dist_, loss, metrics);
    }
    if (!std::isfinite(loss))
        throw ModelError(composed(std::isnan(loss) ? "loss_became_nan" : "loss_became_infinite",
                                  {verbatim(std::to_string(state_.step + 1)), last_good()}));
    const double grad_norm = clip_grad_norm(setup_.trainable, c_.max_grad_norm);
    if (!std::isfinite(grad_norm))
        throw ModelError(composed("grad_norm_not_finite", {verbatim(std::to_string(state_.step + 1)), last_good()}));
    optimizer_.step(c_.learning_rate * schedule_.factor(state_.step));
    share_updates();
    optimizer_.zero_grad();

    ++state_.step;
    ++steps_this_session_;
    summary_.steps = state_.step;
    log_.add_step(state_, loss, metrics, tokens);
    if (events_.on_progress) events_.on_progress(state_.step, total_, elapsed(), remaining());
    if (state_.step % c_.logging_steps == 0 || state_.step == total_) {
        const LogEvent ev = log_.log(state_, c_.learning_rate * schedule_.factor(state_.step), grad_norm, elapsed(), remaining());
        if (events_.on_log) events_.on_log(ev);
    }
    return true;
}

void Loop::evaluate() {
    if (setup_.eval.empty()) return;
    EvalEvent ev;
    ev.step = state_.step;
    // Each rank evaluates every world-th example (all of them when there are fewer than ranks) and the
    // sums meet.
    std::vector<const Example*> mine;
    const bool split = dist_ && setup_.eval.size() >= static_cast<size_t>(world_);
    for (size_t i = split ? dist_->rank() : 0; i < setup_.eval.size(); i += split ? world_ : 1) mine.push_back(&setup_.eval[i]);
    EvalSums sums = evaluate_sums(model_, *setup_.objective, mine, c_.per_device_eval_batch_size, setup_.pad_id,
                                  setup_.autocast);
    if (split) {
        std::vector<double> v{sums.loss, static_cast<double>(sums.units)};
        for (const auto& [k, x] : sums.metrics) v.push_back(x);
        dist_->sum(v);
        sums.loss = v[0];
        sums.units = static_cast<int64_t>(std::llround(v[1]));
        size_t i = 2;
        for (auto& [k, x] : sums.metrics) x = v[i++];
    }
    ev.eval_loss = mean_of(sums, &ev.metrics);
    ev.perplexity = std::exp(std::min(ev.eval_loss, 50.0));
    log_.log_eval(state_, ev, elapsed(), remaining());
    if (events_.on_eval) events_.on_eval(ev);
}

// A loss that stays finite can still come with weights that overflowed in the update; such weights must
// never replace a good checkpoint or become the run's output.
void Loop::check_weights() const {
    torch::NoGradGuard no_grad;
    for (const auto& p : setup_.trainable)
        if (!torch::isfinite(p.param).all().item<bool>())
            throw ModelError(composed("weights_not_finite",
                                      {verbatim(std::to_string(state_.step)), verbatim(p.name), last_good()}));
}

void Loop::checkpoint() {
    check_weights();
    gather_moments();  // ZeRO-1: rank 0 writes the whole state, as one process would
    if (!root_) {
        keep_my_share();  // only rank 0 writes; the others know where it is
        saved_step_ = state_.step;
        summary_.last_checkpoint = path_join(c_.output_dir, "checkpoint-" + std::to_string(state_.step));
        return;
    }
    const std::string saved =
        save_checkpoint(c_.output_dir, state_.step, setup_.save_weights, optimizer_, log_.trainer_state(state_, elapsed()));
    saved_step_ = state_.step;
    rotate_checkpoints(c_.output_dir, c_.save_total_limit, saved);
    summary_.last_checkpoint = saved;
    keep_my_share();
    run_.log_text("INFO", "saved " + saved);
    if (events_.on_checkpoint) events_.on_checkpoint(saved, state_.step);
}

void Loop::run() {
    model_.train();
    optimizer_.zero_grad();
    bool aborted = false;
    while (state_.step < total_ && !aborted) {
        const int64_t epoch = state_.step / per_epoch_;
        const auto order = rank_share(epoch_order(setup_.train.size(), static_cast<uint64_t>(c_.seed), epoch),
                                      dist_ ? dist_->rank() : 0, world_);
        for (int64_t w = state_.step % per_epoch_; w < per_epoch_ && state_.step < total_; ++w) {
            if (!step(window(order, w))) {
                aborted = true;
                break;
            }
            if (c_.eval_steps > 0 && state_.step % c_.eval_steps == 0 && state_.step < total_) evaluate();
            if (c_.save_steps > 0 && state_.step % c_.save_steps == 0 && state_.step < total_) checkpoint();
        }
    }
    if (sync_ && synced_steps_ > 0)
        run_.log_text("INFO", "data-parallel: " + std::to_string(std::llround(double(early_buckets_) / double(synced_steps_))) +
                                  " of " + std::to_string(sync_->buckets()) +
                                  " gradient bucket(s) a step (mean) started summing during the backward");
    summary_.steps = state_.step;
    summary_.runtime_s = elapsed();
    summary_.train_loss = state_.step ? state_.loss_total / state_.step : 0.0;
    if (aborted) {
        // Keep the work done so far: a checkpoint at the last completed step, to resume from.
        if (state_.step > 0 && saved_step_ != state_.step) checkpoint();
        summary_.status = TrainSummary::Status::Cancelled;
        summary_.message = "aborted at step " + std::to_string(state_.step) + " of " + std::to_string(total_) +
                           (summary_.last_checkpoint.empty() ? "" : "; resume from " + summary_.last_checkpoint);
        return;
    }
    evaluate();
    check_weights();
    if (root_) setup_.save_weights(c_.output_dir);
    const double runtime = elapsed();
    log_.write_results(state_, runtime, summary_.train_loss, setup_.train.size(), !setup_.eval.empty());
    summary_.runtime_s = runtime;
    summary_.status = TrainSummary::Status::Completed;
}

}  // namespace

TrainSummary train_loop(TrainerSetup& setup, RunDir& run, const TrainerEvents& events,
                        const std::atomic<bool>* cancel) {
    TrainSummary summary;
    summary.output_dir = setup.config.output_dir;
    try {
        if (setup.train.empty()) throw DataError(plain_problem("training_set_empty"));
        refuse_fp16(setup.config);
        Loop loop(setup, run, events, cancel, summary);
        loop.run();
    } catch (const Error& e) {
        summary.status = TrainSummary::Status::Failed;
        summary.message = e.what();
        summary.problem = e.problem();
    } catch (const std::exception& e) {
        summary.status = TrainSummary::Status::Failed;
        summary.message = e.what();
    }
    run.log_text(summary.status == TrainSummary::Status::Failed ? "ERROR" : "INFO",
                 summary.message.empty() ? "training finished" : summary.message);
    if (events.on_finished) events.on_finished(summary);
    return summary;
}

}  // namespace lathe
