// The Evaluate & Predict tab end to end with real widgets and the tiny model: fill the settings, Start,
// watch rows arrive, finish with metrics, a predictions table that sorts worst first, the files LLaMA-Factory
// writes, CSV and JSONL exports that parse back; an A/B run against the base model under a LoRA adapter;
// Abort keeping a partial file; the checks before Start; the YAML preview and its round trip; a reward model
// judging an A/B run.
#include "core/model/value_head.h"
#include "core/util/fs.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/engine_messages.h"
#include "ui/evaluate_controller.h"
#include "ui/evaluate_form.h"
#include "ui/evaluate_tab.h"
#include "ui/language.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/predict_yaml.h"
#include "ui/prediction_export.h"
#include "ui/prediction_table.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

using namespace lathe;
using namespace lathe::test;

namespace {

struct Settings {
    int maxSamples = 4, batch = 2, maxNewTokens = 8;
    QString compare;  // "" | "base" | "folder"
    QString checkpoint;
    QString judge;  // a reward model's folder
    std::string output;
    std::string datasetDir = ui_dataset_dir();
};

// Fills the tab the way a user does: the model bar and the tab's widgets.
void fill_settings(ui::MainWindow& w, const Settings& s) {
    w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
    w.modelBar()->setTemplateName("chatml");
    w.modelBar()->setCheckpoint(s.checkpoint);
    w.tabs()->setCurrentWidget(w.evaluateTab());
    ui::EvaluateForm* f = w.evaluateTab()->form();
    QLineEdit* dir = f->datasetDirEdit();
    dir->clear();
    QTest::keyClicks(dir, QString::fromStdString(s.datasetDir));
    QListWidget* list = f->datasetList();
    QListWidgetItem* demo = nullptr;
    for (int i = 0; i < list->count(); ++i) {
        list->item(i)->setCheckState(Qt::Unchecked);
        if (list->item(i)->data(Qt::UserRole).toString() == "demo") demo = list->item(i);
    }
    QVERIFY2(demo, "the demo dataset is listed: it is an sft dataset");
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->data(Qt::UserRole).toString() == "demo_pairs") QFAIL("preference pairs have no labels to score");
    demo->setCheckState(Qt::Checked);
    f->maxSamplesBox()->setValue(s.maxSamples);
    f->batchSizeBox()->setValue(s.batch);
    f->maxNewTokensBox()->setValue(s.maxNewTokens);
    f->doSampleBox()->setChecked(false);
    f->compareCombo()->setCurrentIndex(f->compareCombo()->findData(s.compare));
    f->judgeDirEdit()->clear();
    QTest::keyClicks(f->judgeDirEdit(), s.judge);
    QLineEdit* out = f->outputDirEdit();
    out->selectAll();
    QTest::keyClicks(out, QString::fromStdString(s.output));
}

PredictSummary runToTheEnd(ui::MainWindow& w, int timeoutMs) {
    QSignalSpy finished(w.evaluateController(), &ui::EvaluateController::finished);
    ui::EvaluateTab* tab = w.evaluateTab();
    const QStringList problems = tab->validateNow();
    if (!problems.isEmpty()) qWarning("problems: %s", qPrintable(problems.join(" | ")));
    QTest::mouseClick(tab->startButton(), Qt::LeftButton);
    if (!wait_until([&] { return finished.count() == 1; }, timeoutMs)) return {};
    return finished.at(0).at(0).value<PredictSummary>();
}

QStringList lines(const std::string& path) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
}

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
QVector<QStringList> parseCsv(const QString& text) {
    QVector<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false, any = false;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
            else if (c == '"') quoted = false;
            else field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            record << field;
            field.clear();
        } else if (c == '\r') {
        } else if (c == '\n') {
            record << field;
            records << record;
            record.clear();
            field.clear();
        } else {
            field += c;
        }
        any = true;
    }
    if (any && (!field.isEmpty() || !record.isEmpty())) records << (record << field);
    return records;
}

// The values of a column in the order the view shows them.
QVector<double> viewColumn(const ui::EvaluateTab* tab, int column) {
    QVector<double> out;
    const QSortFilterProxyModel* m = tab->sortedPredictions();
    for (int r = 0; r < m->rowCount(); ++r) out << m->index(r, column).data(ui::PredictionTable::SortRole).toDouble();
    return out;
}

bool ascending(const QVector<double>& v) { return std::is_sorted(v.begin(), v.end()); }

double metric(const QTableWidget* t, int row, int column) {
    bool ok = false;
    const double v = t->item(row, column)->text().toDouble(&ok);
    return ok ? v : -1;
}

}  // namespace

