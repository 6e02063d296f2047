// Runs a data-workshop pass (core/corpus/pipeline.h) on a worker thread and reports to the UI thread
// through queued signals, progress at most every 100 ms.
#pragma once
#include "core/corpus/pipeline.h"
#include "ui/problem_metatype.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>

namespace lathe {
struct CorpusConfig;
}

namespace lathe {
namespace ui {

class DataWorker : public QObject {
    Q_OBJECT
public:
    explicit DataWorker(std::atomic<bool>* cancel) : cancel_(cancel) {}
    void run(const CorpusConfig& config);  // on the worker thread

signals:
    void progress(double fraction, const QString& what);
    void message(const QString& level, const lathe::Problem& line);  // a run log line, as data
    void finished(const lathe::CorpusSummary& summary);

private:
    std::atomic<bool>* cancel_;
};

class DataController : public QObject {
    Q_OBJECT
public:
    explicit DataController(QObject* parent = nullptr);
    ~DataController() override;  // stops a running pass and waits for it

    bool isRunning() const { return running_; }
    void start(const CorpusConfig& config);
    // Stops at the next batch; finished() follows with Cancelled and the output folder as it was.
    void cancel();

signals:
    void started();
    void progress(double fraction, const QString& what);
    // A run log line as data: the Data tab words it when it shows it, and again after a language switch.
    void message(const QString& level, const lathe::Problem& line);
    void finished(const lathe::CorpusSummary& summary);

private:
    QThread thread_;
    DataWorker* worker_;
    std::atomic<bool> cancel_{false};
    bool running_ = false;
};

}  // namespace ui
}  // namespace lathe

Q_DECLARE_METATYPE(lathe::CorpusSummary)
