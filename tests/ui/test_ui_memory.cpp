// The model bar shows the engine's peak memory estimate for the Train tab's settings and follows them;
// Start warns when the estimate exceeds the memory available, says what to change, and runs on a second
// Start with the same settings.
#include "core/model/model_info.h"
#include "core/train/memory_estimate.h"
#include "core/train/train_config.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/train_controller.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"

#include <QCheckBox>
#include <QLabel>
#include <QPushButton>
#include <QTest>

using namespace lathe;
using namespace lathe::test;

namespace {

QString expected_text(const TrainConfig& c) {
    return QString("Training ≈ %1").arg(QString::fromStdString(format_bytes(estimate_run_memory(c).estimate.peak())));
}

}  // namespace

class TestUiMemory : public QObject {
    Q_OBJECT
private slots:
    void cleanup() { override_available_memory(0); }

    void modelBarFollowsTheSettings() {
        ui::MainWindow w;
        w.show();
        ui::TrainTab* tab = w.trainTab();
        ui::ModelBar* bar = w.modelBar();
        tab->loadConfig(ui_train_config(scratch_dir() + "/memory-never-run", 5));
        auto* label = bar->findChild<QLabel*>("memoryEstimate");
        QVERIFY(label && label->isVisible());
        QCOMPARE(bar->memoryText(), expected_text(tab->currentConfig()));
        QVERIFY2(bar->memoryToolTip().contains("activations"), qPrintable(bar->memoryToolTip()));

        const QString before = bar->memoryText();
        tab->form()->setValue("cutoff_len", "4096");
        tab->form()->setValue("per_device_train_batch_size", "8");
        QCOMPARE(bar->memoryText(), expected_text(tab->currentConfig()));
        QVERIFY(bar->memoryText() != before);
        auto* ckpt = qobject_cast<QCheckBox*>(tab->form()->editor("gradient_checkpointing"));
        QVERIFY(ckpt);
        const uint64_t plain = estimate_run_memory(tab->currentConfig()).estimate.peak();
        ckpt->setChecked(true);
        QVERIFY(estimate_run_memory(tab->currentConfig()).estimate.peak() < plain);
        QCOMPARE(bar->memoryText(), expected_text(tab->currentConfig()));

        bar->setMethod("full", 0);
        QCOMPARE(bar->memoryText(), expected_text(tab->currentConfig()));

        // Two processes: each holds the run and its gradient buckets' copy; the bar says so.
        const uint64_t alone = estimate_run_memory(tab->currentConfig()).estimate.peak();
        tab->form()->setValue("nproc_per_node", "2");
        const uint64_t each = estimate_run_memory(tab->currentConfig()).estimate.peak();
        QVERIFY(each > alone);
        QCOMPARE(bar->memoryText(), QString("Training ≈ %1 x 2 processes").arg(QString::fromStdString(format_bytes(each))));
    }

    void startWarnsWhenTheRunDoesNotFit() {
        override_available_memory(uint64_t(1) << 20);  // a machine with 1 MB free
        ui::MainWindow w;
        w.show();
        ui::TrainTab* tab = w.trainTab();
        tab->loadConfig(ui_train_config(scratch_dir() + "/memory-warned", 3));
        QVERIFY2(w.modelBar()->findChild<QLabel*>("memoryEstimate")->styleSheet().contains("#c0392b"),
                 "the estimate is red when it does not fit");
        QVERIFY2(w.modelBar()->memoryToolTip().contains("is available"), qPrintable(w.modelBar()->memoryToolTip()));

        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY2(tab->noticeText().contains("Memory: this run needs"), qPrintable(tab->noticeText()));
        QVERIFY2(tab->noticeText().contains("gradient checkpointing"), qPrintable(tab->noticeText()));
        QVERIFY2(tab->noticeText().contains("Press Start again"), qPrintable(tab->noticeText()));
        QVERIFY(!w.trainController()->isRunning());

        // Start again, same settings: the user has been told; it runs.
        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY(wait_until([&] { return !w.trainController()->isRunning(); }, 120000));
        QVERIFY2(tab->noticeText().contains("Training finished"), qPrintable(tab->noticeText()));
    }
};

LATHE_TEST(TestUiMemory)
#include "test_ui_memory.moc"
