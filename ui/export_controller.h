// Runs an export on a worker thread that owns the engine call, and reports to the UI thread through
// queued signals. Progress is batched on the worker side (at most every 100 ms): the engine reports
// every tensor, which for a quantized GGUF of a large model is thousands of calls.
#pragma once
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
    QString message, exportDir, templateName;
    QVector<ExportedFile> files;
    qint64 totalBytes = 0;
    double seconds = 0;
};

class ExportWorker : public QObject {
    Q_OBJECT
public:
    explicit ExportWorker(std::atomic<bool>* cancel) : cancel_(cancel) {}
    // Runs on the worker thread (invoked through a queued call).
    void run(const ExportConfig& config);

signals:
    void progress(double fraction, const QString& message);
    void message(const QString& level, const QString& text);
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
    void progress(double fraction, const QString& message);
    void message(const QString& level, const QString& text);
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
