// Runs predictions (core/eval/predict.h) on a worker thread that owns the engine call, and reports to the
// UI thread through queued signals, as TrainController does: a queued start, an atomic abort, progress
// batched to at most one signal every 100 ms. Finished rows arrive once per batch, in order.
#pragma once
#include "core/eval/checkpoint_curve.h"
#include "core/eval/predict.h"
#include "ui/problem_metatype.h"

#include <QObject>
#include <QString>
#include <QThread>
#include <QVector>

#include <atomic>

namespace lathe {
namespace ui {

class EvaluateWorker : public QObject {
    Q_OBJECT
public:
    explicit EvaluateWorker(std::atomic<bool>* cancel) : cancel_(cancel) {}
    // Runs on the worker thread (invoked through a queued call).
    void run(const lathe::PredictConfig& config);
    // Every checkpoint of `runDir` (core/eval/checkpoint_curve.h).
    void runCurve(const lathe::PredictConfig& config, const QString& runDir);

signals:
    void message(const QString& level, const lathe::Problem& line);  // a run log line, as data
    void rows(const QVector<lathe::PredictRow>& rows);
    void progress(qint64 done, qint64 total, double elapsedSeconds, double remainingSeconds);
    void finished(const lathe::PredictSummary& summary);
    void curveCheckpoint(int index, int count, qint64 step);
    void curvePoint(const lathe::CurvePoint& point);
    void curveFinished(const lathe::CurveSummary& summary);

private:
    std::atomic<bool>* cancel_;
};

class EvaluateController : public QObject {
    Q_OBJECT
public:
    explicit EvaluateController(QObject* parent = nullptr);
    ~EvaluateController() override;  // aborts a running prediction and waits for it

    bool isRunning() const { return running_; }
    void start(const lathe::PredictConfig& config);
    // "Evaluate every checkpoint" of the run in `runDir`: curveCheckpoint before each checkpoint predicted,
    // curvePoint for each point (those reloaded from checkpoint_curve.json first), then curveFinished.
    // progress() reports the checkpoint being predicted.
    void startCurve(const lathe::PredictConfig& config, const QString& runDir);
    // Asks the run to stop at the next token; finished() follows with Aborted and the finished batches' rows
    // (the batch being answered is not scored).
    void abort();
    bool abortRequested() const { return cancel_.load(); }

signals:
    void started();
    // A run log line as data: the Evaluate tab words it (engine_message) when it shows it, and again
    // after a language switch.
    void message(const QString& level, const lathe::Problem& line);
    void rows(const QVector<lathe::PredictRow>& rows);
    void progress(qint64 done, qint64 total, double elapsedSeconds, double remainingSeconds);
    void finished(const lathe::PredictSummary& summary);
    void curveCheckpoint(int index, int count, qint64 step);
    void curvePoint(const lathe::CurvePoint& point);
    void curveFinished(const lathe::CurveSummary& summary);

private:
    QThread thread_;
    EvaluateWorker* worker_;
    std::atomic<bool> cancel_{false};
    bool running_ = false;
};

}  // namespace ui
}  // namespace lathe

Q_DECLARE_METATYPE(lathe::PredictRow)
Q_DECLARE_METATYPE(lathe::PredictSummary)
Q_DECLARE_METATYPE(lathe::CurvePoint)
Q_DECLARE_METATYPE(lathe::CurveSummary)