class TestUiEvaluate : public QObject {
    Q_OBJECT
private slots:
    void predictsToTheEndAndFillsTheTables() {
        ui::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        Settings s;
        s.output = scratch_dir() + "/eval-plain";
        fill_settings(w, s);
        ui::EvaluateTab* tab = w.evaluateTab();
        QVERIFY2(tab->validateNow().isEmpty(), qPrintable(tab->generalProblemsText()));
        QVERIFY(tab->startButton()->isEnabled());
        QCOMPARE(QString::fromStdString(tab->currentConfig().dataset), QString("demo"));

        QSignalSpy rows(w.evaluateController(), &ui::EvaluateController::rows);
        const PredictSummary r = runToTheEnd(w, 120000);
        QVERIFY2(r.status == PredictSummary::Status::Completed, r.message.c_str());
        QCOMPARE(r.samples, int64_t(4));
        QVERIFY2(rows.count() >= 2, "batches of 2: rows arrive while the run goes on");
        QVERIFY2(tab->noticeText().contains("Predicted 4 samples"), qPrintable(tab->noticeText()));
        QCOMPARE(tab->progressBar()->value(), 4);
        QVERIFY(tab->startButton()->isEnabled() || !tab->problems().isEmpty());
        QVERIFY(!tab->abortButton()->isEnabled());

        // Metrics: numbers in 0..100 for the six scores, then samples and samples/s.
        QTableWidget* m = tab->metricsTable();
        QCOMPARE(m->rowCount(), 8);
        QCOMPARE(m->columnCount(), 1);
        for (int row = 0; row < 6; ++row) {
            const double v = metric(m, row, 0);
            QVERIFY2(v >= 0 && v <= 100, qPrintable(m->item(row, 0)->text()));
        }
        QCOMPARE(metric(m, 3, 0), QString::number(r.metrics.rougeL, 'f', 2).toDouble());
        QCOMPARE(m->item(6, 0)->text(), QString("4"));
        QVERIFY(metric(m, 7, 0) > 0);

        // Predictions: one row per sample, the label from the dataset, a tooltip with the full text.
        ui::PredictionTable* table = tab->predictions();
        QCOMPARE(table->rowCount(), 4);
        QCOMPARE(tab->predictionsView()->model()->rowCount(), 4);
        QCOMPARE(table->columnCount(), int(ui::PredictionTable::PredictB));
        QCOMPARE(table->index(0, ui::PredictionTable::Label).data().toString(), QString("Two plus three is five."));
        QCOMPARE(table->index(0, ui::PredictionTable::Index).data().toInt(), 1);
        QVERIFY(table->index(0, ui::PredictionTable::Prompt).data(Qt::ToolTipRole).toString().contains("two plus three"));
        QVERIFY2(!table->index(0, ui::PredictionTable::Prompt).data().toString().contains("<|im_start|>"),
                 "the cell leaves the template's markers out");

        // generated_predictions.jsonl as LLaMA-Factory writes it: one line per sample.
        const QStringList written = lines(s.output + "/generated_predictions.jsonl");
        QCOMPARE(written.size(), 4);
        for (const QString& line : written) {
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
            QVERIFY2(o.contains("prompt") && o.contains("predict") && o.contains("label"), qPrintable(line));
        }
        QVERIFY(file_exists(s.output + "/predict_results.json"));
        QVERIFY(file_exists(s.output + "/all_results.json"));

        // Worst first: ROUGE-L ascending; off again: the samples' order.
        QTest::mouseClick(tab->worstFirstBox(), Qt::LeftButton);
        QVERIFY(tab->worstFirstBox()->isChecked());
        QVERIFY(ascending(viewColumn(tab, ui::PredictionTable::RougeL)));
        QCOMPARE(tab->predictionsView()->horizontalHeader()->sortIndicatorSection(), int(ui::PredictionTable::RougeL));
        tab->worstFirstBox()->setChecked(false);
        QCOMPARE(viewColumn(tab, ui::PredictionTable::Index), (QVector<double>{0, 1, 2, 3}));
        // Sorting by a header by hand works too, and ends "worst first".
        tab->worstFirstBox()->setChecked(true);
        tab->predictionsView()->sortByColumn(ui::PredictionTable::Bleu, Qt::DescendingOrder);
        QVERIFY(!tab->worstFirstBox()->isChecked());
        QVector<double> bleu = viewColumn(tab, ui::PredictionTable::Bleu);
        std::reverse(bleu.begin(), bleu.end());
        QVERIFY(ascending(bleu));
        tab->worstFirstBox()->setChecked(true);

        // The detail pane shows a selected row in full.
        tab->predictionsView()->selectRow(0);
        const int shown = tab->sortedPredictions()->mapToSource(tab->sortedPredictions()->index(0, 0)).row();
        QVERIFY(tab->detailView()->toPlainText().contains(QString::fromStdString(table->row(shown).label)));

        // CSV: a header and one record per row, in the view's order, prompts with line breaks intact.
        QVERIFY(tab->exportCsvButton()->isEnabled());
        const QString csvPath = QString::fromStdString(scratch_dir() + "/eval-plain.csv");
        QString error;
        QVERIFY2(tab->exportCsv(csvPath, &error), qPrintable(error));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QVector<QStringList> records = parseCsv(QString::fromUtf8(csv.readAll()));
        QCOMPARE(records.size(), 5);
        QCOMPARE(records[0].mid(0, 6), (QStringList{"index", "source", "prompt", "label", "predict", "finish"}));
        QVERIFY(records[0].contains("rouge-l"));
        for (int i = 1; i < 5; ++i) {
            QCOMPARE(records[i].size(), records[0].size());
            const ui::PredictionTable* t = tab->predictions();
            const int source = tab->sortedPredictions()->mapToSource(tab->sortedPredictions()->index(i - 1, 0)).row();
            QCOMPARE(records[i][2], QString::fromStdString(t->row(source).prompt));
            QCOMPARE(records[i][4], QString::fromStdString(t->row(source).predict));
        }
        QVERIFY2(records[1][2].contains('\n'), "a prompt with line breaks survives the quoting");

        // JSONL: one object per row.
        const std::string jsonlPath = scratch_dir() + "/eval-plain.jsonl";
        QVERIFY2(tab->exportJsonl(QString::fromStdString(jsonlPath), &error), qPrintable(error));
        const QStringList exported = lines(jsonlPath);
        QCOMPARE(exported.size(), 4);
        QVERIFY(nlohmann::json::parse(exported[0].toStdString()).contains("rouge-l"));

        // Open results… reads the run back.
        ui::MainWindow other;
        QVERIFY2(other.evaluateTab()->openResults(QString::fromStdString(s.output + "/generated_predictions.jsonl"), &error),
                 qPrintable(error));
        QCOMPARE(other.evaluateTab()->predictions()->rowCount(), 4);
        QCOMPARE(other.evaluateTab()->metricsTable()->item(6, 0)->text(), QString("4"));
        QVERIFY(std::abs(metric(other.evaluateTab()->metricsTable(), 3, 0) - metric(m, 3, 0)) < 0.011);
        QVERIFY(!other.evaluateTab()->openResults(QString::fromStdString(scratch_dir() + "/missing.jsonl"), &error));
        QVERIFY(!error.isEmpty());
    }

