#include "ui/evaluate_tab.h"

#include "ui/checkpoint_curve_panel.h"
#include "ui/command_preview.h"
#include "ui/engine_messages.h"
#include "ui/run_curve.h"

#include "core/train/run_dir.h"
#include "core/util/fs.h"
#include "ui/evaluate_form.h"
#include "ui/model_bar.h"
#include "ui/prediction_export.h"
#include "ui/prediction_table.h"
#include "ui/predict_yaml.h"
#include "ui/studio_paths.h"
#include "ui/status_colors.h"
#include "widgets/icons.h"

#include <nlohmann/json.hpp>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QStyle>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace lathe {
namespace ui {

namespace {

constexpr int kMaxLogLines = 200;

QString hms(double seconds) { return QString::fromStdString(format_hms(seconds)); }

enum MetricRow {
    RowBleu, RowRouge1, RowRouge2, RowRougeL, RowExact, RowF1, RowSamples, RowPerSecond, RowReward, RowWinRate
};

// The rows a metrics table has: the scores, samples and rate, then the judge's (a win rate needs B).
int metricRows(bool compare, bool judged) { return judged ? (compare ? RowWinRate + 1 : RowReward + 1) : RowReward; }

std::vector<double> scoreList(const SampleScores& s) { return {s.bleu4, s.rouge1, s.rouge2, s.rougeL, s.exact_match, s.f1}; }

}  // namespace

EvaluateTab::EvaluateTab(ModelBar* modelBar, EvaluateController* controller, QWidget* parent)
    : QWidget(parent), bar_(modelBar), controller_(controller) {
    savesRoot_ = saves_root();
    form_ = new EvaluateForm(bar_, this);
    settingsScroll_ = new QScrollArea(this);
    settingsScroll_->setWidgetResizable(true);
    settingsScroll_->setWidget(form_);
    settingsScroll_->setFrameShape(QFrame::NoFrame);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(settingsScroll_);
    split->addWidget(buildResults());
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    split->setSizes({400, 900});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    checkTimer_ = new QTimer(this);
    checkTimer_->setSingleShot(true);
    checkTimer_->setInterval(250);
    connectSignals();
    updateColumns();
    clearMetrics(false, false);
    retranslate();
    updateButtons();
    reloadCurve();
    scheduleCheck();
}

QWidget* EvaluateTab::buildResults() {
    auto* right = new QWidget(this);
    startButton_ = new QPushButton(widgets::icon(widgets::IconKind::Start), QString(), right);
    startButton_->setObjectName("evalStart");
    abortButton_ = new QPushButton(widgets::icon(widgets::IconKind::Stop), QString(), right);
    abortButton_->setObjectName("evalAbort");
    openButton_ = new QPushButton(widgets::icon(widgets::IconKind::Open), QString(), right);
    commandButton_ = new QPushButton(widgets::icon(widgets::IconKind::Preview), QString(), right);
    saveButton_ = new QPushButton(widgets::icon(widgets::IconKind::Save), QString(), right);
    loadButton_ = new QPushButton(widgets::icon(widgets::IconKind::Open), QString(), right);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(startButton_);
    buttons->addWidget(abortButton_);
    buttons->addStretch(1);
    buttons->addWidget(openButton_);
    buttons->addWidget(commandButton_);
    buttons->addWidget(saveButton_);
    buttons->addWidget(loadButton_);

    generalProblems_ = make_problem_label(right, "evalProblems");
    progress_ = new QProgressBar(right);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(QString());
    statusLabel_ = new QLabel(right);
    statusLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    logLine_ = new QLabel(right);
    logLine_->setObjectName("evalLog");
    logLine_->setTextFormat(Qt::PlainText);
    logLine_->setStyleSheet("color:#555;");
    // Long engine messages (paths) are cut rather than widening the window; the tooltip has the history.
    logLine_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    notice_ = new QLabel(right);
    notice_->setWordWrap(true);
    notice_->setVisible(false);
    notice_->setObjectName("evalNotice");
    notice_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* runCol = new QVBoxLayout;
    runCol->addWidget(generalProblems_);
    runCol->addWidget(progress_);
    runCol->addWidget(statusLabel_);
    runCol->addWidget(logLine_);
    runCol->addWidget(notice_);
    runCol->addStretch(1);

    metricsTitle_ = new QLabel(right);
    metrics_ = new QTableWidget(metricRows(false, false), 1, right);
    metrics_->setObjectName("evalMetrics");
    metrics_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    metrics_->setSelectionMode(QAbstractItemView::NoSelection);
    metrics_->setFocusPolicy(Qt::NoFocus);
    metrics_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    metrics_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    metrics_->verticalHeader()->setDefaultSectionSize(metrics_->fontMetrics().height() + 8);
    metrics_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    metrics_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    metrics_->setMinimumWidth(340);
    metrics_->setMaximumWidth(420);
    auto* metricsCol = new QVBoxLayout;
    metricsCol->addWidget(metricsTitle_);
    metricsCol->addWidget(metrics_);
    auto* top = new QHBoxLayout;
    top->addLayout(runCol, 1);
    top->addLayout(metricsCol);

    predictionsTitle_ = new QLabel(right);
    worstFirst_ = new QCheckBox(right);
    worstFirst_->setObjectName("evalWorstFirst");
    csvButton_ = new QPushButton(widgets::icon(widgets::IconKind::Export), QString(), right);
    csvButton_->setObjectName("evalExportCsv");
    jsonlButton_ = new QPushButton(widgets::icon(widgets::IconKind::Export), QString(), right);
    jsonlButton_->setObjectName("evalExportJsonl");
    auto* tableBar = new QHBoxLayout;
    tableBar->addWidget(predictionsTitle_);
    tableBar->addStretch(1);
    tableBar->addWidget(worstFirst_);
    tableBar->addWidget(csvButton_);
    tableBar->addWidget(jsonlButton_);

    table_ = new PredictionTable(this);
    sorted_ = new QSortFilterProxyModel(this);
    sorted_->setSourceModel(table_);
    sorted_->setSortRole(PredictionTable::SortRole);
    view_ = new QTableView(right);
    view_->setObjectName("evalPredictions");
    view_->setModel(sorted_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(PredictionTable::Index, Qt::AscendingOrder);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setWordWrap(false);
    view_->setAlternatingRowColors(true);
    view_->verticalHeader()->setVisible(false);
    view_->verticalHeader()->setDefaultSectionSize(view_->fontMetrics().height() + 8);
    view_->horizontalHeader()->setMinimumSectionSize(48);
    detail_ = new QTextBrowser(right);
    detail_->setObjectName("evalDetail");
    detail_->setOpenLinks(false);
    auto* tableBox = new QWidget(right);
    auto* tl = new QVBoxLayout(tableBox);
    tl->setContentsMargins(0, 0, 0, 0);
    tl->addLayout(tableBar);
    tl->addWidget(view_, 1);
    auto* tableSplit = new QSplitter(Qt::Vertical, right);
    tableSplit->addWidget(tableBox);
    tableSplit->addWidget(detail_);
    tableSplit->setStretchFactor(0, 3);
    tableSplit->setStretchFactor(1, 1);
    tableSplit->setChildrenCollapsible(false);

    curve_ = new CheckpointCurvePanel(right);
    pages_ = new QTabWidget(right);
    pages_->setObjectName("evalPages");
    pages_->setDocumentMode(true);
    pages_->addTab(tableSplit, QString());
    pages_->addTab(curve_, QString());

    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addLayout(buttons);
    rl->addLayout(top);
    rl->addWidget(pages_, 1);
    return right;
}

void EvaluateTab::connectSignals() {
    connect(checkTimer_, &QTimer::timeout, this, &EvaluateTab::checkAsync);
    connect(startButton_, &QPushButton::clicked, this, &EvaluateTab::start);
    connect(abortButton_, &QPushButton::clicked, this, &EvaluateTab::abort);
    connect(openButton_, &QPushButton::clicked, this, &EvaluateTab::openResultsDialog);
    connect(commandButton_, &QPushButton::clicked, this, &EvaluateTab::previewCommand);
    connect(saveButton_, &QPushButton::clicked, this, &EvaluateTab::saveConfigDialog);
    connect(loadButton_, &QPushButton::clicked, this, &EvaluateTab::loadConfigDialog);
    connect(csvButton_, &QPushButton::clicked, this, &EvaluateTab::exportCsvDialog);
    connect(jsonlButton_, &QPushButton::clicked, this, &EvaluateTab::exportJsonlDialog);
    connect(form_, &EvaluateForm::changed, this, &EvaluateTab::scheduleCheck);
    connect(bar_, &ModelBar::checkpointChanged, this, &EvaluateTab::reloadCurve);
    connect(curve_, &CheckpointCurvePanel::evaluateRequested, this, &EvaluateTab::startCurve);
    connect(curve_, &CheckpointCurvePanel::useCheckpointRequested, this, [this](const QString& dir) {
        if (!controller_->isRunning()) bar_->setCheckpoint(dir);
    });

    connect(controller_, &EvaluateController::message, this, [this](const QString& level, const lathe::Problem& line) {
        appendLog([level, line] { return log_line(level, line); });
    });
    connect(controller_, &EvaluateController::rows, this, &EvaluateTab::onRows);
    connect(controller_, &EvaluateController::progress, this, &EvaluateTab::onProgress);
    connect(controller_, &EvaluateController::finished, this, &EvaluateTab::onFinished);
    connect(controller_, &EvaluateController::curveCheckpoint, this, [this](int index, int count, qint64 step) {
        curveStage_ = tr("Checkpoint %1 of %2 (step %3)").arg(index + 1).arg(count).arg(step);
        statusLabel_->setText(curveStage_ + tr(" · loading…"));
    });
    connect(controller_, &EvaluateController::curvePoint, curve_, &CheckpointCurvePanel::addPoint);
    connect(controller_, &EvaluateController::curveFinished, this, &EvaluateTab::onCurveFinished);

    connect(worstFirst_, &QCheckBox::toggled, this, &EvaluateTab::applyWorstFirst);
    // Sorting by another column by hand ends "worst first".
    connect(view_->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, [this](int column, Qt::SortOrder order) {
        const bool worst = column == table_->worstColumn() && order == Qt::AscendingOrder;
        if (worstFirst_->isChecked() != worst) {
            const QSignalBlocker block(worstFirst_);
            worstFirst_->setChecked(worst);
        }
    });
    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &EvaluateTab::showDetail);
    connect(table_, &QAbstractItemModel::modelReset, this, [this] {
        detail_->clear();
        updateColumns();
    });

    auto* startKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this, this, &EvaluateTab::start);
    startKey->setContext(Qt::WidgetWithChildrenShortcut);
    auto* startKey2 = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Enter), this, this, &EvaluateTab::start);
    startKey2->setContext(Qt::WidgetWithChildrenShortcut);
    auto* abortKey = new QShortcut(QKeySequence(Qt::Key_Escape), this, this, &EvaluateTab::abort);
    abortKey->setContext(Qt::WidgetWithChildrenShortcut);
}

