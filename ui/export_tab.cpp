#include "ui/export_tab.h"

#include "ui/command_preview.h"

#include "core/export/export_config.h"
#include "ui/export_form.h"
#include "ui/model_bar.h"
#include "ui/studio_paths.h"
#include "ui/status_colors.h"
#include "widgets/icons.h"

#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSplitter>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace lathe {
namespace ui {

namespace {

QString sizeText(qint64 bytes) { return QLocale::c().formattedDataSize(bytes, bytes < 1000000 ? 0 : 1, QLocale::DataSizeSIFormat); }

QTreeWidget* fileTable(QWidget* parent, const char* name) {
    auto* t = new QTreeWidget(parent);
    t->setObjectName(name);
    t->setColumnCount(2);
    t->setRootIsDecorated(false);
    t->setUniformRowHeights(true);
    t->setSelectionMode(QAbstractItemView::NoSelection);
    t->header()->setStretchLastSection(false);
    t->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    t->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    return t;
}

void fillFiles(QTreeWidget* table, const QVector<ExportedFile>& files) {
    table->clear();
    for (const ExportedFile& f : files) {
        auto* item = new QTreeWidgetItem(table, {f.name, sizeText(f.bytes)});
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    }
}

QStringList names(const QTreeWidget* table) {
    QStringList out;
    for (int i = 0; i < table->topLevelItemCount(); ++i) out << table->topLevelItem(i)->text(0);
    return out;
}

}  // namespace

ExportTab::ExportTab(ModelBar* modelBar, ExportController* controller, QWidget* parent)
    : QWidget(parent), bar_(modelBar), controller_(controller) {
    // Left: the form and what it will write.
    form_ = new ExportForm(bar_, this);
    form_->setSavesRoot(saves_root());
    auto* estimateBox = new QGroupBox(this);
    estimateBox->setObjectName("estimateBox");
    estimateLabel_ = new QLabel(estimateBox);
    estimateLabel_->setWordWrap(true);
    estimateLabel_->setObjectName("estimate");
    estimateLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    warningsLabel_ = new QLabel(estimateBox);
    warningsLabel_->setWordWrap(true);
    warningsLabel_->setStyleSheet(QStringLiteral("color:%1;").arg(kAmber));
    warningsLabel_->setVisible(false);
    warningsLabel_->setObjectName("estimateWarnings");
    estimateTable_ = fileTable(estimateBox, "estimateFiles");
    estimateTable_->setMinimumHeight(120);
    estimateTable_->setMaximumHeight(260);  // a dozen files; shards beyond scroll
    auto* el = new QVBoxLayout(estimateBox);
    el->addWidget(estimateLabel_);
    el->addWidget(warningsLabel_);
    el->addWidget(estimateTable_, 1);
    auto* leftBody = new QWidget(this);
    auto* lb = new QVBoxLayout(leftBody);
    lb->setContentsMargins(4, 4, 4, 4);
    lb->addWidget(form_);
    lb->addWidget(estimateBox);
    lb->addStretch(1);
    formScroll_ = new QScrollArea(this);
    formScroll_->setWidgetResizable(true);
    formScroll_->setWidget(leftBody);
    formScroll_->setFrameShape(QFrame::NoFrame);

    // Right: actions, problems, progress, the summary and the log.
    exportButton_ = new QPushButton(widgets::icon(widgets::IconKind::Export), QString(), this);
    exportButton_->setObjectName("export");
    cancelButton_ = new QPushButton(widgets::icon(widgets::IconKind::Stop), QString(), this);
    cancelButton_->setObjectName("cancel");
    commandButton_ = new QPushButton(widgets::icon(widgets::IconKind::Preview), QString(), this);
    saveButton_ = new QPushButton(widgets::icon(widgets::IconKind::Save), QString(), this);
    loadButton_ = new QPushButton(widgets::icon(widgets::IconKind::Open), QString(), this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(exportButton_);
    buttons->addWidget(cancelButton_);
    buttons->addStretch(1);
    buttons->addWidget(commandButton_);
    buttons->addWidget(saveButton_);
    buttons->addWidget(loadButton_);
    generalProblems_ = make_problem_label(this, "generalProblems");
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setFormat(QString());
    statusLabel_ = new QLabel(this);
    statusLabel_->setObjectName("status");
    // Long engine messages (paths) are cut rather than widening the window.
    statusLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    notice_ = new QLabel(this);
    notice_->setWordWrap(true);
    notice_->setVisible(false);
    notice_->setObjectName("notice");
    notice_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summaryTitle_ = new QLabel(this);
    summaryTitle_->setVisible(false);
    summaryTable_ = fileTable(this, "summaryFiles");
    summaryTable_->setVisible(false);
    log_ = new RunLog(true, this);
    log_->setMaximumBlockCount(5000);
    log_->setObjectName("log");
    auto* right = new QWidget(this);
    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addLayout(buttons);
    rl->addWidget(generalProblems_);
    rl->addWidget(progress_);
    rl->addWidget(statusLabel_);
    rl->addWidget(notice_);
    rl->addWidget(summaryTitle_);
    rl->addWidget(summaryTable_, 1);
    rl->addWidget(log_, 2);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(formScroll_);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({600, 680});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);
    estimateBox_ = estimateBox;

    checkTimer_ = new QTimer(this);
    checkTimer_->setSingleShot(true);
    checkTimer_->setInterval(250);
    connect(checkTimer_, &QTimer::timeout, this, &ExportTab::checkAsync);
    connect(form_, &ExportForm::changed, this, &ExportTab::scheduleCheck);
    connect(exportButton_, &QPushButton::clicked, this, &ExportTab::startExport);
    connect(cancelButton_, &QPushButton::clicked, this, &ExportTab::cancel);
    connect(commandButton_, &QPushButton::clicked, this, &ExportTab::previewCommand);
    connect(saveButton_, &QPushButton::clicked, this, &ExportTab::saveConfigDialog);
    connect(loadButton_, &QPushButton::clicked, this, &ExportTab::loadConfigDialog);
    connect(controller_, &ExportController::progress, this, [this](double fraction, const lathe::Problem& step) {
        progress_->setFormat("%p%");
        progress_->setValue(static_cast<int>(fraction * 1000));
        lastStep_ = step;
        statusLabel_->setText(engine_message(step));
        appendLog([percent = static_cast<int>(fraction * 100), step] {
            return QStringLiteral("%1% %2").arg(percent).arg(engine_message(step));
        });
    });
    connect(controller_, &ExportController::message, this, [this](const QString& level, const lathe::Problem& line) {
        appendLog([level, line] { return log_line(level, line); });
    });
    connect(controller_, &ExportController::started, this, &ExportTab::updateButtons);
    connect(controller_, &ExportController::finished, this, &ExportTab::onFinished);

    retranslate();
    updateButtons();
    scheduleCheck();
}

void ExportTab::retranslate() {
    estimateBox_->setTitle(tr("Before exporting"));
    estimateTable_->setHeaderLabels({tr("File"), tr("Estimated size")});
    summaryTable_->setHeaderLabels({tr("File"), tr("Size")});
    summaryTitle_->setText(tr("Written:"));
    exportButton_->setText(tr("Export"));
    exportButton_->setToolTip(tr("Merge the adapters into the model and write the export"));
    cancelButton_->setText(tr("Cancel"));
    cancelButton_->setToolTip(tr("Stop the export; nothing is written to the target folder"));
    commandButton_->setText(tr("Preview command"));
    commandButton_->setToolTip(tr("Show the lathe-cli command and YAML that run the same export"));
    saveButton_->setText(tr("Save config…"));
    saveButton_->setToolTip(tr("Save these settings as a YAML file that lathe-cli export reads"));
    loadButton_->setText(tr("Load config…"));
    loadButton_->setToolTip(tr("Load export settings from a YAML file (LLaMA-Factory keys)"));
    if (!controller_->isRunning() && progress_->value() == 0) statusLabel_->setText(tr("Ready"));
    showCheck(check_);
    if (haveResult_) showResult(lastResult_);
    if (controller_->isRunning() && !lastStep_.id.empty()) statusLabel_->setText(engine_message(lastStep_));
}

void ExportTab::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

ExportConfig ExportTab::currentConfig() const { return form_->config(); }

void ExportTab::loadConfig(const ExportConfig& config) { form_->setConfig(config); }

bool ExportTab::loadConfigFile(const QString& path, QString* error) {
    try {
        loadConfig(ExportConfig::from_yaml_file(path.toStdString()));
        lastConfigPath_ = QFileInfo(path).absoluteFilePath();
        return true;
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
}

bool ExportTab::saveConfigFile(const QString& path, QString* error) {
    QSaveFile f(path);
    const std::string yaml = currentConfig().to_yaml();
    if (!f.open(QIODevice::WriteOnly) || f.write(yaml.data(), static_cast<qint64>(yaml.size())) < 0 || !f.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    lastConfigPath_ = QFileInfo(path).absoluteFilePath();
    return true;
}

void ExportTab::setSavesRoot(const QString& root) { form_->setSavesRoot(root); }

void ExportTab::scheduleCheck() {
    checked_ = false;
    updateButtons();
    checkTimer_->start();
}

void ExportTab::checkAsync() {
    const ExportConfig c = currentConfig();
    const int generation = ++checkGeneration_;
    auto* watcher = new QFutureWatcher<ExportCheck>(this);
    connect(watcher, &QFutureWatcher<ExportCheck>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != checkGeneration_ || checkTimer_->isActive()) return;
        check_ = watcher->result();
        checked_ = true;
        showCheck(check_);
    });
    watcher->setFuture(QtConcurrent::run([c] { return check_export(c); }));
}

void ExportTab::showCheck(const ExportCheck& check) {
    QMap<QString, QString> fieldErrors;
    QStringList general;
    for (const auto& [key, msg] : check.problems) {
        if (form_->hasField(key)) fieldErrors[key] += (fieldErrors[key].isEmpty() ? "" : "\n") + msg;
        else general << msg;
    }
    form_->setErrors(fieldErrors);
    generalProblems_->setText(general.join('\n'));
    generalProblems_->setVisible(!general.isEmpty());
    if (check.estimated) {
        QString line = tr("About %1 in %2 files, chat template %3.")
                           .arg(sizeText(check.totalBytes))
                           .arg(check.files.size())
                           .arg(check.templateName);
        if (check.availableBytes > 0) line += " " + tr("%1 free where it goes.").arg(sizeText(check.availableBytes));
        estimateLabel_->setText(line);
        estimateLabel_->setStyleSheet(QString());
    } else {
        estimateLabel_->setText(check.problems.isEmpty() ? tr("Checking the settings…")
                                                         : tr("No estimate until the problems in red are fixed."));
        estimateLabel_->setStyleSheet("color:#777;");
    }
    QStringList warnings = check.warnings;
    if (check.targetNotEmpty)
        warnings.prepend(tr("The target folder is not empty: Export asks before replacing what is in it."));
    warningsLabel_->setText(warnings.join('\n'));
    warningsLabel_->setVisible(!warnings.isEmpty());
    fillFiles(estimateTable_, check.files);
    updateButtons();
}

QString ExportTab::generalProblemsText() const {
    return generalProblems_->isVisibleTo(this) ? generalProblems_->text() : QString();
}

QString ExportTab::estimateText() const { return check_.estimated ? estimateLabel_->text() : QString(); }
QStringList ExportTab::estimateFiles() const { return names(estimateTable_); }
QString ExportTab::noticeText() const { return notice_->isVisibleTo(this) ? notice_->text() : QString(); }
QStringList ExportTab::summaryFiles() const { return summaryTable_->isVisibleTo(this) ? names(summaryTable_) : QStringList(); }
QString ExportTab::statusText() const { return statusLabel_->text(); }

void ExportTab::updateButtons() {
    const bool running = controller_->isRunning();
    exportButton_->setEnabled(!running && checked_ && check_.problems.isEmpty());
    cancelButton_->setEnabled(running && !controller_->cancelRequested());
    formScroll_->setEnabled(!running);
    loadButton_->setEnabled(!running);
}

bool ExportTab::confirmReplace(const QString& dir) {
    if (confirmOverwrite_) return confirmOverwrite_(dir);
    return QMessageBox::question(this, tr("Replace the target folder?"),
                                 tr("%1 is not empty. The export replaces everything in it once it is complete. "
                                    "Replace it?")
                                     .arg(dir),
                                 QMessageBox::Yes | QMessageBox::No, QMessageBox::No) == QMessageBox::Yes;
}

void ExportTab::startExport() {
    if (controller_->isRunning()) return;
    if (!checked_ || !check_.problems.isEmpty()) {
        setNotice(checked_ ? tr("Fix the problems marked in red before exporting.")
                           : tr("The settings are still being checked; try again in a moment."),
                  kRed);
        return;
    }
    ExportConfig c = currentConfig();
    const QString dir = QString::fromStdString(c.export_dir);
    const QDir target(dir);
    if (target.exists() && !target.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)) {
        if (!confirmReplace(dir)) {
            setNotice(tr("Not exported: %1 is not empty and was left as it is.").arg(dir), kAmber);
            appendLog([] { return tr("not exported: the target folder was kept"); });
            return;
        }
        c.export_overwrite = true;
    }
    haveResult_ = false;
    log_->clearLines();
    progress_->setFormat("%p%");
    progress_->setValue(0);
    notice_->setVisible(false);
    summaryTitle_->setVisible(false);
    summaryTable_->setVisible(false);
    statusLabel_->setText(tr("Starting…"));
    appendLog([dir] { return tr("exporting to %1").arg(dir); });
    controller_->start(c);
    updateButtons();
}

