// Runs an export on a worker thread that owns the engine call, and reports to the UI thread through
// queued signals. Progress is batched on the worker side (at most every 100 ms): the engine reports
// every tensor, which for a quantized GGUF of a large model is thousands of calls.
#pragma once
#include "ui/problem_metatype.h"

#include <QObject>
#include <QString>
#include <QThread>
#include <QVector>

#include <atomic>

namespace lathe {
struct ExportConfig;
}

namespace lathe {
namespace ui {

struct ExportedFile {
    QString name;  // relative to the export folder
    qint64 bytes = 0;
};

struct ExportResult {
    enum Status { Completed, Cancelled, Failed } status = Failed;
    QString message, exportDir, templateName;  // message: in the studio's language at the time
    lathe::Problem problem;                    // the failure as data, when the engine gave one (id set)
    bool partialRemoved = false;               // a failed export's partial files were removed
    QVector<ExportedFile> files;
    qint64 totalBytes = 0;
    double seconds = 0;
};

// Why an export did not complete, in the current language (the engine's problem when it gave one).
QString failure_text(const ExportResult& result);

class ExportWorker : public QObject {
    Q_OBJECT
public:
    explicit ExportWorker(std::atomic<bool>* cancel) : cancel_(cancel) {}
    // Runs on the worker thread (invoked through a queued call).
    void run(const ExportConfig& config);

signals:
    void progress(double fraction, const lathe::Problem& step);      // the step, as data
    void message(const QString& level, const lathe::Problem& line);  // a log line, as data
    void finished(const lathe::ui::ExportResult& result);

private:
    std::atomic<bool>* cancel_;
};

class ExportController : public QObject {
    Q_OBJECT
public:
    explicit ExportController(QObject* parent = nullptr);
    ~ExportController() override;  // cancels a running export and waits for it

    bool isRunning() const { return running_; }
    void start(const ExportConfig& config);
    // Asks the export to stop at the next tensor; finished() follows with Cancelled and nothing written.
    void cancel();
    bool cancelRequested() const { return cancel_.load(); }

signals:
    void started();
    // The steps and log lines as data: the Export tab words them when it shows them, and again after a
    // language switch.
    void progress(double fraction, const lathe::Problem& step);
    void message(const QString& level, const lathe::Problem& line);
    void finished(const lathe::ui::ExportResult& result);

private:
    QThread thread_;
    ExportWorker* worker_;
    std::atomic<bool> cancel_{false};
    bool running_ = false;
};

}  // namespace ui
}  // namespace lathe

Q_DECLARE_METATYPE(lathe::ui::ExportResult)