void EvaluateTab::updateColumns() {
    // The texts share the width; a score column is as wide as its header's longest line or "-100.0", plus
    // room for the sort arrow (ResizeToContents would reserve that room twice).
    QHeaderView* header = view_->horizontalHeader();
    const QFontMetrics fm(header->font());
    const int extra = 2 * style()->pixelMetric(QStyle::PM_HeaderMargin) + style()->pixelMetric(QStyle::PM_HeaderMarkSize) + 8;
    for (int c = 0; c < table_->columnCount(); ++c) {
        const PredictionTable::Column kind = table_->columnAt(c);
        if (kind == PredictionTable::Prompt || kind == PredictionTable::Label || kind == PredictionTable::Predict ||
            kind == PredictionTable::PredictB) {
            header->setSectionResizeMode(c, QHeaderView::Stretch);
            continue;
        }
        int width = fm.horizontalAdvance(kind == PredictionTable::Index ? QStringLiteral("9999") : QStringLiteral("-100.0"));
        for (const QString& line : table_->headerData(c, Qt::Horizontal).toString().split('\n'))
            width = std::max(width, fm.horizontalAdvance(line));
        header->setSectionResizeMode(c, QHeaderView::Fixed);
        header->resizeSection(c, width + extra);
    }
    applyWorstFirst();
}