    void comparesWithTheBaseModelUnderAnAdapter() {
        ui::MainWindow w;
        w.show();
        Settings s;
        s.compare = "base";
        s.checkpoint = QString::fromStdString(ui_make_adapter("eval-adapter", 7));
        s.output = scratch_dir() + "/eval-ab";
        fill_settings(w, s);
        ui::EvaluateTab* tab = w.evaluateTab();
        QCOMPARE(QString::fromStdString(tab->currentConfig().compare), QString("base"));
        QCOMPARE(QString::fromStdString(tab->currentConfig().adapter_name_or_path), s.checkpoint);
        const PredictSummary r = runToTheEnd(w, 180000);
        QVERIFY2(r.status == PredictSummary::Status::Completed, r.message.c_str());
        QVERIFY(r.has_compare);
        ui::PredictionTable* table = tab->predictions();
        QVERIFY(table->hasCompare());
        QCOMPARE(table->rowCount(), 4);
        QCOMPARE(table->columnCount(), int(ui::PredictionTable::DeltaRougeL) + 1);  // no judge: no reward columns
        bool differs = false;
        for (int i = 0; i < 4; ++i) differs |= table->row(i).predict != table->row(i).predict_b;
        QVERIFY2(differs, "a random adapter changes the answers: A and B differ");
        // Metrics: A, B and A − B.
        QTableWidget* m = tab->metricsTable();
        QCOMPARE(m->columnCount(), 3);
        for (int row = 0; row < 6; ++row) {
            const double a = metric(m, row, 0), b = metric(m, row, 1);
            QVERIFY(a >= 0 && b >= 0);
            QVERIFY(std::abs(m->item(row, 2)->text().toDouble() - (a - b)) < 0.011);
        }
        // Worst first sorts by the difference A − B.
        tab->worstFirstBox()->setChecked(false);
        tab->worstFirstBox()->setChecked(true);
        QCOMPARE(tab->predictionsView()->horizontalHeader()->sortIndicatorSection(), int(ui::PredictionTable::DeltaRougeL));
        QVERIFY(ascending(viewColumn(tab, ui::PredictionTable::DeltaRougeL)));
        QString error;
        const QString csvPath = QString::fromStdString(scratch_dir() + "/eval-ab.csv");
        QVERIFY2(tab->exportCsv(csvPath, &error), qPrintable(error));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QVector<QStringList> records = parseCsv(QString::fromUtf8(csv.readAll()));
        QCOMPARE(records.size(), 5);
        QVERIFY(records[0].contains("predict_b") && records[0].contains("delta_rouge-l"));
        // The written predictions carry B's answers too: Open results shows the A/B table again.
        ui::MainWindow other;
        QVERIFY2(other.evaluateTab()->openResults(QString::fromStdString(s.output + "/generated_predictions.jsonl"), &error),
                 qPrintable(error));
        QVERIFY(other.evaluateTab()->predictions()->hasCompare());
        QCOMPARE(other.evaluateTab()->metricsTable()->columnCount(), 3);
    }

