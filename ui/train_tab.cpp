#include "ui/train_tab.h"

#include "ui/command_preview.h"

#include "core/model/model_info.h"
#include "core/train/memory_estimate.h"
#include "core/train/precision.h"
#include "core/train/run_dir.h"
#include "core/train/session.h"
#include "core/train/train_config.h"
#include "core/util/error.h"
#include "ui/dataset_preview_dialog.h"
#include "ui/engine_messages.h"
#include "ui/model_bar.h"
#include "ui/run_curve.h"
#include "ui/studio_paths.h"
#include "ui/train_form.h"
#include "ui/status_colors.h"
#include "widgets/icons.h"
#include "widgets/loss_plot.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QShortcut>
#include <QSplitter>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace lathe {
namespace ui {

namespace {

QString hms(double seconds) { return QString::fromStdString(format_hms(seconds)); }

}  // namespace

TrainTab::TrainTab(ModelBar* modelBar, TrainController* controller, QWidget* parent)
    : QWidget(parent), bar_(modelBar), controller_(controller) {
    savesRoot_ = saves_root();
    // Left: the starter box and the form.
    starterBox_ = new QFrame(this);
    starterBox_->setFrameShape(QFrame::StyledPanel);
    starterBox_->setStyleSheet("QFrame { background:#eef6ee; }");
    starterText_ = new QLabel(starterBox_);
    starterText_->setWordWrap(true);
    starterNameLabel_ = new QLabel(starterBox_);
    starterName_ = new QLineEdit(starterBox_);
    starterName_->setObjectName("starterName");
    auto* sl = new QVBoxLayout(starterBox_);
    sl->addWidget(starterText_);
    auto* nameRow = new QHBoxLayout;
    nameRow->addWidget(starterNameLabel_);
    nameRow->addWidget(starterName_, 1);
    sl->addLayout(nameRow);

    form_ = new TrainForm(this);
    form_->setAvailableStages(trainable_stages());
    formScroll_ = new QScrollArea(this);
    formScroll_->setWidgetResizable(true);
    formScroll_->setWidget(form_);
    formScroll_->setFrameShape(QFrame::NoFrame);
    auto* left = new QWidget(this);
    auto* ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addWidget(starterBox_);
    ll->addWidget(formScroll_, 1);

    // Right: actions, problems, progress, plot and log.
    startButton_ = new QPushButton(widgets::icon(widgets::IconKind::Start), QString(), this);
    startButton_->setObjectName("start");
    abortButton_ = new QPushButton(widgets::icon(widgets::IconKind::Stop), QString(), this);
    abortButton_->setObjectName("abort");
    commandButton_ = new QPushButton(widgets::icon(widgets::IconKind::Preview), QString(), this);
    saveButton_ = new QPushButton(widgets::icon(widgets::IconKind::Save), QString(), this);
    loadButton_ = new QPushButton(widgets::icon(widgets::IconKind::Open), QString(), this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(startButton_);
    buttons->addWidget(abortButton_);
    buttons->addStretch(1);
    buttons->addWidget(commandButton_);
    buttons->addWidget(saveButton_);
    buttons->addWidget(loadButton_);
    generalProblems_ = make_problem_label(this, "generalProblems");
    fieldProblems_ = make_problem_label(this, "fieldProblems");
    fieldProblems_->setTextFormat(Qt::RichText);
    fieldProblems_->setTextInteractionFlags(Qt::TextBrowserInteraction);  // the links
    connect(fieldProblems_, &QLabel::linkActivated, this, &TrainTab::revealField);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(QString());  // "0 / 1" before any run would be noise
    statusLabel_ = new QLabel(this);
    statusLabel_->setObjectName("runStatus");
    notice_ = new QLabel(this);
    notice_->setWordWrap(true);
    notice_->setVisible(false);
    notice_->setObjectName("notice");
    notice_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    compareButton_ = new QToolButton(this);
    compareButton_->setIcon(widgets::icon(widgets::IconKind::Compare));
    compareButton_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    compareButton_->setPopupMode(QToolButton::InstantPopup);
    compareButton_->setMenu(new QMenu(compareButton_));
    connect(compareButton_->menu(), &QMenu::aboutToShow, this, &TrainTab::fillCompareMenu);
    plot_ = new widgets::LossPlot(this);
    log_ = new RunLog(true, this);
    log_->setMaximumBlockCount(5000);
    log_->setObjectName("log");

    auto* plotBox = new QWidget(this);
    auto* pl = new QVBoxLayout(plotBox);
    pl->setContentsMargins(0, 0, 0, 0);
    auto* compareRow = new QHBoxLayout;
    compareRow->addStretch(1);
    compareRow->addWidget(compareButton_);
    pl->addLayout(compareRow);
    pl->addWidget(plot_, 1);
    auto* runSplit = new QSplitter(Qt::Vertical, this);
    runSplit->addWidget(plotBox);
    runSplit->addWidget(log_);
    runSplit->setStretchFactor(0, 3);
    runSplit->setStretchFactor(1, 1);
    auto* right = new QWidget(this);
    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addLayout(buttons);
    rl->addWidget(generalProblems_);
    rl->addWidget(fieldProblems_);
    rl->addWidget(progress_);
    rl->addWidget(statusLabel_);
    rl->addWidget(notice_);
    rl->addWidget(runSplit, 1);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({520, 760});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    validateTimer_ = new QTimer(this);
    validateTimer_->setSingleShot(true);
    validateTimer_->setInterval(250);
    connect(validateTimer_, &QTimer::timeout, this, &TrainTab::validateAsync);

    connect(startButton_, &QPushButton::clicked, this, &TrainTab::start);
    connect(abortButton_, &QPushButton::clicked, this, &TrainTab::abort);
    connect(commandButton_, &QPushButton::clicked, this, &TrainTab::previewCommand);
    connect(saveButton_, &QPushButton::clicked, this, &TrainTab::saveConfigDialog);
    connect(loadButton_, &QPushButton::clicked, this, &TrainTab::loadConfigDialog);
    connect(form_, &TrainForm::previewRequested, this, &TrainTab::previewDataset);
    connect(form_, &TrainForm::changed, this, [this](const QString& key) {
        if (key == "output_dir" && !settingOutput_) outputAuto_ = false;
        if (key == "identity_name" || key.isEmpty()) {
            const QString name = form_->value("identity_name");
            if (starterName_->text() != name) starterName_->setText(name);
        }
        if (key == "stage" || key.isEmpty()) updateContext();
        if (key == "bf16" || key == "pure_bf16" || key == "device" || key.isEmpty()) updatePrecision();
        updateMemory();
        scheduleValidation();
    });
    connect(starterName_, &QLineEdit::textEdited, this, [this](const QString& name) {
        form_->setValue("identity_name", name);
    });
    connect(bar_, &ModelBar::modelChanged, this, [this] {
        if (bar_->isNewModel() && bar_->method() == "lora" && bar_->quantizationBit() == 0) bar_->setMethod("full", 0);
        updateContext();
        if (outputAuto_) refreshDefaultOutputDir(true);
        scheduleValidation();
    });
    connect(bar_, &ModelBar::methodChanged, this, [this] {
        updatePrecision();
        updateMemory();
        updateContext();
        if (outputAuto_) refreshDefaultOutputDir(true);
        scheduleValidation();
    });
    connect(bar_, &ModelBar::templateChanged, this, &TrainTab::scheduleValidation);
    connect(bar_, &ModelBar::checkpointChanged, this, &TrainTab::onCheckpointChanged);

    connect(controller_, &TrainController::message, this, [this](const QString& level, const lathe::Problem& line) {
        appendLog([level, line] { return log_line(level, line); });
    });
    connect(controller_, &TrainController::progress, this, [this](qint64 step, qint64 total, double el, double rem) {
        progress_->setFormat("%v / %m");
        progress_->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
        progress_->setValue(static_cast<int>(step));
        statusLabel_->setText(tr("Step %1 of %2 · elapsed %3 · remaining %4 · loss %5")
                                  .arg(step)
                                  .arg(total)
                                  .arg(hms(el), hms(rem))
                                  .arg(lastLoss_, 0, 'f', 4));
    });
    connect(controller_, &TrainController::logPoints, this, [this](const QVector<LogPoint>& points) {
        for (const auto& p : points) {
            plot_->addLoss(p.step, p.loss, p.lr);
            lastLoss_ = p.loss;
        }
        appendLog([points] {
            QStringList lines;
            for (const auto& p : points)
                lines << tr("step %1: loss %2, lr %3, grad norm %4, %5 tokens/s")
                             .arg(p.step)
                             .arg(p.loss, 0, 'f', 4)
                             .arg(p.lr, 0, 'g', 3)
                             .arg(p.gradNorm, 0, 'f', 3)
                             .arg(p.tokensPerSecond, 0, 'f', 0);
            return lines.join('\n');
        });
    });
    connect(controller_, &TrainController::evalPoint, this, [this](qint64 step, double loss) {
        plot_->addEval(step, loss);
        appendLog([step, loss] { return tr("step %1: eval loss %2").arg(step).arg(loss, 0, 'f', 4); });
    });
    connect(controller_, &TrainController::checkpointSaved, this, [this](const QString& dir, qint64) {
        appendLog([dir] { return tr("saved %1").arg(dir); });
    });
    connect(controller_, &TrainController::finished, this, &TrainTab::onFinished);

    auto* startKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this, this, &TrainTab::start);
    startKey->setContext(Qt::WidgetWithChildrenShortcut);
    auto* startKey2 = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Enter), this, this, &TrainTab::start);
    startKey2->setContext(Qt::WidgetWithChildrenShortcut);
    auto* abortKey = new QShortcut(QKeySequence(Qt::Key_Escape), this, this, &TrainTab::abort);
    abortKey->setContext(Qt::WidgetWithChildrenShortcut);

    retranslate();
    updateContext();
    updatePrecision();
    updateMemory();
    updateButtons();
}

