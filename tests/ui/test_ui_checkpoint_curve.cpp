// The Evaluate tab's checkpoint curve with real widgets: a run folder with two LoRA checkpoints and final
// weights; choosing one of its checkpoints in the model bar names the run; "Evaluate every checkpoint"
// predicts each, plots the metric against the step, marks the best and lists every point; "Use best"
// puts that checkpoint in the model bar; a new window reloads the saved curve without predicting; a
// damaged checkpoint_curve.json is named, not fatal.
#include "core/eval/checkpoint_curve.h"
#include "core/io/json_file.h"
#include "core/util/fs.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/checkpoint_curve_panel.h"
#include "ui/evaluate_controller.h"
#include "ui/evaluate_form.h"
#include "ui/evaluate_tab.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"

#include <nlohmann/json.hpp>
#include <qcustomplot.h>

#include <QComboBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>

#include <filesystem>

using namespace lathe;
using namespace lathe::test;
namespace fs = std::filesystem;

namespace {

// run/checkpoint-5, run/checkpoint-10 and the run's final weights (step 15): three different adapters.
std::string makeRun() {
    const std::string run = scratch_dir() + "/curve-ui-run";
    fs::remove_all(run);
    fs::create_directories(run);
    fs::copy(ui_make_adapter("curve-a", 3), run + "/checkpoint-5", fs::copy_options::recursive);
    fs::copy(ui_make_adapter("curve-b", 4), run + "/checkpoint-10", fs::copy_options::recursive);
    fs::copy(ui_make_adapter("curve-c", 5), run, fs::copy_options::recursive);
    write_file_atomic(run + "/trainer_state.json", R"({"global_step": 15})");
    return run;
}

void fill(ui::MainWindow& w, const QString& checkpoint) {
    w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
    w.modelBar()->setTemplateName("chatml");
    w.modelBar()->setCheckpoint(checkpoint);
    w.tabs()->setCurrentWidget(w.evaluateTab());
    ui::EvaluateForm* f = w.evaluateTab()->form();
    f->datasetDirEdit()->clear();
    QTest::keyClicks(f->datasetDirEdit(), QString::fromStdString(ui_dataset_dir()));
    QListWidget* list = f->datasetList();
    for (int i = 0; i < list->count(); ++i)
        list->item(i)->setCheckState(list->item(i)->data(Qt::UserRole).toString() == "demo" ? Qt::Checked : Qt::Unchecked);
    f->maxSamplesBox()->setValue(3);
    f->batchSizeBox()->setValue(3);
    f->maxNewTokensBox()->setValue(6);
    f->compareCombo()->setCurrentIndex(f->compareCombo()->findData(QString("base")));  // ignored by a curve
}

}  // namespace