    void abortKeepsThePredictionsSoFar() {
        ui::MainWindow w;
        w.show();
        Settings s;
        s.maxSamples = 0;  // all 24
        s.batch = 1;
        s.maxNewTokens = 150;
        s.output = scratch_dir() + "/eval-abort";
        fill_settings(w, s);
        ui::EvaluateTab* tab = w.evaluateTab();
        QVERIFY2(tab->validateNow().isEmpty(), qPrintable(tab->generalProblemsText()));
        QSignalSpy finished(w.evaluateController(), &ui::EvaluateController::finished);
        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY(w.evaluateController()->isRunning());
        QVERIFY(tab->abortButton()->isEnabled());
        QVERIFY2(!tab->form()->isEnabled(), "the settings are locked while predicting");
        QVERIFY(wait_until([&] { return tab->progressBar()->value() >= 1; }, 60000));
        QTest::mouseClick(tab->abortButton(), Qt::LeftButton);
        QVERIFY(!tab->abortButton()->isEnabled());
        QVERIFY(wait_until([&] { return finished.count() == 1; }, 60000));
        const auto r = finished.at(0).at(0).value<PredictSummary>();
        QVERIFY2(r.status == PredictSummary::Status::Aborted, r.message.c_str());
        QVERIFY2(r.samples >= 1 && r.samples < 24, qPrintable(QString::number(r.samples)));
        qInfo("aborted after %lld of 24 samples", static_cast<long long>(r.samples));
        const QStringList written = lines(s.output + "/generated_predictions.jsonl");
        QCOMPARE(written.size(), int(r.samples));
        QCOMPARE(tab->predictions()->rowCount(), int(r.samples));
        const auto results = nlohmann::json::parse(read_file(s.output + "/predict_results.json"));
        QVERIFY2(results.value("partial", false), results.dump().c_str());
        QVERIFY2(tab->noticeText().contains("Stopped after"), qPrintable(tab->noticeText()));
        QVERIFY(tab->startButton()->isEnabled());
    }

    void closingWhilePredictingStopsFirst() {
        auto* w = new ui::MainWindow;
        w->show();
        Settings s;
        s.maxSamples = 0;
        s.batch = 1;
        s.maxNewTokens = 150;
        s.output = scratch_dir() + "/eval-close";
        fill_settings(*w, s);
        QSignalSpy finished(w->evaluateController(), &ui::EvaluateController::finished);
        int asked = 0;
        w->setConfirmStop([&] { return ++asked > 1; });  // the first time the user says no
        QTest::mouseClick(w->evaluateTab()->startButton(), Qt::LeftButton);
        QVERIFY(w->evaluateController()->isRunning());
        QVERIFY(!w->close());
        QCOMPARE(asked, 1);
        w->close();  // yes: stop, then close once the run has ended
        QVERIFY(wait_until([&] { return finished.count() == 1 && !w->isVisible(); }, 60000));
        QVERIFY(!w->evaluateController()->isRunning());
        delete w;
    }

    // A dataset record the prediction cannot read: the failure names the file, record and field, in Korean.
    void aBrokenRecordFailsInTheStudiosLanguage() {
        const std::string data = ui_copy_dataset_dir("eval-broken-datasets");
        auto records = nlohmann::json::parse(read_file(data + "/demo.json"));
        records[1]["output"] = nlohmann::json::array({"b"});
        write_file_atomic(data + "/demo.json", records.dump(2));
        const KoreanUi korean;
        QVERIFY(korean.installed());
        ui::MainWindow w;
        w.show();
        Settings s;
        s.output = scratch_dir() + "/eval-broken";
        s.datasetDir = data;
        fill_settings(w, s);
        const PredictSummary r = runToTheEnd(w, 120000);
        QVERIFY2(r.status == PredictSummary::Status::Failed, r.message.c_str());
        QCOMPARE(r.problem.id, std::string("record_field_type"));
        QCOMPARE(r.problem.key, std::string("eval_dataset"));
        const QString want = QString::fromStdString(data) +
                             QString::fromUtf8("/demo.json 레코드 1 (7번째 줄): 'output' 필드가 배열입니다. 필요한 것: 문자열");
        QVERIFY2(w.evaluateTab()->noticeText().contains(want), qPrintable(w.evaluateTab()->noticeText()));
    }

