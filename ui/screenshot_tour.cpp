#include "ui/screenshot_tour.h"

#include "core/corpus/corpus_config.h"
#include "core/train/train_config.h"
#include "ui/chat_controller.h"
#include "ui/chat_tab.h"
#include "ui/serve_panel.h"
#include "ui/checkpoint_curve_panel.h"
#include "ui/data_controller.h"
#include "ui/data_tab.h"
#include "ui/dataset_preview_dialog.h"
#include "ui/evaluate_controller.h"
#include "ui/evaluate_form.h"
#include "ui/evaluate_tab.h"
#include "ui/export_controller.h"
#include "ui/export_form.h"
#include "ui/export_tab.h"
#include "ui/language.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/studio_paths.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"
#include "widgets/collapsible_section.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>

#include <atomic>
#include <cstdio>
#include <thread>

#include <httplib.h>

namespace lathe {
namespace ui {

namespace {

void settle(int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) QApplication::processEvents(QEventLoop::AllEvents, 20);
}

bool waitFor(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) QApplication::processEvents(QEventLoop::AllEvents, 20);
    return done();
}

bool save(QWidget* w, const QString& path) {
    const bool ok = w->grab().save(path);
    std::fprintf(stderr, "%s %s\n", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

void chat(MainWindow& w, const QString& prompt) {
    ChatTab* tab = w.chatTab();
    tab->input()->setPlainText(prompt);
    tab->send();
    waitFor([&] { return !w.chatController()->isBusy(); }, 120000);
    settle(200);
}

// The Export tab after a real export of the model bar's model and run, as GGUF q8_0: the estimate, the
// summary of the written files and the log are all in the picture.
void exportOnce(MainWindow& w) {
    ExportTab* tab = w.exportTab();
    QComboBox* format = tab->form()->formatCombo();
    format->setCurrentIndex(format->findData("gguf"));
    QComboBox* precision = tab->form()->precisionCombo();
    precision->setCurrentIndex(precision->findData("q8_0"));
    if (!waitFor([&] { return tab->isChecked(); }, 60000) || !tab->problems().isEmpty()) {
        std::fprintf(stderr, "export: %s\n", qPrintable(tab->problems().value(0).second));
        return;
    }
    tab->setConfirmOverwrite([](const QString&) { return true; });  // the tour's own earlier export
    tab->startExport();
    waitFor([&] { return !w.exportController()->isRunning(); }, 300000);
    waitFor([&] { return tab->isChecked(); }, 60000);
    if (!tab->noticeText().isEmpty()) std::fprintf(stderr, "export: %s\n", qPrintable(tab->noticeText()));
}

// The Evaluate tab after a real A/B run: the model bar's run against its base model on a few records of
// the bundled English demo set, worst first, with the worst row open in the detail pane.
void evaluateOnce(MainWindow& w, const QString& datasetDir) {
    EvaluateTab* tab = w.evaluateTab();
    EvaluateForm* form = tab->form();
    form->datasetDirEdit()->setText(datasetDir);
    QListWidget* list = form->datasetList();
    for (int i = 0; i < list->count(); ++i)
        list->item(i)->setCheckState(list->item(i)->data(Qt::UserRole).toString() == "alpaca_en_demo" ? Qt::Checked
                                                                                                       : Qt::Unchecked);
    form->maxSamplesBox()->setValue(12);
    form->batchSizeBox()->setValue(4);
    form->maxNewTokensBox()->setValue(48);
    form->compareCombo()->setCurrentIndex(form->compareCombo()->findData(w.modelBar()->checkpoint().isEmpty() ? "" : "base"));
    const QStringList problems = tab->validateNow();
    if (!problems.isEmpty()) {
        std::fprintf(stderr, "evaluate: %s\n", qPrintable(problems.join(" | ")));
        return;
    }
    tab->start();
    waitFor([&] { return !w.evaluateController()->isRunning(); }, 600000);
    if (!tab->noticeText().isEmpty()) std::fprintf(stderr, "evaluate: %s\n", qPrintable(tab->noticeText()));
    tab->worstFirstBox()->setChecked(true);
    tab->predictionsView()->selectRow(0);
}

// The checkpoint curve of the model bar's run, with the settings evaluateOnce left (A/B does not apply).
void curveOnce(MainWindow& w) {
    EvaluateTab* tab = w.evaluateTab();
    tab->reloadCurve();
    if (tab->curvePanel()->checkpointCount() == 0) return;
    tab->startCurve();
    waitFor([&] { return !w.evaluateController()->isRunning(); }, 900000);
    if (!tab->noticeText().isEmpty()) std::fprintf(stderr, "curve: %s\n", qPrintable(tab->noticeText()));
    tab->resultPages()->setCurrentIndex(0);
}

// The Serve switch on: the model bar's model served on loopback, with one chat request through the API so
// the request log has a line (the curl example is in the picture).
void serveOnce(MainWindow& w) {
    ServePanel* panel = w.chatTab()->servePanel();
    panel->port()->setValue(18931);
    panel->start();
    if (!waitFor([&] { return panel->isServing() || !panel->isStarting(); }, 120000) || !panel->isServing()) {
        std::fprintf(stderr, "serve: %s\n", qPrintable(panel->statusText()));
        return;
    }
    std::atomic<bool> done{false};
    std::thread client([&] {
        httplib::Client c("127.0.0.1", 18931);
        c.set_read_timeout(120, 0);
        c.Post("/v1/chat/completions", R"({"messages": [{"role": "user", "content": "Who are you?"}], "max_tokens": 24})",
               "application/json");
        done = true;
    });
    waitFor([&] { return done && panel->requestLog()->toPlainText().contains("POST"); }, 120000);
    client.join();
}

}  // namespace

// The Data tab after cleaning the bundled dirty corpus with every step on (near-duplicates by MinHash),
// showing the removed and kept records.
void dataOnce(MainWindow& w, const QString& outputDir) {
    DataTab* tab = w.dataTab();
    CorpusConfig c = tab->currentConfig();
    c.data_files = QDir(bundled_datasets_dir()).filePath("raw_web_demo.jsonl").toStdString();
    c.output_dir = QDir(outputDir).filePath("data-out").toStdString();
    c.dataset_name = "web_clean";
    c.min_chars = 40;
    c.quality_filters = true;
    c.dedup = "minhash";
    c.train_tokenizer = true;
    c.tokenizer_vocab_size = 1000;
    tab->loadConfig(c);
    tab->run();
    waitFor([&] { return !w.dataController()->isRunning(); }, 120000);
    std::fprintf(stderr, "data: %s\n", qPrintable(tab->summaryText()));
    tab->resultTabs()->setCurrentIndex(4);
}

int run_screenshot_tour(const TourOptions& o) {
    QDir().mkpath(o.outputDir);
    MainWindow w;
    w.resize(1320, 880);
    w.show();
    if (!o.config.isEmpty()) {
        QString error;
        if (!w.trainTab()->loadConfigFile(o.config, &error)) std::fprintf(stderr, "config: %s\n", qPrintable(error));
    }
    if (!o.model.isEmpty()) w.modelBar()->setModelPath(o.model);
    if (!o.checkpoint.isEmpty()) w.modelBar()->setCheckpoint(o.checkpoint);
    settle(300);
    if (!o.checkpoint.isEmpty()) w.trainTab()->showRun(o.checkpoint);
    if (!o.compareRun.isEmpty()) w.trainTab()->overlayRun(o.compareRun);
    const bool chatting = !o.model.isEmpty() && !o.prompt.isEmpty();
    if (chatting) {
        w.chatTab()->sideBySide()->setChecked(!o.checkpoint.isEmpty());
        w.chatTab()->load();
        if (!waitFor([&] { return w.chatController()->isLoaded(); }, 120000))
            std::fprintf(stderr, "chat: %s\n", qPrintable(w.chatTab()->statusText()));
    }
    if (!o.model.isEmpty()) exportOnce(w);
    if (!o.model.isEmpty()) evaluateOnce(w, QString::fromStdString(w.trainTab()->currentConfig().dataset_dir));
    if (!o.model.isEmpty() && !o.checkpoint.isEmpty()) curveOnce(w);
    if (chatting) serveOnce(w);
    dataOnce(w, o.outputDir);
    int failures = 0;
    const char* names[] = {"train", "evaluate", "chat", "export", "data"};
    for (const QString lang : {"en", "ko"}) {
        w.setLanguage(lang);
        settle(300);
        if (chatting) chat(w, lang == "en" ? o.prompt : (o.promptKo.isEmpty() ? o.prompt : o.promptKo));
        w.trainTab()->validateNow();
        for (int i = 0; i < w.tabs()->count(); ++i) {
            w.tabs()->setCurrentIndex(i);
            settle(400);
            failures += !save(&w, QStringLiteral("%1/%2-%3.png").arg(o.outputDir, names[i], lang));
        }
        // The Data tab's other views: the counts per step, and one duplicate group opened.
        w.tabs()->setCurrentWidget(w.dataTab());
        w.dataTab()->resultTabs()->setCurrentIndex(0);
        settle(300);
        failures += !save(&w, QStringLiteral("%1/data-steps-%2.png").arg(o.outputDir, lang));
        w.dataTab()->resultTabs()->setCurrentIndex(3);
        settle(300);
        failures += !save(&w, QStringLiteral("%1/data-duplicates-%2.png").arg(o.outputDir, lang));
        w.dataTab()->resultTabs()->setCurrentIndex(5);
        settle(300);
        failures += !save(&w, QStringLiteral("%1/data-tokenizers-%2.png").arg(o.outputDir, lang));
        w.dataTab()->resultTabs()->setCurrentIndex(4);
        if (w.evaluateTab()->curvePanel()->points().size() > 0) {
            w.tabs()->setCurrentWidget(w.evaluateTab());
            w.evaluateTab()->resultPages()->setCurrentIndex(1);
            settle(400);
            failures += !save(&w, QStringLiteral("%1/evaluate-curve-%2.png").arg(o.outputDir, lang));
            w.evaluateTab()->resultPages()->setCurrentIndex(0);
        }
        // The Engine settings (device, threads, Processes and machines of a data-parallel run), opened and
        // scrolled to its last field.
        w.tabs()->setCurrentIndex(0);
        if (QWidget* procs = w.trainTab()->form()->editor("master_port")) {
            for (auto* section : w.trainTab()->form()->findChildren<widgets::CollapsibleSection*>())
                if (section->isAncestorOf(procs)) section->setExpanded(true);
            settle(200);
            for (auto* area : w.trainTab()->findChildren<QScrollArea*>())
                if (area->isAncestorOf(procs)) area->ensureWidgetVisible(procs, 50, 20);
            settle(300);
            failures += !save(&w, QStringLiteral("%1/train-engine-%2.png").arg(o.outputDir, lang));
        }
        // The same form with impossible settings: the engine's messages at their fields, in this language.
        w.tabs()->setCurrentIndex(0);
        if (auto* lr = qobject_cast<QLineEdit*>(w.trainTab()->form()->editor("learning_rate"))) {
            const QString before = lr->text();
            lr->setText("0");
            w.trainTab()->validateNow();
            settle(300);
            failures += !save(&w, QStringLiteral("%1/train-problems-%2.png").arg(o.outputDir, lang));
            lr->setText(before);
            w.trainTab()->validateNow();
        }
        DatasetPreviewDialog preview(w.trainTab()->currentConfig(), &w);
        preview.show();
        waitFor([&] { return preview.isReady(); }, 60000);
        settle(300);
        failures += !save(&preview, QStringLiteral("%1/dataset-preview-%2.png").arg(o.outputDir, lang));
        preview.close();
    }
    // A short run from the Train tab in each language: its log as the engine words it in that language.
    if (!o.model.isEmpty()) {
        TrainForm* form = w.trainTab()->form();
        auto* steps = qobject_cast<QSpinBox*>(form->editor("max_steps"));
        auto* saves = qobject_cast<QSpinBox*>(form->editor("save_steps"));
        auto* out = qobject_cast<QLineEdit*>(form->editor("output_dir"));
        w.tabs()->setCurrentIndex(0);
        for (const QString lang : {"en", "ko"}) {
            if (!steps || !saves || !out) break;
            w.setLanguage(lang);
            steps->setValue(2);
            saves->setValue(0);
            out->setText(QDir(o.outputDir).absoluteFilePath("run-log-" + lang));
            w.trainTab()->validateNow();
            settle(300);
            if (!w.trainTab()->startButton()->isEnabled()) break;
            w.trainTab()->startButton()->click();
            waitFor([&] { return !w.trainController()->isRunning(); }, 120000);
            settle(400);
            failures += !save(&w, QStringLiteral("%1/train-log-%2.png").arg(o.outputDir, lang));
        }
    }
    w.setConfirmStop([] { return true; });
    w.close();
    return failures;
}

}  // namespace ui
}  // namespace lathe