void TrainTab::retranslate() {
    starterText_->setText(tr("<b>Starter</b> — no model yet? Lathe creates a tiny model from scratch, trains its "
                             "tokenizer on the bundled corpus and teaches it its name with the bundled identity set. "
                             "Press <b>Start</b> (a few minutes on two CPU cores), then ask it in <b>Chat</b>: "
                             "“who are you?”"));
    starterNameLabel_->setText(tr("Assistant name"));
    starterName_->setToolTip(tr("The name the new model will answer with"));
    startButton_->setText(tr("Start"));
    startButton_->setToolTip(tr("Start training (Ctrl+Return)"));
    abortButton_->setText(tr("Abort"));
    abortButton_->setToolTip(tr("Stop after the current optimizer step and keep a checkpoint (Esc)"));
    commandButton_->setText(tr("Preview command"));
    commandButton_->setToolTip(tr("Show the lathe-cli command and YAML that run the same training"));
    saveButton_->setText(tr("Save config…"));
    saveButton_->setToolTip(tr("Save these settings as a YAML file that lathe-cli train reads"));
    loadButton_->setText(tr("Load config…"));
    loadButton_->setToolTip(tr("Load settings from a YAML file (LLaMA-Factory keys)"));
    compareButton_->setText(tr("Compare runs"));
    compareButton_->setToolTip(tr("Overlay the loss curves of other runs"));
    if (!controller_->isRunning() && progress_->value() == 0) statusLabel_->setText(tr("Ready"));
    if (!problems_.isEmpty() || checked_) showProblems(problems_, {});
}