void EvaluateTab::retranslate() {
    startButton_->setText(tr("Start"));
    startButton_->setToolTip(tr("Answer every prompt and score the answers (Ctrl+Return)"));
    abortButton_->setText(tr("Abort"));
    abortButton_->setToolTip(tr("Stop now: the batch being answered is dropped, the finished ones are kept (Esc)"));
    openButton_->setText(tr("Open results…"));
    openButton_->setToolTip(tr("Show the predictions of an earlier run (generated_predictions.jsonl)"));
    commandButton_->setText(tr("Preview command"));
    commandButton_->setToolTip(tr("Show the lathe-cli command and YAML that run the same prediction"));
    saveButton_->setText(tr("Save config…"));
    saveButton_->setToolTip(tr("Save these settings as a YAML file (LLaMA-Factory's do_predict keys)"));
    loadButton_->setText(tr("Load config…"));
    loadButton_->setToolTip(tr("Load prediction settings from a YAML file"));
    metricsTitle_->setText(tr("<b>Metrics</b> (0–100, means over the samples)"));
    worstFirst_->setText(tr("Worst first"));
    worstFirst_->setToolTip(tr("Sort by ROUGE-L, lowest first; in an A/B run by the difference A − B, where A loses most "
                               "first"));
    csvButton_->setText(tr("Export CSV…"));
    csvButton_->setToolTip(tr("Save the table, in its current order, as CSV"));
    jsonlButton_->setText(tr("Export JSONL…"));
    jsonlButton_->setToolTip(tr("Save the table, in its current order, as JSON Lines"));
    detail_->setPlaceholderText(tr("Select a row to read its prompt, label and prediction in full."));
    if (status_ == Status::Ready) statusLabel_->setText(tr("Ready"));
    else if (status_ == Status::Done) statusLabel_->setText(tr("Done"));
    else if (status_ == Status::Stopped) statusLabel_->setText(tr("Stopped"));
    table_->retranslate();
    showLog();  // the run's log lines in the new language
    const bool compare = metrics_->columnCount() == 3;
    metrics_->setVerticalHeaderLabels({tr("BLEU-4"), tr("ROUGE-1"), tr("ROUGE-2"), tr("ROUGE-L"), tr("Exact match"),
                                       tr("F1"), tr("Samples"), tr("Samples/s"), tr("Reward"), tr("Win rate (A over B)")});
    metrics_->verticalHeaderItem(RowPerSecond)
        ->setToolTip(tr("Samples answered per second over the whole run; in an A/B run both models answer each sample"));
    metrics_->verticalHeaderItem(RowExact)->setToolTip(tr("Share of answers equal to the label after SQuAD's normalisation"));
    metrics_->verticalHeaderItem(RowF1)->setToolTip(tr("Word overlap of answer and label (SQuAD's token F1)"));
    if (metrics_->rowCount() > RowReward)
        metrics_->verticalHeaderItem(RowReward)
            ->setToolTip(tr("The judge's mean reward for the answers, on the reward model's own scale (not 0–100)"));
    if (metrics_->rowCount() > RowWinRate)
        metrics_->verticalHeaderItem(RowWinRate)
            ->setToolTip(tr("Share of samples, in %, where the judge gives A's answer a higher reward than B's (a tie "
                            "counts half)"));
    metrics_->setHorizontalHeaderLabels(compare ? QStringList{tr("A"), tr("B"), tr("Δ (A − B)")} : QStringList{tr("Value")});
    if (compare) {
        metrics_->horizontalHeaderItem(0)->setToolTip(tr("The model bar's model with its checkpoint"));
        metrics_->horizontalHeaderItem(1)->setToolTip(form_->compareCombo()->currentText());
    }
    predictionsTitle_->setText(tr("<b>Predictions</b> (%n rows)", nullptr, table_->rowCount()));
    pages_->setTabText(0, tr("Predictions"));
    pages_->setTabText(1, tr("Checkpoint curve"));
    updateColumns();  // the headers' widths follow the language
    if (noticeText_) notice_->setText(noticeText_());
    showDetail();
}

void EvaluateTab::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

