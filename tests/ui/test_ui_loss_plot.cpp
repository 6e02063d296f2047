// The loss plot widget and run-dir curves: smoothing against the formula, batched redraws, overlays,
// PNG export, and run folders read from trainer_log.jsonl and overlaid in the Train tab.
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/run_curve.h"
#include "ui/train_tab.h"
#include "widgets/loss_plot.h"

#include <qcustomplot.h>

#include <QImage>
#include <QLabel>
#include <QTest>

#include <cmath>

using namespace lathe;
using namespace lathe::test;

class TestUiLossPlot : public QObject {
    Q_OBJECT
private slots:
    void smoothingIsABiasCorrectedMovingAverage() {
        const QVector<double> raw = {4, 2, 3, 1, 1.5};
        const double w = 0.6;
        const auto s = widgets::LossPlot::smooth(raw, w);
        QCOMPARE(s.size(), raw.size());
        double ema = 0;
        for (int i = 0; i < raw.size(); ++i) {
            ema = w * ema + (1 - w) * raw[i];
            QVERIFY(std::abs(s[i] - ema / (1 - std::pow(w, i + 1))) < 1e-12);
        }
        QCOMPARE(s[0], raw[0]);  // the first point is the point itself
        QCOMPARE(widgets::LossPlot::smooth(raw, 0.0), raw);
    }

    void pointsAreBatchedIntoFewRedraws() {
        widgets::LossPlot plot;
        plot.resize(600, 400);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        const int before = plot.replotCount();
        for (int i = 1; i <= 1000; ++i) plot.addLoss(i, 1.0 / i, 1e-3);
        QCOMPARE(plot.replotCount(), before);  // nothing is drawn per point
        QTRY_VERIFY_WITH_TIMEOUT(plot.replotCount() == before + 1, 2000);
        QCOMPARE(plot.lossPointCount(), 1000);
        plot.addEval(500, 0.3);
        QCOMPARE(plot.evalPointCount(), 1);
        const QString png = QString::fromStdString(scratch_dir()) + "/plot.png";
        QVERIFY(plot.savePng(png, 640, 360));
        QImage img(png);
        QCOMPARE(img.size(), QSize(640, 360));
    }

    // A short run whose only logged rate is the schedule's final 0: the rate axis starts at 0, not below.
    void theRateAxisNeverShowsNegativeRates() {
        widgets::LossPlot plot;
        plot.resize(600, 400);
        plot.addLoss(2, 5.4, 0.0);
        plot.fitToData();
        QVERIFY2(plot.plot()->yAxis2->range().lower >= 0, qPrintable(QString::number(plot.plot()->yAxis2->range().lower)));
        QVERIFY(plot.plot()->yAxis2->range().upper > 0);
        // A loss can be anything: its axis is not clamped.
        plot.addLoss(4, -1.0, 1e-3);
        plot.fitToData();
        QVERIFY(plot.plot()->yAxis->range().lower < -1.0);
        QCOMPARE(plot.plot()->yAxis2->range().lower, 0.0);
    }

    void overlaysComeAndGo() {
        widgets::LossPlot plot;
        widgets::CurveData a, b;
        a.steps = {1, 2, 3};
        a.loss = {3, 2, 1};
        b.steps = {1, 2};
        b.loss = {5, 4};
        b.evalSteps = {2};
        b.evalLoss = {4.5};
        plot.setOverlay("a", "run a", a);
        plot.setOverlay("b", "run b", b);
        QCOMPARE(plot.overlayKeys().size(), 2);
        plot.setOverlay("a", "run a again", a);  // replaced, not added
        QCOMPARE(plot.overlayKeys().size(), 2);
        plot.removeOverlay("a");
        QCOMPARE(plot.overlayKeys(), QStringList{"b"});
        plot.clearOverlays();
        QVERIFY(plot.overlayKeys().isEmpty());
    }

    void runFoldersShowAndOverlayTheirCurves() {
        const std::string run1 = ui_make_run_log("runs/model/lora/run-1", 25);
        const std::string run2 = ui_make_run_log("runs/model/lora/run-2", 10);
        widgets::CurveData data;
        QVERIFY(ui::read_run_curve(QString::fromStdString(run1), &data));
        QCOMPARE(data.steps.size(), 25);
        QCOMPARE(data.loss.at(4), 2.0 / 5);
        QCOMPARE(data.evalLoss, QVector<double>{0.5});
        // A checkpoint folder stands for its run.
        QCOMPARE(ui::run_dir_of(QString::fromStdString(run1) + "/checkpoint-5"), QString::fromStdString(run1));

        ui::MainWindow w;
        ui::TrainTab* tab = w.trainTab();
        QVERIFY(tab->showRun(QString::fromStdString(run1)));
        QCOMPARE(tab->plot()->lossPointCount(), 25);
        auto* status = tab->findChild<QLabel*>("runStatus");
        QVERIFY(status);
        QCOMPARE(status->text(), "Showing " + QString::fromStdString(run1) + " (25 logged steps)");
        // One logged step is said in the singular (a short run's header said "1 logged steps").
        const std::string one = ui_make_run_log("runs/short/lora/run-0", 1);
        QVERIFY(tab->showRun(QString::fromStdString(one)));
        QCOMPARE(status->text(), "Showing " + QString::fromStdString(one) + " (1 logged step)");
        QVERIFY(tab->showRun(QString::fromStdString(run1)));
        QCOMPARE(tab->plot()->evalPointCount(), 1);
        QVERIFY(tab->overlayRun(QString::fromStdString(run2)));
        QVERIFY(tab->overlayRun(QString::fromStdString(run1)));
        QCOMPARE(tab->plot()->overlayKeys().size(), 2);
        QString error;
        QVERIFY(!ui::read_run_curve(QString::fromStdString(scratch_dir()), &data, &error));
        QVERIFY2(error.contains("trainer_log.jsonl"), qPrintable(error));

        // The model bar lists the runs of its model under the saves folder; choosing one shows its curve.
        w.modelBar()->setSavesRoot(QString::fromStdString(scratch_dir() + "/runs"));
        w.modelBar()->setModelPath(QString::fromStdString(scratch_dir() + "/model"));
        QCOMPARE(w.modelBar()->runDirs().size(), 2);
        w.modelBar()->setCheckpoint(QString::fromStdString(run2));
        QCOMPARE(tab->plot()->lossPointCount(), 10);
    }
};

LATHE_TEST(TestUiLossPlot)
#include "test_ui_loss_plot.moc"