void TrainTab::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) {
        retranslate();
        if (notice_->isVisibleTo(this) && noticeText_) notice_->setText(noticeText_());  // the log words itself
        updateMemory();  // the model bar's estimate is this tab's text
        if (checked_ && !controller_->isRunning()) validateNow();  // the engine's messages, in the new language
    }
    QWidget::changeEvent(e);
}

TrainConfig TrainTab::currentConfig(QMap<QString, QString>* parseErrors) const {
    TrainConfig c;
    form_->applyTo(c, parseErrors);
    bar_->applyTo(c);
    return c;
}

void TrainTab::loadConfig(const TrainConfig& config) {
    outputAuto_ = false;
    bar_->setFrom(config);
    form_->setFrom(config);
    outputAuto_ = config.output_dir.empty();
    if (outputAuto_) refreshDefaultOutputDir(true);
    updateContext();
    scheduleValidation();
}

bool TrainTab::loadConfigFile(const QString& path, QString* error) {
    try {
        loadConfig(TrainConfig::from_yaml_file(path.toStdString()));
        lastConfigPath_ = QFileInfo(path).absoluteFilePath();
        return true;
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
}

bool TrainTab::saveConfigFile(const QString& path, QString* error) {
    QSaveFile f(path);
    const std::string yaml = currentConfig().to_yaml();
    if (!f.open(QIODevice::WriteOnly) || f.write(yaml.data(), static_cast<qint64>(yaml.size())) < 0 || !f.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    lastConfigPath_ = QFileInfo(path).absoluteFilePath();
    return true;
}

void TrainTab::loadStarter(const QString& name) {
    const QString who = name.isEmpty() ? QStringLiteral("Lathe") : name;
    outputAuto_ = false;
    bar_->setNewModel("tiny");
    bar_->setMethod("full", 0);
    bar_->setTemplateName(QString());
    bar_->setCheckpoint(QString());
    form_->setFrom(starter_config(who, QString()));
    outputAuto_ = true;
    refreshDefaultOutputDir(true);
    updateContext();
    scheduleValidation();
}

void TrainTab::setSavesRoot(const QString& root) {
    savesRoot_ = root;
    if (outputAuto_) refreshDefaultOutputDir(true);
}

void TrainTab::refreshDefaultOutputDir(bool) {
    settingOutput_ = true;
    form_->setValue("output_dir", QString::fromStdString(default_output_dir(
                                      bar_->modelLabel().toStdString(), bar_->method().toStdString() +
                                                                            (bar_->quantizationBit() ? "-q" + std::to_string(bar_->quantizationBit()) : ""),
                                      savesRoot_.toStdString())));
    settingOutput_ = false;
}

void TrainTab::updateContext() {
    form_->setContext(bar_->method(), bar_->quantizationBit(), bar_->isNewModel());
    starterBox_->setVisible(bar_->isNewModel());
}

void TrainTab::updatePrecision() {
    const TrainConfig c = currentConfig();
    try {
        const Precision p = decide_precision(c);
        bar_->setPrecision(QString::fromStdString(p.name()),
                           engine_message(p.reason) + "\n" + engine_message(precision_details(p, c.method(), c.quantization_bit)),
                           p.warning.message.empty() ? QString() : engine_message(p.warning));
    } catch (const std::exception& e) {  // a device that is not here: the check next to the field says so
        bar_->setPrecision(QStringLiteral("?"), QString::fromStdString(e.what()));
    }
}

void TrainTab::updateMemory() {
    try {
        const RunMemory m = estimate_run_memory(currentConfig());
        const QString peak = QString::fromStdString(format_bytes(m.estimate.peak()));
        QString tip = tr("Estimated peak memory of training with these settings (stage, method, precision, cutoff, "
                         "batch, gradient checkpointing):\n%1")
                          .arg(engine_message(memory_estimate_note(m.estimate)));
        if (m.available) tip += "\n" + tr("Available now: %1").arg(QString::fromStdString(format_bytes(m.available)));
        if (!m.warning.message.empty()) tip += "\n\n" + engine_message(m.warning);
        const int processes = m.inputs.processes;
        bar_->setMemoryEstimate(processes > 1 ? tr("Training ≈ %1 x %2 processes").arg(peak).arg(processes)
                                              : tr("Training ≈ %1").arg(peak),
                                tip, !m.warning.message.empty());
    } catch (const std::exception&) {  // no readable model yet: the model bar says why
        bar_->setMemoryEstimate(QString(), QString(), false);
    }
}

void TrainTab::scheduleValidation() {
    checked_ = false;
    updateButtons();
    validateTimer_->start();
}

void TrainTab::validateAsync() {
    if (controller_->isRunning()) return;
    QMap<QString, QString> parseErrors;
    const TrainConfig c = currentConfig(&parseErrors);
    const int generation = ++validateGeneration_;
    auto* watcher = new QFutureWatcher<QList<Problem>>(this);
    connect(watcher, &QFutureWatcher<QList<Problem>>::finished, this, [this, watcher, generation, parseErrors] {
        watcher->deleteLater();
        if (generation != validateGeneration_ || validateTimer_->isActive()) return;
        showProblems(watcher->result(), parseErrors);
    });
    watcher->setFuture(QtConcurrent::run([c] { return find_problems(c); }));
}

QList<Problem> TrainTab::validateNow() {
    validateTimer_->stop();
    ++validateGeneration_;  // results of checks still running are stale now
    QMap<QString, QString> parseErrors;
    const TrainConfig c = currentConfig(&parseErrors);
    showProblems(find_problems(c), parseErrors);
    return problems_;
}

void TrainTab::showProblems(const QList<Problem>& found, const QMap<QString, QString>& parseErrors) {
    QList<Problem> all;
    for (auto it = parseErrors.begin(); it != parseErrors.end(); ++it) all.push_back({it.key(), it.value()});
    for (const auto& p : found)
        if (!parseErrors.contains(p.first)) all.push_back(p);
    if (!form_->datasetProblem().isEmpty()) {
        bool have = false;
        for (const auto& p : all) have |= p.first == "dataset_dir";
        if (!have) all.push_back({"dataset_dir", form_->datasetProblem()});
    }
    problems_ = all;
    checked_ = true;
    QMap<QString, QString> fieldErrors;
    QStringList barErrors, general, links;
    for (const auto& [key, msg] : all) {
        if (form_->hasField(key) && form_->isFieldShown(key)) {
            if (fieldErrors[key].isEmpty())
                links << QStringLiteral("<a href=\"%1\">%2</a>")
                             .arg(key.toHtmlEscaped(), form_->fieldLabel(key).toHtmlEscaped());
            fieldErrors[key] += (fieldErrors[key].isEmpty() ? "" : "\n") + msg;
        } else if (form_->hasField(key)) {
            general << msg;  // its group is hidden for this method or stage: say it where it is seen
        } else if (!key.isEmpty() && key != "do_train") {
            barErrors << msg;
        } else {
            general << msg;
        }
    }
    form_->setErrors(fieldErrors);
    bar_->setErrors(barErrors);
    generalProblems_->setText(general.join('\n'));
    generalProblems_->setVisible(!general.isEmpty());
    // The form may be scrolled far from the fields that hold Start back: name them, as links to them.
    const QString waits = tr("Start waits for the settings marked in red: %1");
    fieldProblems_->setText(links.isEmpty() ? QString() : waits.arg(links.join(", ")));
    fieldProblems_->setVisible(!links.isEmpty());
    updateButtons();
}

void TrainTab::revealField(const QString& key) {
    QWidget* editor = form_->editor(key);
    if (!editor) return;
    formScroll_->ensureWidgetVisible(editor, 40, 60);
    editor->setFocus(Qt::OtherFocusReason);
}

QString TrainTab::generalProblemsText() const {
    return generalProblems_->isVisibleTo(this) ? generalProblems_->text() : QString();
}

void TrainTab::updateButtons() {
    const bool running = controller_->isRunning();
    startButton_->setEnabled(!running && (!checked_ || problems_.isEmpty()));
    abortButton_->setEnabled(running && !controller_->abortRequested());
    formScroll_->setEnabled(!running);
    starterBox_->setEnabled(!running);
    loadButton_->setEnabled(!running);
}

void TrainTab::start() {
    if (controller_->isRunning()) return;
    if (outputAuto_) refreshDefaultOutputDir(true);
    if (!validateNow().isEmpty()) {
        setNotice([] { return tr("Fix the problems marked in red before starting."); }, kRed);
        return;
    }
    const TrainConfig c = currentConfig();
    // A run estimated not to fit: say so and what to change; a second Start with the same settings runs it.
    TrainConfig settings = c;
    settings.output_dir.clear();  // a fresh default output folder per Start is the same run
    const QString yaml = QString::fromStdString(settings.to_yaml());
    if (memoryWarnedFor_ != yaml) {
        lathe::Problem warning;
        try {
            warning = estimate_run_memory(c).warning;
        } catch (const std::exception&) {
        }
        if (!warning.message.empty()) {
            memoryWarnedFor_ = yaml;
            setNotice([warning] { return tr("Memory: %1. Press Start again to run anyway.").arg(engine_message(warning)); },
                      kRed);
            return;
        }
    }
    memoryWarnedFor_.clear();
    liveRunTitle_ = run_label(QString::fromStdString(c.output_dir), false);
    plot_->clearMain(liveRunTitle_);
    log_->clearLines();
    progress_->setRange(0, 1);
    progress_->setValue(0);
    lastLoss_ = 0;
    notice_->setVisible(false);
    statusLabel_->setText(tr("Preparing: reading datasets and the model…"));
    appendLog([dir = QString::fromStdString(c.output_dir)] { return tr("output folder: %1").arg(dir); });
    controller_->start(c);
    updateButtons();
}

void TrainTab::abort() {
    if (!controller_->isRunning()) return;
    controller_->abort();
    statusLabel_->setText(tr("Stopping after the current step…"));
    updateButtons();
}

void TrainTab::onFinished(const RunResult& r) {
    const QString where = r.outputDir;
    // The failure in the language of the moment: the engine's problem as data, else its English text.
    auto failure = [r] { return r.problem.id.empty() ? r.message : engine_message(r.problem); };
    switch (r.status) {
        case RunResult::Completed:
            setNotice([r, where] {
                return tr("Training finished: %1 steps in %2, mean loss %3. Output: %4")
                    .arg(r.steps)
                    .arg(hms(r.runtimeSeconds))
                    .arg(r.trainLoss, 0, 'f', 4)
                    .arg(where);
            }, kGreen);
            break;
        case RunResult::Cancelled:
            setNotice([r] {
                return tr("Training stopped at step %1 of %2. %3")
                    .arg(r.steps)
                    .arg(r.totalSteps)
                    .arg(r.lastCheckpoint.isEmpty()
                             ? tr("No checkpoint was written (no step had finished).")
                             : tr("Checkpoint kept: %1 — set “Resume from checkpoint” to auto to continue.")
                                   .arg(r.lastCheckpoint));
            }, kAmber);
            break;
        case RunResult::Failed: setNotice([failure] { return tr("Training failed: %1").arg(failure()); }, kRed); break;
    }
    if (r.message.isEmpty()) appendLog([] { return tr("finished"); });
    else appendLog(failure);
    statusLabel_->setText(r.status == RunResult::Completed ? tr("Done") : tr("Stopped"));
    updateButtons();
    if (r.status == RunResult::Completed) {
        progress_->setValue(progress_->maximum());
        if (bar_->isNewModel()) {
            // The new model exists now: it becomes the model, so Chat and further training use it.
            bar_->setModelPath(where);
            bar_->setMethod("lora", 0);
            appendLog([where] { return tr("The new model is in %1; it is now the model in the model bar.").arg(where); });
        } else {
            bar_->refreshRuns();
            bar_->setCheckpoint(QDir(where).absolutePath());
        }
    } else {
        bar_->refreshRuns();
    }
    if (outputAuto_) refreshDefaultOutputDir(true);
    scheduleValidation();
    emit runFinished(r);
}

void TrainTab::setNotice(const QString& text, const QString& color) {
    setNotice([text] { return text; }, color);
}

void TrainTab::setNotice(std::function<QString()> text, const QString& color) {
    noticeText_ = std::move(text);
    notice_->setText(noticeText_());
    notice_->setStyleSheet(QStringLiteral("QLabel { color:%1; border:1px solid %1; padding:4px; }").arg(color));
    notice_->setVisible(true);
}

QString TrainTab::noticeText() const { return notice_->isVisibleTo(this) ? notice_->text() : QString(); }

void TrainTab::appendLog(const QString& text) {
    if (text.isEmpty()) return;
    appendLog([text] { return text; });
}

void TrainTab::appendLog(std::function<QString()> text) { log_->appendLine(std::move(text)); }

void TrainTab::onCheckpointChanged(const QString& dir) {
    if (controller_->isRunning() || dir.isEmpty()) return;
    showRun(dir);
}

bool TrainTab::showRun(const QString& dir) {
    widgets::CurveData data;
    QString error;
    if (!read_run_curve(dir, &data, &error)) return false;
    plot_->setMainCurve(run_label(dir, false), data);
    const int steps = static_cast<int>(data.steps.size());
    statusLabel_->setText(steps == 1 ? tr("Showing %1 (1 logged step)").arg(run_dir_of(dir))
                                     : tr("Showing %1 (%2 logged steps)").arg(run_dir_of(dir)).arg(steps));
    return true;
}

bool TrainTab::overlayRun(const QString& dir) {
    widgets::CurveData data;
    QString error;
    if (!read_run_curve(dir, &data, &error)) {
        QMessageBox::warning(this, tr("Compare runs"), error);
        return false;
    }
    plot_->setOverlay(run_dir_of(dir), run_label(dir, false), data);
    return true;
}

void TrainTab::fillCompareMenu() {
    QMenu* menu = compareButton_->menu();
    menu->clear();
    const QStringList overlaid = plot_->overlayKeys();
    for (const QString& dir : bar_->runDirs()) {
        if (!QFileInfo::exists(dir + "/trainer_log.jsonl")) continue;
        QAction* a = menu->addAction(run_label(dir, false));
        a->setCheckable(true);
        a->setChecked(overlaid.contains(dir));
        connect(a, &QAction::toggled, this, [this, dir](bool on) {
            if (on) overlayRun(dir);
            else plot_->removeOverlay(dir);
        });
    }
    if (!menu->isEmpty()) menu->addSeparator();
    menu->addAction(tr("Other run folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a run folder"), savesRoot_);
        if (!dir.isEmpty()) overlayRun(dir);
    });
    menu->addAction(tr("Clear comparison"), plot_, &widgets::LossPlot::clearOverlays);
}