class TestUiCheckpointCurve : public QObject {
    Q_OBJECT
private slots:
    void evaluatesEveryCheckpointAndReloads() {
        const std::string run = makeRun();
        const QString qrun = QString::fromStdString(run);
        ui::MainWindow w;
        w.show();
        fill(w, qrun + "/checkpoint-10");
        ui::EvaluateTab* tab = w.evaluateTab();
        ui::CheckpointCurvePanel* panel = tab->curvePanel();
        QCOMPARE(panel->runDir(), qrun);
        QCOMPARE(panel->checkpointCount(), 3);
        QVERIFY(panel->points().empty());
        QVERIFY(panel->evaluateButton()->isEnabled());
        QVERIFY(!panel->useBestButton()->isEnabled());

        QSignalSpy finished(w.evaluateController(), &ui::EvaluateController::curveFinished);
        const QStringList problems = tab->validateNow();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(" | ")));
        QTest::mouseClick(panel->evaluateButton(), Qt::LeftButton);
        QCOMPARE(tab->resultPages()->currentWidget(), static_cast<QWidget*>(panel));
        QVERIFY(!panel->evaluateButton()->isEnabled());  // running
        QVERIFY(tab->abortButton()->isEnabled());
        QVERIFY(wait_until([&] { return finished.count() == 1; }, 240000));
        const CurveSummary s = finished.at(0).at(0).value<CurveSummary>();
        QVERIFY2(s.status == PredictSummary::Status::Completed, s.message.c_str());
        QCOMPARE(s.predicted, size_t{3});

        // Three points by step, each that checkpoint's own predict_results.json.
        QCOMPARE(static_cast<int>(panel->points().size()), 3);
        const std::vector<std::pair<int64_t, std::string>> expected = {{5, "checkpoint-5"}, {10, "checkpoint-10"}, {15, "final"}};
        for (int i = 0; i < 3; ++i) {
            const CurvePoint& p = panel->points()[i];
            QCOMPARE(p.step, expected[i].first);
            const auto results = read_json_file(run + "/checkpoint_curve/" + expected[i].second + "/predict_results.json");
            QCOMPARE(p.results.at("predict_rouge-l"), results.at("predict_rouge-l").get<double>());
            QCOMPARE(panel->pointsTable()->item(i, 0)->text(), QString::number(p.step));
            QCOMPARE(panel->pointsTable()->item(i, 5)->text(), QString::number(p.results.at("predict_rouge-l"), 'f', 2));
        }
        QCOMPARE(panel->checkpointDir(0), qrun + "/checkpoint-5");
        QCOMPARE(panel->checkpointDir(2), qrun);
        QCOMPARE(panel->plot()->graph(0)->dataCount(), 3);
        QVERIFY(file_exists(checkpoint_curve_path(run)));
        QVERIFY2(tab->noticeText().contains("checkpoint_curve.json"), qPrintable(tab->noticeText()));

        // The best point is the highest of the chosen metric, marked in the plot and the line under it.
        for (const char* key : {"predict_bleu-4", "predict_rouge-l"}) {
            panel->setMetric(key);
            const int best = panel->bestIndex();
            QVERIFY(best >= 0);
            for (const CurvePoint& p : panel->points())
                QVERIFY(p.results.at(key) <= panel->points()[best].results.at(key));
            QCOMPARE(panel->plot()->graph(1)->dataCount(), 1);
            QCOMPARE(panel->plot()->graph(1)->data()->at(0)->key, double(panel->points()[best].step));
            QVERIFY2(panel->bestText().contains(QString("step %1").arg(panel->points()[best].step)),
                     qPrintable(panel->bestText()));
        }
        const QString bestDir = panel->checkpointDir(panel->bestIndex());
        QVERIFY(panel->useBestButton()->isEnabled());
        QTest::mouseClick(panel->useBestButton(), Qt::LeftButton);
        QCOMPARE(w.modelBar()->checkpoint(), bestDir);
        QCOMPARE(QString::fromStdString(tab->currentConfig().adapter_name_or_path), bestDir);
        QCOMPARE(panel->runDir(), qrun);  // the same run: the curve stays
        QCOMPARE(static_cast<int>(panel->points().size()), 3);

        // Opened again: the saved curve is shown at once, nothing is predicted.
        ui::MainWindow again;
        QSignalSpy started(again.evaluateController(), &ui::EvaluateController::started);
        fill(again, qrun + "/checkpoint-5");
        ui::CheckpointCurvePanel* reopened = again.evaluateTab()->curvePanel();
        QCOMPARE(static_cast<int>(reopened->points().size()), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(reopened->points()[i].results.at("predict_f1"), panel->points()[i].results.at("predict_f1"));
        QCOMPARE(started.count(), 0);

        // Evaluate again with the same settings: every point is reloaded, none predicted. A/B settings that
        // would stop Start (compare with a folder not chosen yet) do not stop a curve, which has no B side.
        QSignalSpy finishedAgain(again.evaluateController(), &ui::EvaluateController::curveFinished);
        ui::EvaluateForm* form = again.evaluateTab()->form();
        form->compareCombo()->setCurrentIndex(form->compareCombo()->findData(QString("folder")));
        form->compareDirEdit()->clear();
        QVERIFY(!again.evaluateTab()->validateNow().isEmpty());
        QVERIFY(again.evaluateTab()->validateNow(true).isEmpty());
        QTest::mouseClick(reopened->evaluateButton(), Qt::LeftButton);
        QVERIFY(wait_until([&] { return finishedAgain.count() == 1; }, 60000));
        const CurveSummary s2 = finishedAgain.at(0).at(0).value<CurveSummary>();
        QVERIFY2(s2.status == PredictSummary::Status::Completed, s2.message.c_str());
        QCOMPARE(s2.predicted, size_t{0});
        QCOMPARE(static_cast<int>(reopened->points().size()), 3);

        // A damaged file is named on the page; the panel stays usable.
        write_file_atomic(checkpoint_curve_path(run), "{ not json");
        ui::MainWindow damaged;
        fill(damaged, qrun);
        ui::CheckpointCurvePanel* broken = damaged.evaluateTab()->curvePanel();
        QVERIFY(broken->points().empty());
        QVERIFY2(broken->noteText().contains("checkpoint_curve.json"), qPrintable(broken->noteText()));
        QVERIFY(broken->evaluateButton()->isEnabled());
    }

    // A checkpoint that cannot be loaded stops the curve with its step and folder, and the loader's problem
    // in the studio's language (here a cut safetensors file, from the Korean studio).
    void aFailedCheckpointIsNamedInKorean() {
        const KoreanUi korean;
        QVERIFY(korean.installed());
        const std::string run = scratch_dir() + "/curve-ui-broken";
        fs::remove_all(run);
        fs::create_directories(run);
        fs::copy(ui_make_adapter("curve-a", 3), run + "/checkpoint-5", fs::copy_options::recursive);
        const std::string weights = run + "/checkpoint-5/adapter_model.safetensors";
        fs::resize_file(weights, 20);  // the header's length and a few bytes of it
        const QString qrun = QString::fromStdString(run);
        ui::MainWindow w;
        fill(w, qrun + "/checkpoint-5");
        ui::EvaluateTab* tab = w.evaluateTab();
        ui::CheckpointCurvePanel* panel = tab->curvePanel();
        QCOMPARE(panel->checkpointCount(), 1);
        QSignalSpy finished(w.evaluateController(), &ui::EvaluateController::curveFinished);
        QTest::mouseClick(panel->evaluateButton(), Qt::LeftButton);
        QVERIFY(wait_until([&] { return finished.count() == 1; }, 60000));
        const CurveSummary s = finished.at(0).at(0).value<CurveSummary>();
        QVERIFY(s.status == PredictSummary::Status::Failed);
        QCOMPARE(s.failed_step, int64_t{5});
        QCOMPARE(s.problem.id, std::string("safetensors_header_too_long"));
        const QString notice = tab->noticeText();
        QVERIFY2(notice.startsWith(QString::fromUtf8("5단계 체크포인트(%1)").arg(qrun + "/checkpoint-5")), qPrintable(notice));
        QVERIFY2(notice.contains(QString::fromUtf8("/checkpoint-5/adapter_model.safetensors: 헤더는 ")), qPrintable(notice));
        QVERIFY2(notice.contains(QString::fromUtf8("바이트라고 하지만 파일은 20바이트입니다")), qPrintable(notice));
        QVERIFY2(!notice.contains("checkpoint at step"), qPrintable(notice));  // not the engine's English
    }

    // Without a checkpoint in the model bar there is no run: the page says so and cannot start.
    void noRunNoCurve() {
        ui::MainWindow w;
        fill(w, QString());
        ui::CheckpointCurvePanel* panel = w.evaluateTab()->curvePanel();
        QVERIFY(panel->runDir().isEmpty());
        QVERIFY(!panel->evaluateButton()->isEnabled());
        QVERIFY(!panel->useBestButton()->isEnabled());
    }
};

LATHE_TEST(TestUiCheckpointCurve)
#include "test_ui_checkpoint_curve.moc"
