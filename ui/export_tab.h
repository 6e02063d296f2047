// The Export tab: the form (ExportForm), the engine's checks next to the fields, the size estimate
// refreshed off the UI thread as settings change, Export/Cancel, progress, the summary of what was
// written, a log, and the YAML that `lathe-cli export` runs. The export runs in ExportController's
// worker thread.
#pragma once
#include "ui/export_checks.h"
#include "ui/export_controller.h"
#include "widgets/run_log.h"

#include <QWidget>

#include <functional>

class QGroupBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QTimer;
class QTreeWidget;

namespace lathe {
struct ExportConfig;
}

namespace lathe {
namespace ui {

class ExportForm;
class ModelBar;

class ExportTab : public QWidget {
    Q_OBJECT
public:
    ExportTab(ModelBar* modelBar, ExportController* controller, QWidget* parent = nullptr);

    ExportConfig currentConfig() const;
    void loadConfig(const ExportConfig& config);
    bool loadConfigFile(const QString& path, QString* error = nullptr);
    bool saveConfigFile(const QString& path, QString* error = nullptr);
    QString commandLine() const;  // the lathe-cli line for the current config
    void setSavesRoot(const QString& root);

    // Asked before a non-empty target folder is replaced (default: a message box). Tests replace it.
    void setConfirmOverwrite(std::function<bool(const QString& dir)> confirm) { confirmOverwrite_ = std::move(confirm); }

    // True once the checks and the estimate describe the current settings (they run off the UI thread).
    bool isChecked() const { return checked_; }
    QList<Problem> problems() const { return check_.problems; }
    QString generalProblemsText() const;
    QString estimateText() const;     // "about 1.2 GB in 3 files · …", "" without an estimate
    QStringList estimateFiles() const;
    QString noticeText() const;       // the summary or failure after a run
    QStringList summaryFiles() const;  // as written by the last run

    ExportForm* form() const { return form_; }
    QPushButton* exportButton() const { return exportButton_; }
    QPushButton* cancelButton() const { return cancelButton_; }
    QProgressBar* progressBar() const { return progress_; }
    QPlainTextEdit* logView() const { return log_; }
    QString statusText() const;

public slots:
    void startExport();
    void cancel();
    void previewCommand();
    void saveConfigDialog();
    void loadConfigDialog();

signals:
    void exportFinished(const lathe::ui::ExportResult& result);

protected:
    void changeEvent(QEvent* e) override;

private:
    void retranslate();
    void scheduleCheck();
    void checkAsync();
    void showCheck(const ExportCheck& check);
    void updateButtons();
    void setNotice(const QString& text, const QString& color);
    // Log lines worded by functions, called again after a language switch (the engine's steps and lines
    // are data; the tab's own are tr() of the values they show).
    void appendLog(const QString& text);
    void appendLog(std::function<QString()> text);
    void onFinished(const ExportResult& r);
    void showResult(const ExportResult& r);  // the notice and the written files
    bool confirmReplace(const QString& dir);

    ModelBar* bar_;
    ExportController* controller_;
    ExportForm* form_;
    QScrollArea* formScroll_;
    QGroupBox* estimateBox_;
    QLabel *estimateLabel_, *warningsLabel_, *generalProblems_, *statusLabel_, *notice_, *summaryTitle_;
    QTreeWidget *estimateTable_, *summaryTable_;
    QPushButton *exportButton_, *cancelButton_, *commandButton_, *saveButton_, *loadButton_;
    QProgressBar* progress_;
    RunLog* log_;  // words its lines again on a language switch
    lathe::Problem lastStep_;  // the step the status line shows while exporting
    QTimer* checkTimer_;
    ExportCheck check_;
    ExportResult lastResult_;
    QString lastConfigPath_;
    std::function<bool(const QString&)> confirmOverwrite_;
    int checkGeneration_ = 0;
    bool checked_ = false;
    bool haveResult_ = false;
};

}  // namespace ui
}  // namespace lathe
