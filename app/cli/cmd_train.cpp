// lathe-cli train CONFIG.yaml [key=value ...]: the studio's training run, in a terminal.
#include "app/cli/common.h"
#include "app/cli/launch.h"
#include "core/dist/collective.h"
#include "core/eval/checkpoint_curve.h"
#include "core/eval/predict.h"
#include "core/train/session.h"
#include "core/train/run_dir.h"
#include "core/util/error.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <unistd.h>

namespace lathe::cli {

namespace {

std::atomic<bool> g_cancel{false};
bool g_quiet_sigint = false;  // a data-parallel worker other than rank 0: rank 0 says it

void on_sigint(int) {
    if (g_cancel.exchange(true)) _exit(130);  // a second Ctrl-C: leave now
    const char msg[] = "\nstopping after the current step (Ctrl-C again to quit at once)...\n";
    if (!g_quiet_sigint) (void)!write(2, msg, sizeof msg - 1);
}

void draw_progress(int64_t step, int64_t total, double elapsed, double remaining, double loss) {
    const int width = 30;
    const int filled = total > 0 ? static_cast<int>(width * step / total) : 0;
    std::string bar(filled, '=');
    if (filled < width) bar += '>' + std::string(width - filled - 1, ' ');
    std::fprintf(stderr, "\r[%s] %lld/%lld %3.0f%%  %s < %s  loss %.4f ", bar.c_str(), (long long)step, (long long)total,
                 total ? 100.0 * step / total : 0.0, format_hms(elapsed).c_str(), format_hms(remaining).c_str(), loss);
    std::fflush(stderr);
}

// An engine message on stderr ("warning: ..." unless info), over the progress line on a terminal.
void print_message(bool tty, const std::string& level, const std::string& text) {
    if (tty) std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "%s%s\n", level == "info" ? "" : (level + ": ").c_str(), text.c_str());
}

void print_predict_progress(bool tty, const PredictProgress& pr) {
    if (!tty) return;
    std::fprintf(stderr, "\r\033[Kpredict %lld/%lld  %s < %s ", (long long)pr.done, (long long)pr.total,
                 format_hms(pr.elapsed_s).c_str(), format_hms(pr.remaining_s).c_str());
    std::fflush(stderr);
}

// do_predict: every sample of the eval set answered and scored, into output_dir. Returns the exit code.
int run_prediction(const PredictConfig& p, bool tty) {
    PredictEvents events;
    events.message = [&](const std::string& level, const Problem& line) { print_message(tty, level, line.message); };
    events.on_progress = [&](const PredictProgress& pr) { print_predict_progress(tty, pr); };
    std::signal(SIGINT, on_sigint);
    PredictSummary s = run_predict(p, events, &g_cancel);
    std::signal(SIGINT, SIG_DFL);
    if (tty) std::fprintf(stderr, "\r\033[K");
    if (s.status == PredictSummary::Status::Failed) {
        std::fprintf(stderr, "lathe-cli train: error: %s\n", s.message.c_str());
        return 1;
    }
    for (const auto& [name, value] : s.results) std::printf("%s %.4f\n", name.c_str(), value);
    std::printf("predicted %lld of %lld samples; predictions in %s\n", (long long)s.samples, (long long)s.total,
                (p.output_dir + "/generated_predictions.jsonl").c_str());
    std::fflush(stdout);
    if (s.status == PredictSummary::Status::Aborted) {
        std::fprintf(stderr, "stopped: %s\n", s.message.c_str());
        return 130;
    }
    return 0;
}

// do_predict with lathe_eval_checkpoints: every checkpoint of the run in output_dir predicted, one line per
// checkpoint, the curve in output_dir/checkpoint_curve.json. Returns the exit code.
int run_curve(const PredictConfig& p, const std::string& run_dir, bool tty) {
    CurveEvents events;
    events.message = [&](const std::string& level, const Problem& line) {
        // Each checkpoint's own loading lines would bury the curve; the checkpoint lines and warnings stay.
        if (level == "info" && line.id != "curve_checkpoint" && line.id != "curve_reloaded") return;
        print_message(tty, level, line.message);
    };
    events.on_progress = [&](const PredictProgress& pr) { print_predict_progress(tty, pr); };
    events.on_point = [&](const CurvePoint& point) {
        if (tty) std::fprintf(stderr, "\r\033[K");
        std::printf("step %lld", (long long)point.step);
        for (const char* key : {"predict_bleu-4", "predict_rouge-1", "predict_rouge-2", "predict_rouge-l",
                                "predict_exact_match", "predict_f1", "predict_reward"}) {
            const auto it = point.results.find(key);
            if (it != point.results.end()) std::printf("  %s %.4f", key + 8, it->second);
        }
        std::printf("\n");
        std::fflush(stdout);
    };
    std::signal(SIGINT, on_sigint);
    const CurveSummary s = run_checkpoint_curve(p, run_dir, events, &g_cancel);
    std::signal(SIGINT, SIG_DFL);
    if (tty) std::fprintf(stderr, "\r\033[K");
    if (s.status == PredictSummary::Status::Failed) {
        std::fprintf(stderr, "lathe-cli train: error: %s\n", s.message.c_str());
        return 1;
    }
    const int best = best_point(s.curve.points, "predict_rouge-l");
    if (best >= 0)
        std::printf("best rouge-l at step %lld (%s); the curve is in %s\n", (long long)s.curve.points[best].step,
                    s.curve.points[best].checkpoint.c_str(), checkpoint_curve_path(run_dir).c_str());
    std::fflush(stdout);
    if (s.status == PredictSummary::Status::Aborted) {
        std::fprintf(stderr, "stopped: %s\n", s.message.c_str());
        return 130;
    }
    return 0;
}

}  // namespace

