#include "ui/evaluate_controller.h"

#include "ui/engine_messages.h"

#include <QElapsedTimer>
#include <QMetaObject>

namespace lathe {
namespace ui {

namespace {

constexpr qint64 kBatchMs = 100;

}  // namespace

void EvaluateWorker::run(const PredictConfig& config) {
    QElapsedTimer sinceProgress;  // invalid until the first report, which always goes out
    PredictEvents events;
    events.message = [&](const std::string& level, const Problem& line) { emit message(QString::fromStdString(level), line); };
    events.on_rows = [&](const std::vector<PredictRow>& batch) {
        emit rows(QVector<PredictRow>(batch.begin(), batch.end()));
    };
    events.on_progress = [&](const PredictProgress& p) {
        if (p.done < p.total && sinceProgress.isValid() && sinceProgress.elapsed() < kBatchMs) return;
        sinceProgress.start();
        emit progress(p.done, p.total, p.elapsed_s, p.remaining_s);
    };
    PredictSummary summary;
    try {
        summary = run_predict(config, events, cancel_);
    } catch (const std::exception& e) {  // run_predict does not throw; a bug there must not end the studio
        summary.status = PredictSummary::Status::Failed;
        summary.message = e.what();
        summary.output_dir = config.output_dir;
    }
    emit finished(summary);
}

void EvaluateWorker::runCurve(const PredictConfig& config, const QString& runDir) {
    QElapsedTimer sinceProgress;
    CurveEvents events;
    events.message = [&](const std::string& level, const Problem& line) { emit message(QString::fromStdString(level), line); };
    events.on_checkpoint = [&](size_t index, size_t count, int64_t step) {
        sinceProgress.invalidate();  // the next checkpoint's first report goes out
        emit curveCheckpoint(static_cast<int>(index), static_cast<int>(count), step);
    };
    events.on_progress = [&](const PredictProgress& p) {
        if (p.done < p.total && sinceProgress.isValid() && sinceProgress.elapsed() < kBatchMs) return;
        sinceProgress.start();
        emit progress(p.done, p.total, p.elapsed_s, p.remaining_s);
    };
    events.on_point = [&](const CurvePoint& point) { emit curvePoint(point); };
    CurveSummary summary;
    try {
        summary = run_checkpoint_curve(config, runDir.toStdString(), events, cancel_);
    } catch (const std::exception& e) {  // run_checkpoint_curve does not throw; a bug there must not end the studio
        summary.status = PredictSummary::Status::Failed;
        summary.message = e.what();
    }
    emit curveFinished(summary);
}

EvaluateController::EvaluateController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<lathe::Problem>();
    qRegisterMetaType<lathe::PredictRow>();
    qRegisterMetaType<QVector<lathe::PredictRow>>();
    qRegisterMetaType<lathe::PredictSummary>();
    qRegisterMetaType<lathe::CurvePoint>();
    qRegisterMetaType<lathe::CurveSummary>();
    worker_ = new EvaluateWorker(&cancel_);
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &EvaluateWorker::message, this, &EvaluateController::message);
    connect(worker_, &EvaluateWorker::rows, this, &EvaluateController::rows);
    connect(worker_, &EvaluateWorker::progress, this, &EvaluateController::progress);
    connect(worker_, &EvaluateWorker::finished, this, [this](const PredictSummary& s) {
        running_ = false;
        emit finished(s);
    });
    connect(worker_, &EvaluateWorker::curveCheckpoint, this, &EvaluateController::curveCheckpoint);
    connect(worker_, &EvaluateWorker::curvePoint, this, &EvaluateController::curvePoint);
    connect(worker_, &EvaluateWorker::curveFinished, this, [this](const CurveSummary& s) {
        running_ = false;
        emit curveFinished(s);
    });
    thread_.setObjectName("lathe-evaluate");
    thread_.start();
}

EvaluateController::~EvaluateController() {
    cancel_ = true;
    thread_.quit();
    thread_.wait();
}

void EvaluateController::start(const PredictConfig& config) {
    if (running_) return;
    running_ = true;
    cancel_ = false;
    emit started();
    EvaluateWorker* w = worker_;
    QMetaObject::invokeMethod(worker_, [w, config] { w->run(config); }, Qt::QueuedConnection);
}

void EvaluateController::startCurve(const PredictConfig& config, const QString& runDir) {
    if (running_) return;
    running_ = true;
    cancel_ = false;
    emit started();
    EvaluateWorker* w = worker_;
    QMetaObject::invokeMethod(worker_, [w, config, runDir] { w->runCurve(config, runDir); }, Qt::QueuedConnection);
}

void EvaluateController::abort() {
    if (running_) cancel_ = true;
}

}  // namespace ui
}  // namespace lathe