QString EvaluateTab::configYaml() const { return predict_config_yaml(currentConfig()); }

QString EvaluateTab::commandLine() const {
    return cliCommandLine("train", lastConfigPath_, "predict.yaml");
}

bool EvaluateTab::saveConfigFile(const QString& path, QString* error) {
    try {
        write_file_atomic(path.toStdString(), configYaml().toStdString());
    } catch (const std::exception& e) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, QString::fromStdString(e.what()));
        return false;
    }
    lastConfigPath_ = QFileInfo(path).absoluteFilePath();
    return true;
}

bool EvaluateTab::loadConfigFile(const QString& path, QString* error) {
    PredictConfig c;
    QStringList ignored;
    try {
        if (!parse_predict_yaml(QString::fromStdString(read_file(path.toStdString())), path, &c, &ignored, error))
            return false;
    } catch (const std::exception& e) {  // the file cannot be read
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
    form_->setConfig(c);
    lastConfigPath_ = QFileInfo(path).absoluteFilePath();
    if (!ignored.isEmpty())
        setNotice([path, ignored] {
            return tr("Loaded %1; these keys mean nothing to a prediction here and were left out: %2")
                .arg(path, ignored.join(", "));
        }, kAmber);
    return true;
}

void EvaluateTab::setSavesRoot(const QString& root) {
    savesRoot_ = root;
    form_->setSavesRoot(root);
}

PredictConfig EvaluateTab::currentConfig() const { return form_->config(); }

QStringList EvaluateTab::uiProblems(const PredictConfig& c, bool forCurve) const {
    QStringList out;
    if (c.model_name_or_path.empty())
        out << tr("Choose a model folder in the model bar: predictions need a trained model (a new model from "
                  "scratch has nothing to evaluate until the starter has run in Train).");
    if (c.dataset.empty()) out << tr("Tick at least one dataset to predict on.");
    if (!forCurve && form_->compareMode() == "folder" && c.compare.empty())
        out << tr("Choose the folder to compare with, or set Compare with to None.");
    if (c.compare == "base" && c.adapter_name_or_path.empty())
        out << tr("Comparing with the base model needs a checkpoint in the model bar: without one, A and B are the "
                  "same model.");
    if (!forCurve && c.output_dir.empty()) out << tr("Choose an output folder.");  // a curve writes into its run
    return out;
}

void EvaluateTab::scheduleCheck() {
    checked_ = false;
    updateButtons();
    checkTimer_->start();
}

void EvaluateTab::checkAsync() {
    if (controller_->isRunning()) return;
    const PredictConfig c = currentConfig();
    const QStringList mine = uiProblems(c);
    const int generation = ++checkGeneration_;
    if (!mine.isEmpty()) {  // the engine's checks would only repeat these in its own words
        showProblems(mine);
        return;
    }
    auto* watcher = new QFutureWatcher<std::vector<std::string>>(this);
    connect(watcher, &QFutureWatcher<std::vector<std::string>>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != checkGeneration_ || checkTimer_->isActive()) return;
        QStringList found;
        for (const std::string& p : watcher->result()) found << QString::fromStdString(p);
        showProblems(found);
    });
    watcher->setFuture(QtConcurrent::run([c] { return precheck_predict(c); }));
}

QStringList EvaluateTab::validateNow(bool forCurve) {
    checkTimer_->stop();
    ++checkGeneration_;  // results of checks still running are stale now
    PredictConfig c = currentConfig();
    if (forCurve) {
        c.compare.clear();
        c.output_dir = curve_->runDir().toStdString();
    }
    QStringList found = uiProblems(c, forCurve);
    if (found.isEmpty()) {
        try {
            for (const std::string& p : precheck_predict(c)) found << QString::fromStdString(p);
        } catch (const std::exception& e) {  // the checks are meant not to throw; say it rather than crash
            found << QString::fromStdString(e.what());
        }
    }
    showProblems(found);
    return problems_;
}

void EvaluateTab::showProblems(const QStringList& problems) {
    problems_ = problems;
    problems_.removeDuplicates();
    checked_ = true;
    generalProblems_->setText(problems_.join('\n'));
    generalProblems_->setVisible(!problems_.isEmpty());
    updateButtons();
}

QString EvaluateTab::generalProblemsText() const {
    return generalProblems_->isVisibleTo(this) ? generalProblems_->text() : QString();
}

QString EvaluateTab::noticeText() const { return notice_->isVisibleTo(this) ? notice_->text() : QString(); }
QString EvaluateTab::statusText() const { return statusLabel_->text(); }
QString EvaluateTab::logText() const { return logLine_->text(); }
QString EvaluateTab::logHistory() const { return logLine_->toolTip(); }

void EvaluateTab::updateButtons() {
    const bool running = controller_->isRunning();
    startButton_->setEnabled(!running && (!checked_ || problems_.isEmpty()));
    abortButton_->setEnabled(running && !controller_->abortRequested());
    settingsScroll_->setEnabled(!running);
    loadButton_->setEnabled(!running);
    openButton_->setEnabled(!running);
    curve_->setRunning(running);
    const bool haveRows = table_->rowCount() > 0;
    csvButton_->setEnabled(!running && haveRows);
    jsonlButton_->setEnabled(!running && haveRows);
}

bool EvaluateTab::readyToStart(bool forCurve) {
    if (!validateNow(forCurve).isEmpty()) {
        setNotice([] { return tr("Fix the problems marked in red before starting."); }, kRed);
        return false;
    }
    return true;
}