    // The prediction's log lines (datasets, model with its device) in the studio's language.
    void theLogIsInTheStudiosLanguage() {
        const KoreanUi korean;
        QVERIFY(korean.installed());
        ui::MainWindow w;
        w.show();
        Settings s;
        s.output = scratch_dir() + "/eval-korean-log";
        fill_settings(w, s);
        QSignalSpy said(w.evaluateController(), &ui::EvaluateController::message);
        const PredictSummary r = runToTheEnd(w, 120000);
        QVERIFY2(r.status == PredictSummary::Status::Completed, r.message.c_str());
        QStringList lines;
        for (const auto& args : said) lines << ui::engine_message(args.at(1).value<lathe::Problem>());
        QVERIFY2(lines.size() >= 2, qPrintable(lines.join('\n')));
        QVERIFY2(lines[0].startsWith(QString::fromUtf8("데이터셋: demo: 레코드 4개 읽음")), qPrintable(lines.join('\n')));
        // "model: llama · ... parameters · ... · cpu (N threads)", every part in Korean.
        QVERIFY2(lines[1].startsWith(QString::fromUtf8("모델: llama · 파라미터 ")) && lines[1].contains(QString::fromUtf8("템플릿 ")) &&
                     lines[1].contains(QString::fromUtf8("CPU (")) && lines[1].contains(QString::fromUtf8("스레드")) &&
                     !lines[1].contains("thread") && !lines[1].contains("parameters"),
                 qPrintable(lines[1]));
    }

    // Lines logged in English are worded again in Korean after a language switch (the screenshot tour's
    // Korean Evaluate tab showed the English run's "model: llama · ... parameters" before).
    void theLogFollowsALanguageSwitch() {
        ui::MainWindow w;
        w.show();
        Settings s;
        s.output = scratch_dir() + "/eval-switch-log";
        fill_settings(w, s);
        const PredictSummary r = runToTheEnd(w, 120000);
        QVERIFY2(r.status == PredictSummary::Status::Completed, r.message.c_str());
        ui::EvaluateTab* tab = w.evaluateTab();
        QVERIFY2(tab->logHistory().contains("model: llama"), qPrintable(tab->logHistory()));
        QVERIFY2(tab->logHistory().contains("output folder: "), qPrintable(tab->logHistory()));
        w.setLanguage("ko");
        QTRY_VERIFY2(tab->logHistory().contains(QString::fromUtf8("모델: llama · 파라미터 ")), qPrintable(tab->logHistory()));
        QVERIFY2(tab->logHistory().contains(QString::fromUtf8("출력 폴더: ")) || !tab->logHistory().contains("output folder: "),
                 qPrintable(tab->logHistory()));
        QVERIFY2(!tab->logHistory().contains("model: llama"), qPrintable(tab->logHistory()));
        w.setLanguage("en");
        QTRY_VERIFY2(tab->logHistory().contains("model: llama"), qPrintable(tab->logHistory()));
    }

    void problemsAreShownBeforeStart() {
        ui::MainWindow w;
        w.show();
        Settings s;
        s.output = scratch_dir() + "/eval-problems";
        fill_settings(w, s);
        ui::EvaluateTab* tab = w.evaluateTab();
        QVERIFY(tab->validateNow().isEmpty());
        // No dataset ticked.
        QListWidget* list = tab->form()->datasetList();
        for (int i = 0; i < list->count(); ++i) list->item(i)->setCheckState(Qt::Unchecked);
        QVERIFY(!tab->validateNow().isEmpty());
        QVERIFY2(tab->generalProblemsText().contains("dataset"), qPrintable(tab->generalProblemsText()));
        QVERIFY(!tab->startButton()->isEnabled());
        tab->start();
        QVERIFY2(tab->noticeText().contains("Fix the problems"), qPrintable(tab->noticeText()));
        QVERIFY(!w.evaluateController()->isRunning());
        // Compare with the base model without a checkpoint: A and B would be the same.
        for (int i = 0; i < list->count(); ++i)
            if (list->item(i)->data(Qt::UserRole).toString() == "demo") list->item(i)->setCheckState(Qt::Checked);
        tab->form()->compareCombo()->setCurrentIndex(tab->form()->compareCombo()->findData("base"));
        QVERIFY2(tab->validateNow().join('\n').contains("checkpoint"), qPrintable(tab->generalProblemsText()));
        tab->form()->compareCombo()->setCurrentIndex(0);
        // A judge that is no reward model: the model folder has no value head.
        tab->form()->judgeDirEdit()->setText(QString::fromStdString(ui_model_dir()));
        QVERIFY2(tab->validateNow().join('\n').contains("value_head.safetensors"), qPrintable(tab->generalProblemsText()));
        QVERIFY(tab->generalProblemsText().contains("judge"));
        QVERIFY(!tab->startButton()->isEnabled());
        tab->start();
        QVERIFY(!w.evaluateController()->isRunning());
        tab->form()->judgeDirEdit()->clear();
        QVERIFY(tab->validateNow().isEmpty());
        // The engine's own checks: a model folder that is not one.
        w.modelBar()->setModelPath(QString::fromStdString(scratch_dir() + "/no-such-model"));
        QVERIFY2(!tab->validateNow().isEmpty(), "a missing model folder is a problem before Start");
        QVERIFY(tab->generalProblemsText().contains("no-such-model"));
        // A new model from scratch has nothing to evaluate.
        w.modelBar()->setNewModel("tiny");
        QVERIFY(!tab->validateNow().isEmpty());
        QVERIFY(!tab->startButton()->isEnabled());
        // The checks that run by themselves after a change come to the same.
        w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
        QVERIFY(wait_until([&] { return tab->startButton()->isEnabled(); }, 10000));
    }