int cmd_train(int argc, char** argv) {
    if (wants_help(argc, argv) || argc < 3) {
        // Asked for: stdout and success; missing the config: an error, so stderr.
        std::fputs("usage: lathe-cli train CONFIG.yaml [key=value ...] [--threads N]   or   lathe-cli train key=value ...\n"
                   "                       [--nproc-per-node N [--nnodes M --node-rank R --master-addr HOST --master-port P]]\n"
                   "Runs a training stage from a LLaMA-Factory style YAML file (the studio's \"Save config\").\n"
                   "do_eval: true writes eval_results.json; do_predict: true (with predict_with_generate) answers\n"
                   "eval_dataset and writes generated_predictions.jsonl and predict_results.json; with\n"
                   "do_train: false they evaluate the model and adapter the config names. lathe_eval_checkpoints:\n"
                   "true predicts every checkpoint of the run in output_dir (output_dir/checkpoint_curve.json).\n"
                   "key=value pairs override the file, e.g. learning_rate=1e-4 output_dir=saves/run2.\n"
                   "--threads N is threads=N: CPU threads (0 = one per core).\n"
                   "Ctrl-C stops after the current optimizer step and writes a checkpoint to resume from\n"
                   "(resume_from_checkpoint=auto).\n"
                   "--nproc-per-node N trains data-parallel in N processes (torch.distributed, Gloo), as torchrun:\n"
                   "each takes per_device_train_batch_size examples a micro-step, so the global batch is\n"
                   "N x nodes x per_device_train_batch_size x gradient_accumulation_steps; only rank 0 writes.\n"
                   "The flags set the config's keys nproc_per_node, nnodes, node_rank, master_addr and master_port\n"
                   "(the studio's Engine fields); a config with nproc_per_node or nnodes above 1 launches alike.\n"
                   "Without it, a worker joins the run torchrun's variables describe (RANK, WORLD_SIZE,\n"
                   "LOCAL_RANK, MASTER_ADDR, MASTER_PORT), so torchrun, SLURM or Kubernetes can start it.\n",
                   argc < 3 ? stderr : stdout);
        return argc < 3 ? 2 : 0;
    }
    TrainConfig config = config_from_args<TrainConfig>(argc, argv);
    const bool from_file = first_override(argc, argv) == 3;
    std::vector<std::string> rest(argv + (from_file ? 3 : 2), argv + argc);
    // --nproc-per-node, --nnodes, ... set the config's keys of those names (the studio's Engine fields).
    const LaunchOptions launch = take_launch_options(rest);  // -1: not given
    if (launch.nproc_per_node != -1) config.nproc_per_node = launch.nproc_per_node;
    if (launch.nnodes != -1) config.nnodes = launch.nnodes;
    if (launch.node_rank != -1) config.node_rank = launch.node_rank;
    if (!launch.master_addr.empty()) config.master_addr = launch.master_addr;
    if (launch.master_port != -1) config.master_port = launch.master_port;
    for (size_t i = 0; i < rest.size(); ++i) {
        const std::string arg = rest[i];
        if (arg == "--threads") {
            if (i + 1 >= rest.size()) throw ConfigError("--threads needs a value");
            config.apply_override("threads=" + rest[++i]);
        } else if (arg.rfind("--threads=", 0) == 0) {
            config.apply_override("threads=" + arg.substr(10));
        } else {
            config.apply_override(arg);
        }
    }
    // Every impossible setting, missing file or unknown name at once, one line each, as the studio shows
    // them before Start (nothing is loaded yet: configs, tokenizer and dataset registry only).
    if (const std::vector<Problem> problems = precheck_training(config); !problems.empty()) {
        for (const Problem& p : problems) std::fprintf(stderr, "lathe-cli train: error: %s\n", p.message.c_str());
        return 1;
    }
    PredictConfig predict;
    if (config.do_predict) predict = predict_config_from(config, config.do_train);  // its errors before training

    // The config's nproc_per_node and nnodes (the studio's "Processes" and "Machines") launch as the flags
    // do, unless this process is already a worker of a run.
    if ((config.nproc_per_node > 1 || config.nnodes > 1) && !world_from_environment().distributed()) {
        if (!collectives_available())
            throw ConfigError("nproc_per_node: this build of Lathe has no process-group backend (install libgloo-dev and build again)");
        LaunchOptions shape;
        shape.nproc_per_node = config.nproc_per_node;
        shape.nnodes = config.nnodes;
        shape.node_rank = config.node_rank;
        shape.master_addr = config.master_addr;
        shape.master_port = config.master_port;
        std::vector<std::string> worker_args{"train"};
        if (from_file) worker_args.push_back(argv[2]);
        worker_args.insert(worker_args.end(), rest.begin(), rest.end());
        // The run's shape as keys, so that training_args.yaml records what the flags said.
        for (const char* key : {"nproc_per_node", "nnodes", "node_rank", "master_addr", "master_port"})
            worker_args.push_back(std::string(key) + "=" + config.get(key));
        // threads 0 means every core: shared out among this node's processes, so that they don't oversubscribe.
        if (config.threads == 0) worker_args.push_back("threads=" + std::to_string(threads_per_process(config.nproc_per_node)));
        return launch_workers(shape, worker_args);
    }
    // A worker of a data-parallel run (started by the launcher above or by torchrun, SLURM, ...).
    const WorldInfo world = world_from_environment();
    std::unique_ptr<Collective> group;
    std::string who;  // "rank N: " in a worker's own messages
    if (world.distributed()) {
        who = "rank " + std::to_string(world.rank) + ": ";
        config.device = device_for_local_rank(config.device, world.local_rank);
        g_quiet_sigint = world.rank != 0;
        std::signal(SIGINT, on_sigint);
        try {
            group = join_process_group(world, std::chrono::seconds(config.ddp_timeout), &g_cancel);
        } catch (const Cancelled&) {
            std::fprintf(stderr, "%scancelled while waiting for the other ranks\n", who.c_str());
            return 130;
        } catch (const Error& e) {
            std::fprintf(stderr, "lathe-cli train: error: %s\n", e.what());
            return 1;
        }
    }
    const bool quiet = world.rank != 0;  // ranks other than 0 print their failures only

    const bool tty = isatty(2) && !world.distributed();
    double last_loss = 0;
    TrainerEvents events;
    events.on_message = [&](const std::string& level, const Problem& note) {
        if (tty) std::fprintf(stderr, "\r\033[K");
        std::fprintf(stderr, "%s%s\n", level == "info" ? "" : (level + ": ").c_str(), note.message.c_str());
    };
    events.on_progress = [&](int64_t step, int64_t total, double elapsed, double remaining) {
        if (tty) draw_progress(step, total, elapsed, remaining, last_loss);
    };
    events.on_log = [&](const LogEvent& e) {
        last_loss = e.loss;
        if (tty) std::fprintf(stderr, "\r\033[K");
        std::printf("step %lld/%lld  loss %.4f  lr %.3g  grad_norm %.3f  epoch %.2f  %.0f tokens/s  elapsed %s  eta %s\n",
                    (long long)e.step, (long long)e.total_steps, e.loss, e.lr, e.grad_norm, e.epoch, e.tokens_per_second,
                    format_hms(e.elapsed_s).c_str(), format_hms(e.remaining_s).c_str());
        std::fflush(stdout);
    };
    events.on_eval = [&](const EvalEvent& e) {
        if (tty) std::fprintf(stderr, "\r\033[K");
        std::printf("step %lld  eval_loss %.4f  perplexity %.3f\n", (long long)e.step, e.eval_loss, e.perplexity);
        std::fflush(stdout);
    };
    events.on_checkpoint = [&](const std::string& dir, int64_t) {
        if (tty) std::fprintf(stderr, "\r\033[K");
        std::fprintf(stderr, "saved %s\n", dir.c_str());
    };

    if (!config.do_train && !config.do_eval) {  // predict only: no training run to prepare
        if (quiet) return 0;  // a data-parallel launch of predictions: rank 0 predicts, alone
        for (const auto& k : config.ignored) std::fprintf(stderr, "warning: ignored key '%s' (no effect in Lathe)\n", k.c_str());
        return config.lathe_eval_checkpoints ? run_curve(predict, config.output_dir, tty) : run_prediction(predict, tty);
    }
    if (quiet) events = TrainerEvents{};
    g_quiet_sigint = quiet;
    std::signal(SIGINT, on_sigint);
    TrainSummary s = run_training(config, events, &g_cancel, group.get());
    std::signal(SIGINT, SIG_DFL);
    if (tty) std::fprintf(stderr, "\r\033[K");
    switch (s.status) {
        case TrainSummary::Status::Completed:
            if (quiet) return 0;  // rank 0 reports, and predicts
            if (config.do_train)
                std::printf("finished: %lld steps, train_loss %.4f, %s; output in %s\n", (long long)s.steps, s.train_loss,
                            format_hms(s.runtime_s).c_str(), s.output_dir.c_str());
            else
                std::printf("evaluated: results in %s/eval_results.json\n", s.output_dir.c_str());
            std::fflush(stdout);
            if (!config.do_predict) return 0;
            return config.lathe_eval_checkpoints ? run_curve(predict, config.output_dir, tty) : run_prediction(predict, tty);
        case TrainSummary::Status::Cancelled:
            if (!quiet) std::fprintf(stderr, "stopped: %s\n", s.message.c_str());
            return 130;
        case TrainSummary::Status::Failed:
            std::fprintf(stderr, "lathe-cli train: error: %s%s\n", who.c_str(), s.message.c_str());
            return 1;
    }
    return 1;
}

}  // namespace lathe::cli