QString TrainTab::commandLine() const {
    return cliCommandLine("train", lastConfigPath_, "train.yaml");
}

void TrainTab::previewCommand() {
    CommandPreview p;
    p.hint = lastConfigPath_.isEmpty()
             ? tr("Save these settings as train.yaml (Save config…), then run:")
             : tr("The settings as saved in %1 (save again after changes), run with:").arg(lastConfigPath_);
    p.command = [this] { return commandLine(); };
    p.yaml = QString::fromStdString(currentConfig().to_yaml());
    p.save = [this] { saveConfigDialog(); };
    p.height = 560;
    showCommandPreview(this, p);
}

void TrainTab::previewDataset() {
    QMap<QString, QString> parseErrors;
    DatasetPreviewDialog dlg(currentConfig(&parseErrors), this);
    dlg.exec();
}

void TrainTab::saveConfigDialog() {
    saveConfigWithDialog(this, tr("Save training config"), lastConfigPath_, QStringLiteral("train.yaml"),
                         [this](const QString& path, QString* error) { return saveConfigFile(path, error); });
}

void TrainTab::loadConfigDialog() {
    loadConfigWithDialog(this, tr("Load training config"), lastConfigPath_,
                         [this](const QString& path, QString* error) { return loadConfigFile(path, error); });
}

}  // namespace ui
}  // namespace lathe