    void yamlPreviewSaveAndLoad() {
        ui::MainWindow w;
        w.show();
        Settings s;
        s.maxSamples = 7;
        s.batch = 3;
        s.maxNewTokens = 16;
        s.compare = "base";
        s.checkpoint = QString::fromStdString(ui_make_adapter("eval-yaml-adapter", 3));
        s.output = scratch_dir() + "/eval yaml";  // a space: quoted in the YAML
        s.judge = QString::fromStdString(scratch_dir() + "/rm judge");
        fill_settings(w, s);
        ui::EvaluateTab* tab = w.evaluateTab();
        const QString yaml = tab->configYaml();
        for (const char* line : {"do_predict: true", "do_train: false", "stage: sft", "predict_with_generate: true",
                                 "eval_dataset: \"demo\"", "max_samples: 7", "per_device_eval_batch_size: 3",
                                 "max_new_tokens: 16", "do_sample: false", "lathe_compare: \"base\"", "template: \"chatml\""})
            QVERIFY2(yaml.contains(line), qPrintable(yaml));
        QVERIFY(yaml.contains("output_dir: \"" + QString::fromStdString(s.output) + "\""));
        QVERIFY(yaml.contains("adapter_name_or_path: \"" + s.checkpoint + "\""));
        QVERIFY2(yaml.contains("lathe_judge: \"" + s.judge + "\""), qPrintable(yaml));
        QCOMPARE(QString::fromStdString(tab->currentConfig().judge), s.judge);

        // The preview dialog shows that YAML and the command.
        QString shownYaml, shownCommand;
        QTimer::singleShot(0, [&] {
            for (QWidget* top : QApplication::topLevelWidgets()) {
                auto* dlg = qobject_cast<QDialog*>(top);
                if (!dlg || !dlg->isVisible()) continue;
                if (auto* y = dlg->findChild<QPlainTextEdit*>("yaml")) shownYaml = y->toPlainText();
                if (auto* c = dlg->findChild<QLineEdit*>("command")) shownCommand = c->text();
                dlg->reject();
            }
        });
        tab->previewCommand();
        QCOMPARE(shownYaml, yaml);
        QCOMPARE(shownCommand, QString("lathe-cli train predict.yaml"));

        // Saved, changed, loaded: the same settings again.
        const QString path = QString::fromStdString(scratch_dir() + "/predict.yaml");
        QString error;
        QVERIFY2(tab->saveConfigFile(path, &error), qPrintable(error));
        QCOMPARE(QString::fromStdString(read_file(path.toStdString())), yaml);
        QVERIFY(tab->commandLine().endsWith(path));
        tab->form()->maxSamplesBox()->setValue(99);
        tab->form()->compareCombo()->setCurrentIndex(0);
        tab->form()->judgeDirEdit()->clear();
        QVERIFY(!tab->configYaml().contains("lathe_judge"));
        w.modelBar()->setCheckpoint(QString());
        QVERIFY2(tab->loadConfigFile(path, &error), qPrintable(error));
        QCOMPARE(tab->configYaml(), yaml);
        QCOMPARE(w.modelBar()->checkpoint(), s.checkpoint);
        QCOMPARE(tab->form()->judgeDirEdit()->text(), s.judge);
        PredictConfig parsed;
        QStringList ignored;
        QVERIFY(ui::parse_predict_yaml(yaml, "predict.yaml", &parsed, &ignored, &error));
        QCOMPARE(QString::fromStdString(parsed.judge), s.judge);
        QVERIFY2(ignored.isEmpty(), qPrintable(ignored.join(", ")));

        // Not a prediction config: refused with the reason, nothing changed.
        const std::string training = scratch_dir() + "/train.yaml";
        write_file_atomic(training, "model_name_or_path: x\nstage: dpo\ndo_train: true\nmax_samples: many\n");
        QVERIFY(!tab->loadConfigFile(QString::fromStdString(training), &error));
        QVERIFY2(error.contains("max_samples") && error.contains("stage") && error.contains("do_predict"), qPrintable(error));
        QCOMPARE(tab->configYaml(), yaml);
        // Keys from LLaMA-Factory that mean nothing here are named, not fatal.
        const std::string extra = scratch_dir() + "/extra.yaml";
        write_file_atomic(extra, yaml.toStdString() + "finetuning_type: lora\nreport_to: none\n");
        QVERIFY2(tab->loadConfigFile(QString::fromStdString(extra), &error), qPrintable(error));
        QVERIFY2(tab->noticeText().contains("finetuning_type, report_to"), qPrintable(tab->noticeText()));
    }

