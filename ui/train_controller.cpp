#include "ui/train_controller.h"

#include "core/train/session.h"
#include "core/train/train_config.h"

#include <QElapsedTimer>
#include <QMetaObject>

namespace lathe {
namespace ui {

namespace {

constexpr qint64 kBatchMs = 100;

RunResult toResult(const TrainSummary& s) {
    RunResult r;
    r.status = s.status == TrainSummary::Status::Completed   ? RunResult::Completed
               : s.status == TrainSummary::Status::Cancelled ? RunResult::Cancelled
                                                             : RunResult::Failed;
    r.message = QString::fromStdString(s.message);
    r.outputDir = QString::fromStdString(s.output_dir);
    r.lastCheckpoint = QString::fromStdString(s.last_checkpoint);
    r.steps = s.steps;
    r.totalSteps = s.total_steps;
    r.trainLoss = s.train_loss;
    r.runtimeSeconds = s.runtime_s;
    return r;
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
    events.on_message = [&](const std::string& level, const std::string& text) {
        emit message(QString::fromStdString(level), QString::fromStdString(text));
    };
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
    const TrainSummary summary = run_training(config, events, cancel_);
    flush();
    emit finished(toResult(summary));
}

TrainController::TrainController(QObject* parent) : QObject(parent) {
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
