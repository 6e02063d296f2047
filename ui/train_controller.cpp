#include "ui/train_controller.h"

#include "ui/engine_messages.h"

#include "core/dist/collective.h"
#include "core/train/session.h"
#include "core/train/train_config.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMetaObject>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace lathe {
namespace ui {

namespace {

constexpr qint64 kBatchMs = 100;

RunResult toResult(const TrainSummary& s) {
    RunResult r;
    r.status = s.status == TrainSummary::Status::Completed   ? RunResult::Completed
               : s.status == TrainSummary::Status::Cancelled ? RunResult::Cancelled
                                                             : RunResult::Failed;
    // A failure the engine gave as data (a dataset record's missing field, a setting) in the studio's language.
    r.message = s.problem.id.empty() ? QString::fromStdString(s.message) : engine_message(s.problem);
    if (!s.problem.id.empty()) r.problem = s.problem;
    r.outputDir = QString::fromStdString(s.output_dir);
    r.lastCheckpoint = QString::fromStdString(s.last_checkpoint);
    r.steps = s.steps;
    r.totalSteps = s.total_steps;
    r.trainLoss = s.train_loss;
    r.runtimeSeconds = s.runtime_s;
    return r;
}

// Ranks 1 .. N-1 of a data-parallel run started from the studio, which is rank 0 itself (so the plot,
// progress and Abort work as in one process): lathe-cli workers with torchrun's variables, each reading the
// same config. Stopped (SIGTERM, then SIGKILL) when the object goes.
class WorkerProcesses {
public:
    ~WorkerProcesses() { stop(5000); }

    // Starts this machine's ranks other than the studio's own (local rank 0); "" or why they could not start.
    QString start(const TrainConfig& config, const WorldInfo& world) {
        const QString cli = QCoreApplication::applicationDirPath() + QStringLiteral("/lathe-cli");
        if (!QFileInfo(cli).isExecutable())
            return QStringLiteral("%1 is missing: a data-parallel run starts its other processes with lathe-cli").arg(cli);
        if (!dir_.isValid()) return QStringLiteral("no temporary folder for the processes' config");
        const std::string yaml = dir_.filePath(QStringLiteral("run.yaml")).toStdString();
        write_file_atomic(yaml, config.to_yaml());
        for (int local = 1; local < world.local_world_size; ++local) {
            const int rank = world.rank + local;
            auto p = std::make_unique<QProcess>();
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("RANK", QString::number(rank));
            env.insert("LOCAL_RANK", QString::number(local));
            env.insert("WORLD_SIZE", QString::number(world.world_size));
            env.insert("LOCAL_WORLD_SIZE", QString::number(world.local_world_size));
            env.insert("GROUP_RANK", QString::number(world.rank / world.local_world_size));
            env.insert("MASTER_ADDR", QString::fromStdString(world.master_addr));
            env.insert("MASTER_PORT", QString::number(world.master_port));
            env.remove("TORCHELASTIC_USE_AGENT_STORE");
            if (!env.contains("GLOG_minloglevel")) env.insert("GLOG_minloglevel", "3");
            p->setProcessEnvironment(env);
            p->setStandardOutputFile(QProcess::nullDevice());
            p->setStandardErrorFile(errFile(rank));
            p->start(cli, {QStringLiteral("train"), QString::fromStdString(yaml)});
            if (!p->waitForStarted(30000)) return QStringLiteral("rank %1 could not start: %2").arg(rank).arg(p->errorString());
            procs_.push_back(std::move(p));
            ranks_.push_back(rank);
        }
        return {};
    }

    // Waits up to `ms` for every worker to end, then stops the rest. "" when all ended well (or stopped
    // on Abort), else each failure with the worker's last message.
    QString finish(int ms) {
        QElapsedTimer t;
        t.start();
        QStringList failures;
        for (size_t i = 0; i < procs_.size(); ++i) {
            QProcess& p = *procs_[i];
            if (p.state() != QProcess::NotRunning && !p.waitForFinished(std::max<qint64>(1, ms - t.elapsed()))) continue;
            const int code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
            if (code == 0 || code == 130) continue;
            QString last;
            QFile f(errFile(ranks_[i]));
            if (f.open(QIODevice::ReadOnly))
                for (const QString& line : QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts)) last = line;
            failures << QStringLiteral("rank %1 %2%3")
                            .arg(ranks_[i])
                            .arg(code < 0 ? QStringLiteral("crashed") : QStringLiteral("exited with code %1").arg(code))
                            .arg(last.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(last));
        }
        stop(2000);
        return failures.join(QStringLiteral("; "));
    }

    void stop(int ms) {
        for (auto& p : procs_)
            if (p->state() != QProcess::NotRunning) p->terminate();
        for (auto& p : procs_)
            if (p->state() != QProcess::NotRunning && !p->waitForFinished(ms)) {
                p->kill();
                p->waitForFinished(2000);
            }
    }

private:
    QString errFile(int rank) const { return dir_.filePath(QStringLiteral("rank%1.err").arg(rank)); }