void EvaluateTab::start() {
    if (controller_->isRunning()) return;
    if (form_->outputIsDefault()) form_->refreshDefaultOutputDir();
    if (!readyToStart(false)) return;
    curveStage_.clear();
    pages_->setCurrentIndex(0);
    const PredictConfig c = currentConfig();
    table_->reset(!c.compare.empty(), !c.judge.empty());
    totalsA_ = MetricTotals();
    totalsB_ = MetricTotals();
    rewards_ = RewardTotals();
    lastElapsed_ = 0;
    clearMetrics(!c.compare.empty(), !c.judge.empty());
    retranslate();
    progress_->setFormat(QString());
    progress_->setRange(0, 1);
    progress_->setValue(0);
    notice_->setVisible(false);
    log_.clear();
    status_ = Status::Other;
    statusLabel_->setText(tr("Preparing: reading the datasets and loading the model…"));
    appendLog([dir = QString::fromStdString(c.output_dir)] { return tr("output folder: %1").arg(dir); });
    controller_->start(c);
    updateButtons();
}

void EvaluateTab::reloadCurve() {
    if (controller_->isRunning()) return;  // the running curve owns the page
    const QString checkpoint = bar_->checkpoint();
    const QString run = checkpoint.isEmpty() ? QString() : run_dir_of(checkpoint);
    curve_->setRun(run, run.isEmpty() ? 0 : static_cast<int>(curve_checkpoints(run.toStdString()).size()));
    if (run.isEmpty()) return curve_->clear();
    try {
        CheckpointCurve saved;
        if (read_checkpoint_curve(run.toStdString(), &saved)) curve_->setCurve(saved);
        else curve_->clear();
    } catch (const std::exception& e) {
        curve_->clear(tr("The saved curve cannot be read (%1); Evaluate every checkpoint writes it anew.")
                          .arg(QString::fromStdString(e.what())));
    }
}

void EvaluateTab::startCurve() {
    if (controller_->isRunning()) return;
    const QString run = curve_->runDir();
    if (run.isEmpty() || curve_->checkpointCount() == 0) return;
    if (!readyToStart(true)) return;
    PredictConfig c = currentConfig();
    c.compare.clear();
    pages_->setCurrentIndex(1);
    progress_->setFormat(QString());
    progress_->setRange(0, 1);
    progress_->setValue(0);
    notice_->setVisible(false);
    log_.clear();
    curveStage_.clear();
    curve_->clear();
    status_ = Status::Other;
    statusLabel_->setText(tr("Preparing: reading the saved curve of %1…").arg(run));
    appendLog([file = QDir(run).filePath("checkpoint_curve.json")] { return tr("checkpoint curve: %1").arg(file); });
    controller_->startCurve(c, run);
    updateButtons();
}

void EvaluateTab::onCurveFinished(const CurveSummary& s) {
    const QString file = QDir(curve_->runDir()).filePath("checkpoint_curve.json");
    const QString color = s.status == PredictSummary::Status::Completed ? kGreen
                          : s.status == PredictSummary::Status::Aborted ? kAmber
                                                                        : kRed;
    const int points = static_cast<int>(s.curve.points.size());
    const int predicted = static_cast<int>(s.predicted);
    const CheckpointCurvePanel* panel = curve_;
    // In the studio's language: the failed checkpoint's step and folder, then its problem as the engine gave it.
    auto words = [s, file, points, predicted, panel] {
        switch (s.status) {
            case PredictSummary::Status::Completed:
                return tr("Evaluated %n checkpoint(s) (%1 newly predicted). %2. The curve is in %3", nullptr, points)
                    .arg(predicted)
                    .arg(panel->bestText(), file);
            case PredictSummary::Status::Aborted:
                return tr("Stopped with %1 of %2 checkpoints evaluated; Start again with the same settings to "
                          "evaluate the rest.")
                    .arg(points)
                    .arg(s.checkpoints);
            case PredictSummary::Status::Failed: break;
        }
        if (s.failed_step >= 0)
            return tr("Checkpoint curve failed at the checkpoint of step %1 (%2): %3")
                .arg(s.failed_step)
                .arg(QString::fromStdString(s.failed_checkpoint), engine_message(s.problem));
        return tr("Checkpoint curve failed: %1").arg(engine_message(s.problem));
    };
    setNotice(words, color);
    if (s.status != PredictSummary::Status::Completed) appendLog(words);
    if (s.status == PredictSummary::Status::Completed) progress_->setValue(progress_->maximum());
    status_ = s.status == PredictSummary::Status::Completed ? Status::Done : Status::Stopped;
    statusLabel_->setText(status_ == Status::Done ? tr("Done") : tr("Stopped"));
    curveStage_.clear();
    updateButtons();
    scheduleCheck();
    emit curveFinished(s);
}

void EvaluateTab::abort() {
    if (!controller_->isRunning()) return;
    controller_->abort();
    statusLabel_->setText(tr("Stopping: the batch being answered is dropped…"));
    updateButtons();
}

void EvaluateTab::onRows(const QVector<PredictRow>& rows) {
    table_->append(std::vector<PredictRow>(rows.begin(), rows.end()));
    for (const PredictRow& r : rows) {
        totalsA_.add(r.scores);
        totalsB_.add(r.scores_b);
        rewards_.add(r);
    }
    const SampleScores b = totalsB_.mean();
    const RewardMeans rewards = rewards_.mean();
    const qint64 n = static_cast<qint64>(totalsA_.count);
    showMetrics(totalsA_.mean(), table_->hasCompare() ? &b : nullptr, n, lastElapsed_ > 0 ? n / lastElapsed_ : -1,
                table_->hasJudge() ? &rewards : nullptr);
    predictionsTitle_->setText(tr("<b>Predictions</b> (%n rows)", nullptr, table_->rowCount()));
}