    void judgesTheAnswersWithARewardModel() {
        // A reward model without training: an adapter of the test model with a random value head beside it.
        const std::string judge = ui_make_adapter("eval-judge", 11);
        save_value_head(ValueHead(32, c10::Device(c10::kCPU), 5), judge);
        ui::MainWindow w;
        w.show();
        Settings s;
        s.compare = "base";
        s.checkpoint = QString::fromStdString(ui_make_adapter("eval-judged-adapter", 7));
        s.judge = QString::fromStdString(judge);
        s.output = scratch_dir() + "/eval-judged";
        fill_settings(w, s);
        ui::EvaluateTab* tab = w.evaluateTab();
        QCOMPARE(QString::fromStdString(tab->currentConfig().judge), s.judge);
        const PredictSummary r = runToTheEnd(w, 180000);
        QVERIFY2(r.status == PredictSummary::Status::Completed, r.message.c_str());
        QVERIFY(r.has_judge && r.has_compare);

        // Metrics: a Reward row (A, B, A − B) and the win rate after the scores, samples and rate.
        QTableWidget* m = tab->metricsTable();
        QCOMPARE(m->rowCount(), 10);
        QCOMPARE(m->verticalHeaderItem(8)->text(), QString("Reward"));
        QCOMPARE(m->verticalHeaderItem(9)->text(), QString("Win rate (A over B)"));
        QCOMPARE(metric(m, 8, 0), QString::number(r.reward, 'f', 2).toDouble());
        QCOMPARE(metric(m, 8, 1), QString::number(r.reward_b, 'f', 2).toDouble());
        QVERIFY(std::abs(m->item(8, 2)->text().toDouble() - (metric(m, 8, 0) - metric(m, 8, 1))) < 0.011);
        QCOMPARE(metric(m, 9, 0), QString::number(r.win_rate, 'f', 2).toDouble());
        QVERIFY(r.win_rate >= 0 && r.win_rate <= 100);
        QCOMPARE(m->item(9, 1)->text(), QString());

        // Predictions: reward columns after the A/B ones, holding the rewards written to the JSONL.
        ui::PredictionTable* table = tab->predictions();
        QVERIFY(table->hasJudge());
        QCOMPARE(table->columnCount(), int(ui::PredictionTable::ColumnCount));
        const int reward = table->columnOf(ui::PredictionTable::Reward);
        const int rewardB = table->columnOf(ui::PredictionTable::RewardB);
        const int delta = table->columnOf(ui::PredictionTable::DeltaReward);
        QCOMPARE(reward, int(ui::PredictionTable::Reward));
        QCOMPARE(table->headerData(reward, Qt::Horizontal).toString(), QString("Reward\nA"));
        const QStringList written = lines(s.output + "/generated_predictions.jsonl");
        QCOMPARE(written.size(), 4);
        QCOMPARE(table->rowCount(), 4);
        bool differ = false;
        for (int i = 0; i < 4; ++i) {
            const auto j = nlohmann::json::parse(written[i].toStdString());
            QVERIFY2(j.contains("reward") && j.contains("reward_b"), j.dump().c_str());
            const double a = table->index(i, reward).data(ui::PredictionTable::SortRole).toDouble();
            const double b = table->index(i, rewardB).data(ui::PredictionTable::SortRole).toDouble();
            QCOMPARE(a, j["reward"].get<double>());
            QCOMPARE(b, j["reward_b"].get<double>());
            QCOMPARE(table->index(i, reward).data().toString(), QString::number(a, 'f', 2));
            QVERIFY(std::abs(table->index(i, delta).data(ui::PredictionTable::SortRole).toDouble() - (a - b)) < 1e-12);
            differ |= a != b;
        }
        QVERIFY2(differ, "A's and B's answers differ, and so do their rewards");
        // The reward columns sort numerically.
        tab->predictionsView()->sortByColumn(delta, Qt::AscendingOrder);
        QVERIFY(ascending(viewColumn(tab, delta)));

        // Exports carry the rewards.
        QString error;
        const QString csvPath = QString::fromStdString(scratch_dir() + "/eval-judged.csv");
        QVERIFY2(tab->exportCsv(csvPath, &error), qPrintable(error));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QVector<QStringList> records = parseCsv(QString::fromUtf8(csv.readAll()));
        QCOMPARE(records.size(), 5);
        QCOMPARE(records[0].mid(records[0].size() - 3), (QStringList{"reward", "reward_b", "delta_reward"}));
        const std::string jsonlPath = scratch_dir() + "/eval-judged.jsonl";
        QVERIFY2(tab->exportJsonl(QString::fromStdString(jsonlPath), &error), qPrintable(error));
        const auto first = nlohmann::json::parse(lines(jsonlPath)[0].toStdString());
        QVERIFY2(first.contains("reward") && first.contains("reward_b") && first.contains("delta_reward"), first.dump().c_str());

        // Open results… shows the rewards again, with the same means.
        ui::MainWindow other;
        QVERIFY2(other.evaluateTab()->openResults(QString::fromStdString(s.output + "/generated_predictions.jsonl"), &error),
                 qPrintable(error));
        QVERIFY(other.evaluateTab()->predictions()->hasJudge());
        QTableWidget* om = other.evaluateTab()->metricsTable();
        QCOMPARE(om->rowCount(), 10);
        QVERIFY(std::abs(metric(om, 8, 0) - metric(m, 8, 0)) < 0.011);
        QCOMPARE(metric(om, 9, 0), metric(m, 9, 0));
    }

