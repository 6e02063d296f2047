// The Evaluate & Predict tab: the model bar's model (and checkpoint) answers the prompts of sft datasets,
// as LLaMA-Factory's do_predict with predict_with_generate, optionally beside a second model (A/B). Left:
// the settings; right: Start/Abort, the checks, progress, the metrics (with a judge, a reward model, also
// the mean rewards and A's win rate), and the predictions as a sortable table with a detail pane, exportable
// to CSV and JSON Lines. A second page, the checkpoint curve, predicts every checkpoint of the model bar's
// run and plots each metric against the step (ui/checkpoint_curve_panel.h). The run itself is
// EvaluateController's.
#pragma once
#include "core/eval/predict.h"
#include "ui/evaluate_controller.h"

#include <QStringList>
#include <QWidget>

#include <functional>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;
class QTableWidget;
class QTextBrowser;
class QTimer;

namespace lathe {
namespace ui {

class CheckpointCurvePanel;
class EvaluateForm;
class ModelBar;
class PredictionTable;

class EvaluateTab : public QWidget {
    Q_OBJECT
public:
    EvaluateTab(ModelBar* modelBar, EvaluateController* controller, QWidget* parent = nullptr);

    // The run as the settings and the model bar describe it.
    PredictConfig currentConfig() const;
    // The settings as the YAML `lathe-cli train` reads (ui/predict_yaml.h).
    QString configYaml() const;
    QString commandLine() const;
    bool saveConfigFile(const QString& path, QString* error = nullptr);
    // Sets the model bar and the settings from a predict YAML; keys it does not know are named in the notice.
    bool loadConfigFile(const QString& path, QString* error = nullptr);
    void setSavesRoot(const QString& root);

    // Runs every check now, on this thread, and shows the messages; returns them. `forCurve`: the checks of
    // a checkpoint curve, which has no A/B side.
    QStringList validateNow(bool forCurve = false);
    QStringList problems() const { return problems_; }
    QString generalProblemsText() const;
    QString noticeText() const;
    QString statusText() const;
    QString logText() const;     // the last message
    QString logHistory() const;  // the last 30 messages, one a line (the log line's tooltip)

    // A generated_predictions.jsonl (a finished, stopped or earlier run) into the tables.
    bool openResults(const QString& path, QString* error = nullptr);
    // The predictions in the table's current order.
    bool exportCsv(const QString& path, QString* error = nullptr);
    bool exportJsonl(const QString& path, QString* error = nullptr);

    EvaluateForm* form() const { return form_; }
    QPushButton* startButton() const { return startButton_; }
    QPushButton* abortButton() const { return abortButton_; }
    QProgressBar* progressBar() const { return progress_; }
    QTableWidget* metricsTable() const { return metrics_; }
    QTableView* predictionsView() const { return view_; }
    PredictionTable* predictions() const { return table_; }
    QSortFilterProxyModel* sortedPredictions() const { return sorted_; }
    QCheckBox* worstFirstBox() const { return worstFirst_; }
    QTextBrowser* detailView() const { return detail_; }
    QPushButton* exportCsvButton() const { return csvButton_; }
    QTabWidget* resultPages() const { return pages_; }
    CheckpointCurvePanel* curvePanel() const { return curve_; }
    // The run folder of the model bar's checkpoint, its checkpoints and its saved curve, into the curve page.
    void reloadCurve();

public slots:
    void start();
    // "Evaluate every checkpoint" of the model bar's run.
    void startCurve();
    void abort();
    void previewCommand();
    void saveConfigDialog();
    void loadConfigDialog();
    void openResultsDialog();
    void exportCsvDialog();
    void exportJsonlDialog();

signals:
    void runFinished(const lathe::PredictSummary& summary);
    void curveFinished(const lathe::CurveSummary& summary);

protected:
    void changeEvent(QEvent* e) override;

private:
    QWidget* buildResults();
    void connectSignals();
    void retranslate();
    void scheduleCheck();
    void checkAsync();
    QStringList uiProblems(const PredictConfig& c, bool forCurve = false) const;
    void showProblems(const QStringList& problems);
    void updateButtons();
    // `text` is asked again when the language changes.
    void setNotice(const std::function<QString()>& text, const QString& color);
    // A log line: fixed text, or (the engine's lines, the tab's own) worded anew at every language switch.
    void appendLog(const QString& text);
    void appendLog(std::function<QString()> text);
    void showLog();
    void onRows(const QVector<PredictRow>& rows);
    void onProgress(qint64 done, qint64 total, double elapsed, double remaining);
    void onFinished(const PredictSummary& s);
    void onCurveFinished(const CurveSummary& s);
    // Checks before a run (the form's own, then the engine's); false, with the problems shown, when any.
    bool readyToStart(bool forCurve);
    // The judge's means: A's reward, B's, and in % how often A's reward is the higher (ties count half).
    struct RewardMeans {
        double a = 0, b = 0, winRate = 0;
    };
    // The judge's rewards of the rows so far, for their means while a run goes on or of an opened file.
    struct RewardTotals {
        qint64 count = 0;
        double a = 0, b = 0, wins = 0;
        void add(const PredictRow& r);
        RewardMeans mean() const;
    };
    // The metrics table: means of A (and B), samples, samples per second of the run (< 0: unknown), and the
    // judge's means (null: no judge).
    void showMetrics(const SampleScores& a, const SampleScores* b, qint64 samples, double perSecond,
                     const RewardMeans* rewards);
    void clearMetrics(bool compare, bool judged);
    void updateColumns();
    void applyWorstFirst();
    void showDetail();
    std::vector<const PredictRow*> rowsInViewOrder() const;

    ModelBar* bar_;
    EvaluateController* controller_;
    EvaluateForm* form_;
    QScrollArea* settingsScroll_;
    QPushButton *startButton_, *abortButton_, *openButton_, *commandButton_, *saveButton_, *loadButton_, *csvButton_,
        *jsonlButton_;
    QLabel *generalProblems_, *statusLabel_, *logLine_, *notice_, *metricsTitle_, *predictionsTitle_;
    QProgressBar* progress_;
    QTableWidget* metrics_;
    PredictionTable* table_;
    QSortFilterProxyModel* sorted_;
    QTableView* view_;
    QCheckBox* worstFirst_;
    QTextBrowser* detail_;
    QTabWidget* pages_;
    CheckpointCurvePanel* curve_;
    QString curveStage_;  // "Checkpoint 2 of 3 (step 20)" while a curve runs, else ""
    QTimer* checkTimer_;
    QStringList problems_;
    struct LogLine {
        QString time;  // HH:mm:ss when it arrived
        std::function<QString()> text;
    };
    QVector<LogLine> log_;
    std::function<QString()> noticeText_;
    QString savesRoot_, lastConfigPath_;
    MetricTotals totalsA_, totalsB_;
    RewardTotals rewards_;
    double lastElapsed_ = 0;
    enum class Status { Ready, Other, Done, Stopped } status_ = Status::Ready;  // what the status line says
    int checkGeneration_ = 0;
    bool checked_ = false;
};

}  // namespace ui
}  // namespace lathe