void EvaluateTab::onProgress(qint64 done, qint64 total, double elapsed, double remaining) {
    lastElapsed_ = elapsed;
    progress_->setFormat("%v / %m");
    progress_->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
    progress_->setValue(static_cast<int>(done));
    const QString text = done == 0 ? tr("%1 samples to predict · elapsed %2").arg(total).arg(hms(elapsed))
                                   : tr("Sample %1 of %2 · elapsed %3 · remaining %4")
                                         .arg(done)
                                         .arg(total)
                                         .arg(hms(elapsed), hms(remaining));
    statusLabel_->setText(curveStage_.isEmpty() ? text : curveStage_ + " · " + text);
}

void EvaluateTab::onFinished(const PredictSummary& s) {
    const QString dir = QString::fromStdString(s.output_dir);
    const QString file = dir.isEmpty() ? QString() : QDir(dir).filePath("generated_predictions.jsonl");
    const QString color = s.status == PredictSummary::Status::Completed ? kGreen
                          : s.status == PredictSummary::Status::Aborted ? kAmber
                                                                        : kRed;
    setNotice([s, dir, file] {
        switch (s.status) {
            case PredictSummary::Status::Completed:
                return tr("Predicted %1 samples in %2: BLEU-4 %3, ROUGE-L %4. Written to %5")
                    .arg(s.samples)
                    .arg(hms(s.runtime_s))
                    .arg(s.metrics.bleu4, 0, 'f', 2)
                    .arg(s.metrics.rougeL, 0, 'f', 2)
                    .arg(dir);
            case PredictSummary::Status::Aborted:
                return s.samples > 0 ? tr("Stopped after %1 of %2 samples; the predictions so far are in %3 (marked "
                                          "partial).")
                                           .arg(s.samples)
                                           .arg(s.total)
                                           .arg(file)
                                     : tr("Stopped before any sample was finished.");
            case PredictSummary::Status::Failed: break;
        }
        // A failure the engine gave as data (a dataset's file or record, a setting) in the studio's language.
        return tr("Prediction failed: %1")
            .arg(s.problem.id.empty() ? QString::fromStdString(s.message) : engine_message(s.problem));
    }, color);
    const RewardMeans rewards{s.reward, s.reward_b, s.win_rate};
    if (s.samples > 0)
        showMetrics(s.metrics, s.has_compare ? &s.metrics_b : nullptr, s.samples, s.samples_per_second,
                    s.has_judge ? &rewards : nullptr);
    if (!s.message.empty()) appendLog(QString::fromStdString(s.message));
    if (s.status == PredictSummary::Status::Completed) progress_->setValue(progress_->maximum());
    status_ = s.status == PredictSummary::Status::Completed ? Status::Done : Status::Stopped;
    statusLabel_->setText(status_ == Status::Done ? tr("Done") : tr("Stopped"));
    if (form_->outputIsDefault()) form_->refreshDefaultOutputDir();  // the next run gets a folder of its own
    updateButtons();
    scheduleCheck();
    emit runFinished(s);
}

void EvaluateTab::RewardTotals::add(const PredictRow& r) {
    if (!r.judged) return;
    ++count;
    a += r.reward;
    b += r.reward_b;
    wins += r.reward > r.reward_b ? 1.0 : r.reward == r.reward_b ? 0.5 : 0.0;
}

EvaluateTab::RewardMeans EvaluateTab::RewardTotals::mean() const {
    if (count == 0) return {};
    const double n = static_cast<double>(count);
    return {a / n, b / n, 100.0 * wins / n};
}

void EvaluateTab::clearMetrics(bool compare, bool judged) {
    metrics_->setColumnCount(compare ? 3 : 1);
    metrics_->setRowCount(metricRows(compare, judged));
    // Tall enough for every row: the table never scrolls.
    metrics_->setFixedHeight(metrics_->horizontalHeader()->sizeHint().height() +
                             metrics_->rowCount() * metrics_->verticalHeader()->defaultSectionSize() +
                             2 * metrics_->frameWidth() + 2);
    for (int r = 0; r < metrics_->rowCount(); ++r)
        for (int c = 0; c < metrics_->columnCount(); ++c) {
            auto* item = new QTableWidgetItem(QStringLiteral("—"));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            metrics_->setItem(r, c, item);
        }
}