    void rewardColumnsWithoutComparison() {
        // Without B the reward follows ROUGE-L directly; nothing of B's is shown.
        ui::PredictionTable table;
        table.reset(false, true);
        PredictRow r;
        r.judged = true;
        r.reward = -1.25;
        table.append({r});
        QCOMPARE(table.columnCount(), int(ui::PredictionTable::RougeL) + 2);
        QCOMPARE(table.columnOf(ui::PredictionTable::Reward), int(ui::PredictionTable::RougeL) + 1);
        QCOMPARE(table.columnOf(ui::PredictionTable::RewardB), -1);
        QCOMPARE(table.columnOf(ui::PredictionTable::PredictB), -1);
        const int col = table.columnOf(ui::PredictionTable::Reward);
        QCOMPARE(table.headerData(col, Qt::Horizontal).toString(), QString("Reward"));
        QCOMPARE(table.index(0, col).data().toString(), QString("-1.25"));
        QCOMPARE(table.index(0, col).data(ui::PredictionTable::SortRole).toDouble(), -1.25);
        const QVector<QStringList> records = parseCsv(QString::fromUtf8(ui::predictions_csv({&r}, false, true)));
        QCOMPARE(records[0].last(), QString("reward"));
        QCOMPARE(records[1].last(), QString("-1.2500"));
        QVERIFY(!records[0].contains("reward_b"));
    }

    void csvQuotesWhatItMust() {
        QCOMPARE(ui::csv_field("plain"), QString("plain"));
        QCOMPARE(ui::csv_field("a,b"), QString("\"a,b\""));
        QCOMPARE(ui::csv_field("say \"hi\""), QString("\"say \"\"hi\"\"\""));
        QCOMPARE(ui::csv_field("two\nlines"), QString("\"two\nlines\""));
        QCOMPARE(ui::csv_field(" edge"), QString("\" edge\""));
        QCOMPARE(ui::csv_field(QString::fromUtf8("안녕")), QString::fromUtf8("안녕"));
        PredictRow r;
        r.prompt = "a \"quoted\", multi\nline prompt";
        r.label = "x";
        const QVector<QStringList> records = parseCsv(QString::fromUtf8(ui::predictions_csv({&r}, false, false)));
        QCOMPARE(records.size(), 2);
        QCOMPARE(records[1][2], QString::fromStdString(r.prompt));
    }

    void settingsAreRemembered() {
        {
            ui::MainWindow w;
            w.show();
            Settings s;
            s.maxSamples = 11;
            s.maxNewTokens = 21;
            s.output = scratch_dir() + "/eval-remembered";
            fill_settings(w, s);
        }
        ui::MainWindow again;
        ui::EvaluateForm* f = again.evaluateTab()->form();
        QCOMPARE(f->maxSamplesBox()->value(), 11);
        QCOMPARE(f->maxNewTokensBox()->value(), 21);
        QCOMPARE(f->datasetDirEdit()->text(), QString::fromStdString(ui_dataset_dir()));
        QCOMPARE(QString::fromStdString(again.evaluateTab()->currentConfig().dataset), QString("demo"));
        QCOMPARE(f->outputDirEdit()->text(), QString::fromStdString(scratch_dir() + "/eval-remembered"));
    }
};

LATHE_TEST(TestUiEvaluate)
#include "test_ui_evaluate.moc"
