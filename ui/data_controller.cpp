#include "ui/data_controller.h"

#include "core/corpus/corpus_config.h"
#include "ui/engine_messages.h"

#include <QElapsedTimer>
#include <QMetaObject>

namespace lathe {
namespace ui {

void DataWorker::run(const CorpusConfig& config) {
    QElapsedTimer sinceProgress;
    sinceProgress.start();
    CorpusEvents events;
    events.on_progress = [&](double fraction, const std::string& what) {
        if (fraction < 1.0 && sinceProgress.elapsed() < 100) return;
        sinceProgress.restart();
        emit progress(fraction, QString::fromStdString(what));
    };
    events.on_message = [&](const std::string& level, const lathe::Problem& line) { emit message(QString::fromStdString(level), line); };
    events.on_unreadable = [&](const lathe::Problem& p) { emit message("warning", p); };
    emit finished(run_corpus(config, events, cancel_));
}

DataController::DataController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<lathe::Problem>();
    qRegisterMetaType<lathe::CorpusSummary>();
    worker_ = new DataWorker(&cancel_);
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &DataWorker::progress, this, &DataController::progress);
    connect(worker_, &DataWorker::message, this, &DataController::message);
    connect(worker_, &DataWorker::finished, this, [this](const CorpusSummary& s) {
        running_ = false;
        emit finished(s);
    });
    thread_.setObjectName("lathe-data");
    thread_.start();
}

DataController::~DataController() {
    cancel_ = true;
    thread_.quit();
    thread_.wait();
}

void DataController::start(const CorpusConfig& config) {
    if (running_) return;
    running_ = true;
    cancel_ = false;
    emit started();
    DataWorker* w = worker_;
    QMetaObject::invokeMethod(worker_, [w, config] { w->run(config); }, Qt::QueuedConnection);
}

void DataController::cancel() {
    if (running_) cancel_ = true;
}

}  // namespace ui
}  // namespace lathe