void EvaluateTab::showMetrics(const SampleScores& a, const SampleScores* b, qint64 samples, double perSecond,
                              const RewardMeans* rewards) {
    if (metrics_->columnCount() != (b ? 3 : 1) || metrics_->rowCount() != metricRows(b != nullptr, rewards != nullptr) ||
        !metrics_->item(0, 0)) {
        clearMetrics(b != nullptr, rewards != nullptr);
        retranslate();
    }
    auto set = [&](int row, int col, const QString& text, const QString& color = QString()) {
        QTableWidgetItem* item = metrics_->item(row, col);
        item->setText(text);
        item->setForeground(color.isEmpty() ? QBrush() : QBrush(QColor(color)));
    };
    // A, B and A − B, the difference green where A is ahead.
    auto setRow = [&](int row, double va, const double* vb) {
        set(row, 0, QString::number(va, 'f', 2));
        if (!vb) return;
        const double delta = va - *vb;
        set(row, 1, QString::number(*vb, 'f', 2));
        set(row, 2, (delta > 0 ? "+" : "") + QString::number(delta, 'f', 2), delta > 0 ? kGreen : delta < 0 ? kRed : "");
    };
    const std::vector<double> va = scoreList(a);
    for (int r = 0; r < RowSamples; ++r) {
        const double vb = b ? scoreList(*b)[r] : 0;
        setRow(r, va[r], b ? &vb : nullptr);
    }
    set(RowSamples, 0, QString::number(samples));
    set(RowPerSecond, 0, perSecond >= 0 ? QString::number(perSecond, 'f', 2) : QStringLiteral("—"));
    if (b) {
        set(RowSamples, 1, QString::number(samples));
        set(RowPerSecond, 1, QString());  // one rate for the run: A and B answer each batch in turn
        set(RowSamples, 2, QString());
        set(RowPerSecond, 2, QString());
    }
    if (!rewards) return;
    setRow(RowReward, rewards->a, b ? &rewards->b : nullptr);
    if (b) {  // one share of the samples: it has no B and no difference
        set(RowWinRate, 0, QString::number(rewards->winRate, 'f', 2));
        set(RowWinRate, 1, QString());
        set(RowWinRate, 2, QString());
    }
}

void EvaluateTab::applyWorstFirst() {
    if (worstFirst_->isChecked()) view_->sortByColumn(table_->worstColumn(), Qt::AscendingOrder);
    else if (view_->horizontalHeader()->sortIndicatorSection() == table_->worstColumn())
        view_->sortByColumn(PredictionTable::Index, Qt::AscendingOrder);
}

void EvaluateTab::showDetail() {
    const QModelIndex current = view_->selectionModel() ? view_->selectionModel()->currentIndex() : QModelIndex();
    const QModelIndex source = sorted_->mapToSource(current);
    if (!source.isValid()) {
        detail_->clear();
        return;
    }
    const PredictRow& r = table_->row(source.row());
    auto block = [](const QString& title, const std::string& text, const QString& note = QString()) {
        return QStringLiteral("<p><b>%1</b>%2<br><span style='white-space:pre-wrap'>%3</span></p>")
            .arg(title.toHtmlEscaped(), note.isEmpty() ? QString() : " <i>" + note.toHtmlEscaped() + "</i>",
                 QString::fromStdString(text).toHtmlEscaped());
    };
    auto scores = [](const SampleScores& s) {
        return tr("BLEU-4 %1 · ROUGE-1 %2 · ROUGE-2 %3 · ROUGE-L %4 · exact match %5 · F1 %6")
            .arg(s.bleu4, 0, 'f', 1)
            .arg(s.rouge1, 0, 'f', 1)
            .arg(s.rouge2, 0, 'f', 1)
            .arg(s.rougeL, 0, 'f', 1)
            .arg(s.exact_match, 0, 'f', 1)
            .arg(s.f1, 0, 'f', 1);
    };
    auto finish = [](const std::string& f) { return f == "length" ? tr("(stopped at the token limit)") : QString(); };
    const bool ab = table_->hasCompare();
    const QString prompt = QString::fromStdString(r.prompt), question = last_message(prompt);
    QString html = QStringLiteral("<p style='color:#777'>%1</p>")
                       .arg(tr("Sample %1 · %2").arg(r.index + 1).arg(QString::fromStdString(r.source)).toHtmlEscaped());
    if (question != prompt) html += block(tr("Question"), question.toStdString());
    html += block(tr("Label"), r.label);
    html += block(ab ? tr("Prediction A") : tr("Prediction"), r.predict, finish(r.finish));
    html += QStringLiteral("<p style='color:#555'>%1</p>").arg(scores(r.scores).toHtmlEscaped());
    if (r.judged) html += QStringLiteral("<p style='color:#555'>%1</p>").arg(tr("Reward %1").arg(r.reward, 0, 'f', 3));
    if (ab) {
        html += block(tr("Prediction B"), r.predict_b, finish(r.finish_b));
        html += QStringLiteral("<p style='color:#555'>%1</p>").arg(scores(r.scores_b).toHtmlEscaped());
        if (r.judged)
            html += QStringLiteral("<p style='color:#555'>%1</p>").arg(tr("Reward %1").arg(r.reward_b, 0, 'f', 3));
    }
    html += block(tr("Prompt, as the model read it"), r.prompt);
    detail_->setHtml(html);
}

std::vector<const PredictRow*> EvaluateTab::rowsInViewOrder() const {
    std::vector<const PredictRow*> out;
    out.reserve(static_cast<size_t>(sorted_->rowCount()));
    for (int i = 0; i < sorted_->rowCount(); ++i) out.push_back(&table_->row(sorted_->mapToSource(sorted_->index(i, 0)).row()));
    return out;
}

