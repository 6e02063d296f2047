#include "ui/main_window.h"

#include "core/infer/gemv.h"
#include "core/util/engine_info.h"
#include "core/model/model_info.h"
#include "core/train/train_config.h"
#include "ui/chat_controller.h"
#include "ui/chat_tab.h"
#include "ui/data_controller.h"
#include "ui/data_tab.h"
#include "core/corpus/corpus_config.h"
#include "ui/evaluate_controller.h"
#include "ui/evaluate_tab.h"
#include "ui/export_controller.h"
#include "ui/export_tab.h"
#include "ui/language.h"
#include "ui/model_bar.h"
#include "ui/studio_paths.h"
#include "ui/train_controller.h"
#include "ui/train_tab.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QFileDialog>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

namespace lathe {
namespace ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    trainController_ = new TrainController(this);
    chatController_ = new ChatController(this);
    exportController_ = new ExportController(this);
    evaluateController_ = new EvaluateController(this);
    dataController_ = new DataController(this);
    bar_ = new ModelBar(this);
    bar_->setSavesRoot(saves_root());
    tabs_ = new QTabWidget(this);
    train_ = new TrainTab(bar_, trainController_, tabs_);
    train_->setSavesRoot(saves_root());
    chat_ = new ChatTab(bar_, chatController_, tabs_);
    evaluate_ = new EvaluateTab(bar_, evaluateController_, tabs_);
    evaluate_->setSavesRoot(saves_root());
    export_ = new ExportTab(bar_, exportController_, tabs_);
    export_->setSavesRoot(saves_root());
    tabs_->addTab(train_, QString());
    tabs_->addTab(evaluate_, QString());
    tabs_->addTab(chat_, QString());
    data_ = new DataTab(dataController_, tabs_);
    data_->setSavesRoot(saves_root());
    // A first start offers the bundled dirty corpus, so that Run shows every step at work.
    const QString demo = QDir(bundled_datasets_dir()).filePath("raw_web_demo.jsonl");
    if (data_->filesEdit()->text().isEmpty() && QFileInfo::exists(demo)) data_->filesEdit()->setText(demo);
    tabs_->addTab(export_, QString());
    tabs_->addTab(data_, QString());

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    auto* line = new QFrame(central);
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Sunken);
    layout->addWidget(bar_);
    layout->addWidget(line);
    layout->addWidget(tabs_, 1);
    setCentralWidget(central);

    memoryLabel_ = new QLabel(this);
    deviceLabel_ = new QLabel(this);
    statusBar()->addPermanentWidget(deviceLabel_);
    statusBar()->addPermanentWidget(memoryLabel_);
    statusTimer_ = new QTimer(this);
    statusTimer_->setInterval(2000);
    connect(statusTimer_, &QTimer::timeout, this, &MainWindow::updateStatus);
    statusTimer_->start();

    buildMenus();
    connect(bar_, &ModelBar::languageChanged, this, &MainWindow::setLanguage);
    connect(trainController_, &TrainController::finished, this, [this] {
        if (closeWhenStopped_) QTimer::singleShot(0, this, &QWidget::close);
    });
    connect(exportController_, &ExportController::finished, this, [this] {
        if (closeWhenStopped_) QTimer::singleShot(0, this, &QWidget::close);
    });
    connect(evaluateController_, &EvaluateController::finished, this, [this] {
        if (closeWhenStopped_) QTimer::singleShot(0, this, &QWidget::close);
    });
    restoreSettings();
    retranslate();
    updateStatus();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    fileMenu_ = menuBar()->addMenu(QString());
    loadAction_ = fileMenu_->addAction(QString(), train_, &TrainTab::loadConfigDialog);
    loadAction_->setShortcut(QKeySequence::Open);
    saveAction_ = fileMenu_->addAction(QString(), train_, &TrainTab::saveConfigDialog);
    saveAction_->setShortcut(QKeySequence::Save);
    fileMenu_->addSeparator();
    starterAction_ = fileMenu_->addAction(QString(), this, [this] {
        train_->loadStarter(train_->starterNameEdit()->text());
        tabs_->setCurrentWidget(train_);
    });
    savesAction_ = fileMenu_->addAction(QString(), this, &MainWindow::chooseSavesFolder);
    fileMenu_->addSeparator();
    quitAction_ = fileMenu_->addAction(QString(), this, &QWidget::close);
    quitAction_->setShortcut(QKeySequence::Quit);
    helpMenu_ = menuBar()->addMenu(QString());
    aboutAction_ = helpMenu_->addAction(QString(), this, [this] {
        QMessageBox::about(this, tr("About Lathe"),
                           tr("<b>Lathe</b> %1<br>Fine-tune language models on your own computer: one program "
                              "that trains, chats and exports, and lathe-cli, which runs the same engine from the "
                              "same YAML files.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::retranslate() {
    setWindowTitle(tr("Lathe Studio"));
    tabs_->setTabText(0, tr("Train"));
    tabs_->setTabText(1, tr("Evaluate && Predict"));
    tabs_->setTabText(2, tr("Chat"));
    tabs_->setTabText(3, tr("Export"));
    tabs_->setTabText(4, tr("Data"));
    fileMenu_->setTitle(tr("&File"));
    loadAction_->setText(tr("&Load training config…"));
    saveAction_->setText(tr("&Save training config…"));
    starterAction_->setText(tr("New model from scratch (&starter)"));
    savesAction_->setText(tr("Choose saves &folder…"));
    quitAction_->setText(tr("&Quit"));
    helpMenu_->setTitle(tr("&Help"));
    aboutAction_->setText(tr("&About Lathe"));
    updateStatus();
}

void MainWindow::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QMainWindow::changeEvent(e);
}

QString MainWindow::memoryText() const { return memoryLabel_->text(); }
QString MainWindow::deviceText() const { return deviceLabel_->text(); }
QString MainWindow::deviceToolTip() const { return deviceLabel_->toolTip(); }

void MainWindow::updateStatus() {
    static const QString summary = QString::fromStdString(engine_device_summary("auto"));
    static const int cpuThreads = static_cast<int>(engine_cpu_threads("auto"));
    const QString device = cpuThreads == 1  ? tr("cpu (1 thread)")
                           : cpuThreads > 1 ? tr("cpu (%1 threads)").arg(cpuThreads)
                                            : summary;  // another device, or why the chosen one is not there
    memoryLabel_->setText(tr("Memory: %1").arg(QString::fromStdString(format_bytes(process_rss_bytes()))));
    deviceLabel_->setText(tr("Device: %1").arg(device));
    memoryLabel_->setToolTip(tr("Resident memory of this process"));
    // Which instruction sets the CPU kernels use here (why chat and training are as fast as they are).
    static const QString isa = QString::fromLatin1(kernels::kernel_isa());
    deviceLabel_->setToolTip(tr("Where the engine computes, and its CPU threads. CPU kernels: %1").arg(isa));
}

void MainWindow::setLanguage(const QString& code) {
    if (code == current_language()) return;
    install_language(code);
    bar_->setLanguage(code);
    QSettings().setValue("ui/language", code);
}

void MainWindow::chooseSavesFolder() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the saves folder"), saves_root());
    if (dir.isEmpty()) return;
    set_saves_root(dir);
    bar_->setSavesRoot(dir);
    train_->setSavesRoot(dir);
    evaluate_->setSavesRoot(dir);
    export_->setSavesRoot(dir);
    data_->setSavesRoot(dir);
}

void MainWindow::restoreSettings() {
    QSettings s;
    restoreGeometry(s.value("ui/geometry").toByteArray());
    restoreState(s.value("ui/state").toByteArray());
    if (s.value("ui/geometry").isNull()) resize(1320, 880);
    const QString language = s.value("ui/language", "en").toString();
    if (language != "en") {
        install_language(language);
        bar_->setLanguage(language);
    }
    const QString yaml = s.value("train/lastConfig").toString();
    bool restored = false;
    if (!yaml.isEmpty()) {
        try {
            train_->loadConfig(TrainConfig::from_yaml(yaml.toStdString(), "settings"));
            restored = true;
        } catch (const std::exception&) {
        }
    }
    const QString dataYaml = s.value("data/lastConfig").toString();
    if (!dataYaml.isEmpty()) {
        try {
            data_->loadConfig(CorpusConfig::from_yaml(dataYaml.toStdString(), "settings"));
        } catch (const std::exception&) {
        }
    }
    if (!restored) {
        const QString last = s.value("model/last").toString();
        if (last.isEmpty()) train_->loadStarter();  // a fresh install: offer the starter path
        else bar_->setModelPath(last);
    }
}

void MainWindow::saveSettings() {
    QSettings s;
    s.setValue("ui/geometry", saveGeometry());
    s.setValue("ui/state", saveState());
    s.setValue("model/last", bar_->modelPath());
    s.setValue("train/lastConfig", QString::fromStdString(train_->currentConfig().to_yaml()));
    s.setValue("data/lastConfig", QString::fromStdString(data_->currentConfig().to_yaml()));
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (trainController_->isRunning()) {
        const bool stop = confirmStop_ ? confirmStop_() : QMessageBox::question(
            this, tr("Training is running"),
            tr("Stop training and quit? The run stops after the current step and keeps a checkpoint to resume from.")) ==
                                                               QMessageBox::Yes;
        if (!stop) {
            e->ignore();
            return;
        }
        closeWhenStopped_ = true;
        trainController_->abort();
        train_->abort();
        statusBar()->showMessage(tr("Stopping training, then closing…"));
        e->ignore();
        return;
    }
    if (evaluateController_->isRunning()) {
        const bool stop = confirmStop_ ? confirmStop_() : QMessageBox::question(
            this, tr("Predictions are running"),
            tr("Stop the predictions and quit? The answers so far stay in generated_predictions.jsonl.")) ==
                                                               QMessageBox::Yes;
        if (!stop) {
            e->ignore();
            return;
        }
        closeWhenStopped_ = true;
        evaluate_->abort();
        statusBar()->showMessage(tr("Stopping the predictions, then closing…"));
        e->ignore();
        return;
    }
    if (exportController_->isRunning()) {
        const bool stop = confirmStop_ ? confirmStop_() : QMessageBox::question(
            this, tr("An export is running"),
            tr("Cancel the export and quit? Nothing is written to its target folder.")) == QMessageBox::Yes;
        if (!stop) {
            e->ignore();
            return;
        }
        closeWhenStopped_ = true;
        export_->cancel();
        statusBar()->showMessage(tr("Cancelling the export, then closing…"));
        e->ignore();
        return;
    }
    chatController_->stop();
    saveSettings();
    e->accept();
}

}  // namespace ui
}  // namespace lathe
