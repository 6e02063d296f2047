// The Train tab: the form, the checks shown next to the fields, Start/Abort, progress, the live loss
// plot with run comparison, the log and the finished/failed notice. Training itself runs in
// TrainController's worker thread.
#pragma once
#include "ui/train_controller.h"
#include "ui/train_validation.h"
#include "widgets/run_log.h"

#include <QMap>
#include <QWidget>

#include <functional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QTimer;
class QToolButton;
class QFrame;

namespace lathe {
struct TrainConfig;
}

namespace lathe {
namespace widgets {
class LossPlot;
}  // namespace widgets
}  // namespace lathe

namespace lathe {
namespace ui {

class ModelBar;
class TrainForm;

class TrainTab : public QWidget {
    Q_OBJECT
public:
    TrainTab(ModelBar* modelBar, TrainController* controller, QWidget* parent = nullptr);

    // The run as the form and the model bar describe it; `parseErrors` gets fields the engine rejects.
    TrainConfig currentConfig(QMap<QString, QString>* parseErrors = nullptr) const;
    void loadConfig(const TrainConfig& config);
    bool loadConfigFile(const QString& path, QString* error = nullptr);
    bool saveConfigFile(const QString& path, QString* error = nullptr);
    // The starter: a tiny new model taught the name `name` on the bundled datasets.
    void loadStarter(const QString& name = QString());

    // Runs every check now, on this thread, and shows the messages; returns them.
    QList<Problem> validateNow();
    QList<Problem> problems() const { return problems_; }
    QString generalProblemsText() const;
    // While Start waits for fields marked in red: a line beside it naming them, each a link that scrolls the
    // form to the field ("" when none).
    QLabel* fieldProblemsLabel() const { return fieldProblems_; }

    void setSavesRoot(const QString& root);
    // Shows a run folder's curve from trainer_log.jsonl (a checkpoint folder shows its run).
    bool showRun(const QString& dir);
    bool overlayRun(const QString& dir);

    QString commandLine() const;  // the lathe-cli line for the current config

    TrainForm* form() const { return form_; }
    widgets::LossPlot* plot() const { return plot_; }
    QProgressBar* progressBar() const { return progress_; }
    QPushButton* startButton() const { return startButton_; }
    QPushButton* abortButton() const { return abortButton_; }
    QPlainTextEdit* logView() const { return log_; }
    QString noticeText() const;
    QLineEdit* starterNameEdit() const { return starterName_; }

public slots:
    void start();
    void abort();
    void previewCommand();
    void previewDataset();
    void saveConfigDialog();
    void loadConfigDialog();

signals:
    void runFinished(const lathe::ui::RunResult& result);

protected:
    void changeEvent(QEvent* e) override;

private:
    void retranslate();
    void scheduleValidation();
    void validateAsync();
    void showProblems(const QList<Problem>& problems, const QMap<QString, QString>& parseErrors);
    void updateButtons();
    void updateContext();
    void updatePrecision();  // the model bar's precision for these settings on this machine
    void updateMemory();     // the model bar's peak memory estimate for these settings
    void refreshDefaultOutputDir(bool newStamp);
    // The notice and the log lines are worded by functions, called again after a language switch: the
    // engine's lines are data (Problems) and the tab's own are tr() of the values they show.
    void setNotice(const QString& text, const QString& color);
    void setNotice(std::function<QString()> text, const QString& color);
    void appendLog(const QString& text);
    void appendLog(std::function<QString()> text);
    void onFinished(const RunResult& r);
    void onCheckpointChanged(const QString& dir);
    void fillCompareMenu();
    void revealField(const QString& key);

    ModelBar* bar_;
    TrainController* controller_;
    TrainForm* form_;
    QScrollArea* formScroll_;
    QFrame* starterBox_;
    QLabel *starterText_, *starterNameLabel_, *generalProblems_, *fieldProblems_, *statusLabel_, *notice_;
    QLineEdit* starterName_;
    QPushButton *startButton_, *abortButton_, *commandButton_, *saveButton_, *loadButton_;
    QToolButton* compareButton_;
    QProgressBar* progress_;
    widgets::LossPlot* plot_;
    RunLog* log_;  // words its lines again on a language switch
    std::function<QString()> noticeText_;
    QTimer* validateTimer_;
    QList<Problem> problems_;
    QString savesRoot_, lastConfigPath_, liveRunTitle_;
    QString memoryWarnedFor_;  // the config (YAML) Start last warned about memory for: Start again runs it
    int validateGeneration_ = 0;
    bool checked_ = false;        // problems_ describe the current form
    bool outputAuto_ = true;      // output_dir follows model and method until the user edits it
    bool settingOutput_ = false;
    double lastLoss_ = 0;
};

}  // namespace ui
}  // namespace lathe