void ExportTab::cancel() {
    if (!controller_->isRunning()) return;
    controller_->cancel();
    statusLabel_->setText(tr("Cancelling after the current tensor…"));
    updateButtons();
}

void ExportTab::onFinished(const ExportResult& r) {
    lastResult_ = r;
    haveResult_ = true;
    showResult(r);
    if (r.status == ExportResult::Completed) progress_->setValue(progress_->maximum());
    if (r.status == ExportResult::Completed) appendLog([s = r.seconds] { return tr("finished in %1 s").arg(s, 0, 'f', 1); });
    else appendLog([r] { return failure_text(r); });
    updateButtons();
    scheduleCheck();  // the target is not empty any more
    emit exportFinished(r);
}

void ExportTab::showResult(const ExportResult& r) {
    switch (r.status) {
        case ExportResult::Completed:
            setNotice(tr("Exported %1 files, %2, in %3 s to %4 (chat template %5).")
                          .arg(r.files.size())
                          .arg(sizeText(r.totalBytes))
                          .arg(r.seconds, 0, 'f', 1)
                          .arg(r.exportDir, r.templateName),
                      kGreen);
            break;
        case ExportResult::Cancelled: setNotice(tr("Export cancelled: %1").arg(failure_text(r)), kAmber); break;
        case ExportResult::Failed: setNotice(tr("Export failed: %1").arg(failure_text(r)), kRed); break;
    }
    fillFiles(summaryTable_, r.files);
    summaryTitle_->setVisible(!r.files.isEmpty());
    summaryTable_->setVisible(!r.files.isEmpty());
    statusLabel_->setText(r.status == ExportResult::Completed ? tr("Done") : tr("Stopped"));
}