    QTemporaryDir dir_;
    std::vector<std::unique_ptr<QProcess>> procs_;
    std::vector<int> ranks_;  // procs_[i] is rank ranks_[i]
};

// A data-parallel run from the studio: this machine's workers started, this thread joins as its first rank
// (rank 0 of the run on machine 0), trains, and the workers' failures are added to the summary. Abort
// works while the ranks are still meeting, too.
TrainSummary run_data_parallel(TrainConfig config, const TrainerEvents& events, const std::atomic<bool>* cancel) {
    TrainSummary failed;
    failed.output_dir = config.output_dir;
    failed.status = TrainSummary::Status::Failed;
    if (!collectives_available()) {
        failed.message = "nproc_per_node: this build of Lathe has no process-group backend (install libgloo-dev and build again)";
        return failed;
    }
    // This machine's ranks: the studio is its local rank 0 (rank 0 of the run on machine 0, which writes).
    const WorldInfo w =
        node_world(config.nproc_per_node, config.nnodes, config.node_rank, config.master_addr, config.master_port);
    if (config.threads == 0) config.threads = threads_per_process(config.nproc_per_node);
    WorkerProcesses workers;
    if (const QString why = workers.start(config, w); !why.isEmpty()) {
        failed.message = why.toStdString();
        return failed;
    }
    config.device = device_for_local_rank(config.device, 0);  // the workers map theirs to their local rank
    events.message("info", note("log_data_parallel", {std::to_string(w.world_size), std::to_string(w.rank), w.master_addr,
                                                       std::to_string(w.master_port)}));
    std::unique_ptr<Collective> group;
    try {
        group = join_process_group(w, std::chrono::seconds(config.ddp_timeout), cancel);
    } catch (const Cancelled&) {
        // Aborted before the ranks met: nothing was trained or written; this machine's workers are stopped.
        workers.stop(2000);
        TrainSummary s = failed;
        s.status = TrainSummary::Status::Cancelled;
        s.message = "cancelled while waiting for the other processes";
        return s;
    } catch (const std::exception& e) {
        const QString others = workers.finish(2000);
        failed.message = e.what() + (others.isEmpty() ? std::string() : "; " + others.toStdString());
        return failed;
    }
    TrainSummary s = run_training(config, events, cancel, group.get());
    group.reset();
    const QString others = workers.finish(s.status == TrainSummary::Status::Completed ? 60000 : 3000);
    // Cancelled is what the user asked for: workers that lost this rank on the way (an Abort while the model
    // was still loading) are not failures of the run.
    if (!others.isEmpty() && s.status != TrainSummary::Status::Cancelled) {
        s.status = TrainSummary::Status::Failed;
        s.message = (s.message.empty() ? std::string() : s.message + "; ") + "other processes: " + others.toStdString();
    }
    return s;
}

}  // namespace

void TrainWorker::run(const TrainConfig& config) {
    QVector<LogPoint> pending;
    QElapsedTimer sinceFlush, sinceProgress;
    sinceFlush.start();
    sinceProgress.start();
    auto flush = [&] {
        if (!pending.isEmpty()) emit logPoints(pending);
        pending.clear();
        sinceFlush.restart();
    };
    TrainerEvents events;
    events.on_message = [&](const std::string& level, const Problem& note) { emit message(QString::fromStdString(level), note); };
    events.on_progress = [&](int64_t step, int64_t total, double elapsed, double remaining) {
        if (step < total && sinceProgress.elapsed() < kBatchMs) return;
        sinceProgress.restart();
        emit progress(step, total, elapsed, remaining);
    };
    events.on_log = [&](const LogEvent& e) {
        pending.push_back({static_cast<double>(e.step), e.loss, e.lr, e.epoch, e.grad_norm, e.tokens_per_second});
        if (sinceFlush.elapsed() >= kBatchMs) flush();
    };
    events.on_eval = [&](const EvalEvent& e) {
        flush();
        emit evalPoint(e.step, e.eval_loss);
    };
    events.on_checkpoint = [&](const std::string& dir, int64_t step) {
        emit checkpointSaved(QString::fromStdString(dir), step);
    };
    const TrainSummary summary = config.nproc_per_node > 1 || config.nnodes > 1 ? run_data_parallel(config, events, cancel_)
                                                                               : run_training(config, events, cancel_);
    flush();
    emit finished(toResult(summary));
}

TrainController::TrainController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<lathe::Problem>();
    qRegisterMetaType<lathe::ui::LogPoint>();
    qRegisterMetaType<QVector<lathe::ui::LogPoint>>();
    qRegisterMetaType<lathe::ui::RunResult>();
    worker_ = new TrainWorker(&cancel_);
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &TrainWorker::message, this, &TrainController::message);
    connect(worker_, &TrainWorker::progress, this, &TrainController::progress);
    connect(worker_, &TrainWorker::logPoints, this, &TrainController::logPoints);
    connect(worker_, &TrainWorker::evalPoint, this, &TrainController::evalPoint);
    connect(worker_, &TrainWorker::checkpointSaved, this, &TrainController::checkpointSaved);
    connect(worker_, &TrainWorker::finished, this, [this](const RunResult& r) {
        running_ = false;
        emit finished(r);
    });
    thread_.setObjectName("lathe-train");
    thread_.start();
}

TrainController::~TrainController() {
    cancel_ = true;
    thread_.quit();
    thread_.wait();
}

void TrainController::start(const TrainConfig& config) {
    if (running_) return;
    running_ = true;
    cancel_ = false;
    emit started();
    TrainWorker* w = worker_;
    QMetaObject::invokeMethod(worker_, [w, config] { w->run(config); }, Qt::QueuedConnection);
}

void TrainController::abort() {
    if (running_) cancel_ = true;
}

}  // namespace ui
}  // namespace lathe