bool EvaluateTab::exportCsv(const QString& path, QString* error) {
    try {
        const QByteArray csv = predictions_csv(rowsInViewOrder(), table_->hasCompare(), table_->hasJudge());
        write_file_atomic(path.toStdString(), csv.toStdString());
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
    appendLog(tr("exported %1 rows to %2").arg(table_->rowCount()).arg(path));
    return true;
}

bool EvaluateTab::exportJsonl(const QString& path, QString* error) {
    try {
        const QByteArray jsonl = predictions_jsonl(rowsInViewOrder(), table_->hasCompare(), table_->hasJudge());
        write_file_atomic(path.toStdString(), jsonl.toStdString());
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
    appendLog(tr("exported %1 rows to %2").arg(table_->rowCount()).arg(path));
    return true;
}

bool EvaluateTab::openResults(const QString& path, QString* error) {
    std::vector<PredictRow> rows;
    try {
        rows = read_predictions(path.toStdString());
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
    // predict_results.json beside it says how fast the run was, whether it was A/B and whether it was cut short.
    nlohmann::json results;
    const QString resultsPath = QFileInfo(path).dir().filePath("predict_results.json");
    try {
        if (QFileInfo::exists(resultsPath)) results = nlohmann::json::parse(read_file(resultsPath.toStdString()));
    } catch (const std::exception&) {  // the predictions themselves are what was asked for
    }
    auto number = [&](const char* key) {
        return results.is_object() && results.contains(key) && results[key].is_number() ? results[key].get<double>() : -1.0;
    };
    bool compare = number("predict_b_rouge-l") >= 0, judged = false;
    for (const PredictRow& r : rows) {
        compare |= !r.predict_b.empty();
        judged |= r.judged;
    }
    const bool partial = results.is_object() && results.value("partial", false);
    table_->reset(compare, judged);
    table_->append(rows);
    totalsA_ = MetricTotals();
    totalsB_ = MetricTotals();
    rewards_ = RewardTotals();
    for (const PredictRow& r : rows) {
        totalsA_.add(r.scores);
        totalsB_.add(r.scores_b);
        rewards_.add(r);
    }
    clearMetrics(compare, judged);
    retranslate();
    const SampleScores b = totalsB_.mean();
    const RewardMeans rewards = rewards_.mean();
    if (!rows.empty())
        showMetrics(totalsA_.mean(), compare ? &b : nullptr, static_cast<qint64>(rows.size()),
                    number("predict_samples_per_second"), judged ? &rewards : nullptr);
    progress_->setFormat(QString());
    progress_->setValue(0);
    status_ = Status::Other;
    statusLabel_->setText(tr("Showing %1").arg(path));
    const qsizetype count = static_cast<qsizetype>(rows.size());
    setNotice([partial, count, path] {
        return partial ? tr("Opened %1 predictions from %2 (a stopped run: partial).").arg(count).arg(path)
                       : tr("Opened %1 predictions from %2.").arg(count).arg(path);
    }, partial ? kAmber : kGreen);
    updateButtons();
    return true;
}

void EvaluateTab::setNotice(const std::function<QString()>& text, const QString& color) {
    noticeText_ = text;
    notice_->setText(text());
    notice_->setStyleSheet(QStringLiteral("QLabel { color:%1; border:1px solid %1; padding:4px; }").arg(color));
    notice_->setVisible(true);
}

void EvaluateTab::appendLog(const QString& text) {
    if (text.isEmpty()) return;
    appendLog([text] { return text; });
}

void EvaluateTab::appendLog(std::function<QString()> text) {
    log_.push_back({QTime::currentTime().toString("HH:mm:ss "), std::move(text)});
    while (log_.size() > kMaxLogLines) log_.removeFirst();
    showLog();
}

void EvaluateTab::showLog() {
    QStringList recent;  // the tooltip's history
    for (qsizetype i = std::max<qsizetype>(0, log_.size() - 30); i < log_.size(); ++i)
        recent << log_[i].time + log_[i].text();
    logLine_->setText(recent.isEmpty() ? QString() : recent.last().section('\n', 0, 0));
    logLine_->setToolTip(recent.join('\n'));
}

void EvaluateTab::previewCommand() {
    CommandPreview p;
    p.hint = lastConfigPath_.isEmpty()
             ? tr("Save these settings as predict.yaml (Save config…), then run:")
             : tr("The settings as saved in %1 (save again after changes), run with:").arg(lastConfigPath_);
    p.command = [this] { return commandLine(); };
    p.yaml = configYaml();
    p.save = [this] { saveConfigDialog(); };
    p.height = 480;
    showCommandPreview(this, p);
}

void EvaluateTab::saveConfigDialog() {
    saveConfigWithDialog(this, tr("Save prediction config"), lastConfigPath_, QStringLiteral("predict.yaml"),
                         [this](const QString& path, QString* error) { return saveConfigFile(path, error); });
}

void EvaluateTab::loadConfigDialog() {
    loadConfigWithDialog(this, tr("Load prediction config"), lastConfigPath_,
                         [this](const QString& path, QString* error) { return loadConfigFile(path, error); });
}

void EvaluateTab::openResultsDialog() {
    const QString out = form_->outputDirEdit()->text();
    const QString start = out.isEmpty() ? savesRoot_ : QFileInfo(out).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open predictions"), start,
                                                      tr("Predictions (generated_predictions.jsonl *.jsonl)"));
    if (path.isEmpty()) return;
    QString error;
    if (!openResults(path, &error)) QMessageBox::warning(this, tr("Open results"), error);
}

void EvaluateTab::exportCsvDialog() {
    const QString start = QDir(form_->outputDirEdit()->text()).absoluteFilePath("predictions.csv");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export predictions as CSV"), start, tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    QString error;
    if (!exportCsv(path, &error)) QMessageBox::warning(this, tr("Export CSV"), error);
}

void EvaluateTab::exportJsonlDialog() {
    const QString start = QDir(form_->outputDirEdit()->text()).absoluteFilePath("predictions.jsonl");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export predictions as JSON Lines"), start,
                                                      tr("JSON Lines files (*.jsonl)"));
    if (path.isEmpty()) return;
    QString error;
    if (!exportJsonl(path, &error)) QMessageBox::warning(this, tr("Export JSONL"), error);
}

}  // namespace ui
}  // namespace lathe
