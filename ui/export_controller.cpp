#include "ui/export_controller.h"

#include "ui/engine_messages.h"

#include "core/export/export.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QMetaObject>

namespace lathe {
namespace ui {

QString failure_text(const ExportResult& r) {
    if (r.problem.id.empty()) return r.message;
    QString text = engine_message(r.problem);
    if (r.partialRemoved)
        text += QCoreApplication::translate("EngineMessages", " (the partial export was removed; '%1' is unchanged)")
                    .arg(r.exportDir);
    return text;
}

namespace {

constexpr qint64 kBatchMs = 100;

ExportResult toResult(const ExportSummary& s) {
    ExportResult r;
    r.status = s.status == ExportSummary::Status::Completed   ? ExportResult::Completed
               : s.status == ExportSummary::Status::Cancelled ? ExportResult::Cancelled
                                                              : ExportResult::Failed;
    // A failure the engine gave as data (a setting, a file) in the studio's language.
    r.exportDir = QString::fromStdString(s.export_dir);
    if (!s.problem.id.empty()) r.problem = s.problem;
    r.partialRemoved = s.partial_removed;
    r.message = s.problem.id.empty() ? QString::fromStdString(s.message) : failure_text(r);
    r.templateName = QString::fromStdString(s.template_name);
    for (const ExportFile& f : s.files) r.files.push_back({QString::fromStdString(f.name), static_cast<qint64>(f.bytes)});
    r.totalBytes = static_cast<qint64>(s.total_bytes);
    r.seconds = s.seconds;
    return r;
}

}  // namespace

void ExportWorker::run(const ExportConfig& config) {
    QElapsedTimer sinceProgress;
    sinceProgress.start();
    ExportEvents events;
    events.on_progress = [&](double fraction, const lathe::Problem& step) {
        if (fraction < 1.0 && sinceProgress.elapsed() < kBatchMs) return;
        sinceProgress.restart();
        emit progress(fraction, step);
    };
    events.on_message = [&](const std::string& level, const lathe::Problem& line) { emit message(QString::fromStdString(level), line); };
    const ExportSummary summary = run_export(config, events, cancel_);
    emit finished(toResult(summary));
}

ExportController::ExportController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<lathe::Problem>();
    qRegisterMetaType<lathe::ui::ExportResult>();
    worker_ = new ExportWorker(&cancel_);
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &ExportWorker::progress, this, &ExportController::progress);
    connect(worker_, &ExportWorker::message, this, &ExportController::message);
    connect(worker_, &ExportWorker::finished, this, [this](const ExportResult& r) {
        running_ = false;
        emit finished(r);
    });
    thread_.setObjectName("lathe-export");
    thread_.start();
}

ExportController::~ExportController() {
    cancel_ = true;
    thread_.quit();
    thread_.wait();
}

void ExportController::start(const ExportConfig& config) {
    if (running_) return;
    running_ = true;
    cancel_ = false;
    emit started();
    ExportWorker* w = worker_;
    QMetaObject::invokeMethod(worker_, [w, config] { w->run(config); }, Qt::QueuedConnection);
}

void ExportController::cancel() {
    if (running_) cancel_ = true;
}

}  // namespace ui
}  // namespace lathe
