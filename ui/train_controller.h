// Runs training on a worker thread that owns the engine, and reports to the UI thread through queued
// signals. Progress and log points are batched on the worker side (at most every 100 ms) so that a
// fast run cannot flood the UI's event loop.
#pragma once
#include "ui/problem_metatype.h"

#include <QObject>
#include <QString>
#include <QThread>
#include <QVector>

#include <atomic>
#include <memory>

namespace lathe {
struct TrainConfig;
}

namespace lathe {
namespace ui {

struct LogPoint {
    double step = 0, loss = 0, lr = 0, epoch = 0, gradNorm = 0, tokensPerSecond = 0;
};

struct RunResult {
    enum Status { Completed, Cancelled, Failed } status = Failed;
    QString message, outputDir, lastCheckpoint;  // message: in the studio's language at the time
    lathe::Problem problem;                      // the failure as data, when the engine gave one (id set)
    qint64 steps = 0, totalSteps = 0;
    double trainLoss = 0, runtimeSeconds = 0;
};

class TrainWorker : public QObject {
    Q_OBJECT
public:
    explicit TrainWorker(std::atomic<bool>* cancel) : cancel_(cancel) {}
    // Runs on the worker thread (invoked through a queued call).
    void run(const TrainConfig& config);

signals:
    void message(const QString& level, const lathe::Problem& line);  // a run log line, as data
    void progress(qint64 step, qint64 total, double elapsedSeconds, double remainingSeconds);
    void logPoints(const QVector<lathe::ui::LogPoint>& points);
    void evalPoint(qint64 step, double loss);
    void checkpointSaved(const QString& dir, qint64 step);
    void finished(const lathe::ui::RunResult& result);

private:
    std::atomic<bool>* cancel_;
};

class TrainController : public QObject {
    Q_OBJECT
public:
    explicit TrainController(QObject* parent = nullptr);
    ~TrainController() override;  // aborts a running run and waits for it

    bool isRunning() const { return running_; }
    void start(const TrainConfig& config);
    // Asks the run to stop after the current optimizer step; finished() follows with Cancelled.
    void abort();
    bool abortRequested() const { return cancel_.load(); }
    // The object whose signals come straight from the engine thread (a test holds the engine at a step
    // with a direct connection to it); valid until the controller is destroyed.
    TrainWorker* worker() const { return worker_; }

signals:
    void started();
    // A run log line as data: the Train tab words it when it shows it, and again after a language switch.
    void message(const QString& level, const lathe::Problem& line);
    void progress(qint64 step, qint64 total, double elapsedSeconds, double remainingSeconds);
    void logPoints(const QVector<lathe::ui::LogPoint>& points);
    void evalPoint(qint64 step, double loss);
    void checkpointSaved(const QString& dir, qint64 step);
    void finished(const lathe::ui::RunResult& result);

private:
    QThread thread_;
    TrainWorker* worker_;
    std::atomic<bool> cancel_{false};
    bool running_ = false;
};

}  // namespace ui
}  // namespace lathe

Q_DECLARE_METATYPE(lathe::ui::LogPoint)
Q_DECLARE_METATYPE(lathe::ui::RunResult)