void ExportTab::setNotice(const QString& text, const QString& color) {
    notice_->setText(text);
    notice_->setStyleSheet(QStringLiteral("QLabel { color:%1; border:1px solid %1; padding:4px; }").arg(color));
    notice_->setVisible(true);
}

void ExportTab::appendLog(const QString& text) {
    if (text.isEmpty()) return;
    appendLog([text] { return text; });
}

void ExportTab::appendLog(std::function<QString()> text) { log_->appendLine(std::move(text)); }

QString ExportTab::commandLine() const {
    return cliCommandLine("export", lastConfigPath_, "export.yaml");
}

void ExportTab::previewCommand() {
    CommandPreview p;
    p.hint = lastConfigPath_.isEmpty()
             ? tr("Save these settings as export.yaml (Save config…), then run:")
             : tr("The settings as saved in %1 (save again after changes), run with:").arg(lastConfigPath_);
    p.command = [this] { return commandLine(); };
    p.yaml = QString::fromStdString(currentConfig().to_yaml());
    p.save = [this] { saveConfigDialog(); };
    p.height = 420;
    showCommandPreview(this, p);
}

void ExportTab::saveConfigDialog() {
    saveConfigWithDialog(this, tr("Save export config"), lastConfigPath_, QStringLiteral("export.yaml"),
                         [this](const QString& path, QString* error) { return saveConfigFile(path, error); });
}

void ExportTab::loadConfigDialog() {
    loadConfigWithDialog(this, tr("Load export config"), lastConfigPath_,
                         [this](const QString& path, QString* error) { return loadConfigFile(path, error); });
}

}  // namespace ui
}  // namespace lathe
