// The model bar shows the precision the Train tab's settings get on this machine, with the engine's
// reason in its tooltip, and follows the bf16 / pure_bf16 fields and the method at once.
#include "core/train/precision.h"
#include "core/train/train_config.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QTest>

using namespace lathe;
using namespace lathe::test;

class TestUiPrecision : public QObject {
    Q_OBJECT
private slots:
    void modelBarFollowsTheBf16Field() {
        ui::MainWindow w;
        w.show();
        ui::TrainTab* tab = w.trainTab();
        ui::ModelBar* bar = w.modelBar();
        tab->loadConfig(ui_train_config(scratch_dir() + "/precision-never-run", 5));  // LoRA, bf16: false
        auto* label = bar->findChild<QLabel*>("precision");
        QVERIFY(label && label->isVisible());
        QCOMPARE(bar->precisionText(), QString("Precision: fp32"));
        QVERIFY2(bar->precisionToolTip().contains("fp32 (bf16: false)"), qPrintable(bar->precisionToolTip()));

        auto* bf16 = qobject_cast<QComboBox*>(tab->form()->editor("bf16"));
        QVERIFY(bf16);
        bf16->setCurrentIndex(bf16->findData("true"));
        QCOMPARE(bar->precisionText(), QString("Precision: bf16"));
        QVERIFY(bar->precisionToolTip().contains("bf16 (bf16: true)"));
        QVERIFY2(bar->precisionToolTip().contains("frozen base weights in bf16"), qPrintable(bar->precisionToolTip()));
        // Where bf16 is emulated the bar says so (and turns red); where it is native it does not.
        TrainConfig on = tab->currentConfig();
        const bool slow = !decide_precision(on).warning.message.empty();
        QCOMPARE(bar->precisionToolTip().contains("Warning:"), slow);

        // The method changes what is held in bf16.
        bar->setMethod("freeze", 0);
        QVERIFY2(bar->precisionToolTip().contains("frozen weights in bf16; trainable layers"),
                 qPrintable(bar->precisionToolTip()));

        // auto: whatever the engine decides for this machine, with its reason.
        bf16->setCurrentIndex(bf16->findData("auto"));
        const Precision expected = decide_precision(tab->currentConfig());
        QVERIFY(expected.reason.message.find("(auto: ") != std::string::npos);
        QCOMPARE(bar->precisionText(), QString("Precision: %1").arg(QString::fromStdString(expected.name())));
        QVERIFY(bar->precisionToolTip().contains(QString::fromStdString(expected.reason.message)));

        auto* pure = qobject_cast<QCheckBox*>(tab->form()->editor("pure_bf16"));
        QVERIFY(pure);
        pure->setChecked(true);
        QCOMPARE(bar->precisionText(), QString("Precision: pure bf16"));
        pure->setChecked(false);
        QCOMPARE(bar->precisionText(), QString("Precision: %1").arg(QString::fromStdString(expected.name())));

        // A device that is not here: the bar does not guess.
        tab->form()->setValue("device", "cuda:7");
        if (!torch::cuda::is_available()) QCOMPARE(bar->precisionText(), QString("Precision: ?"));
    }

    // A config file without bf16 loads as auto (the default), one with bf16: false as off.
    void loadedConfigsKeepTheirSetting() {
        ui::MainWindow w;
        ui::TrainTab* tab = w.trainTab();
        TrainConfig c = ui_train_config(scratch_dir() + "/precision-never-run-2", 5);
        c.bf16 = Toggle::Auto;
        tab->loadConfig(c);
        QCOMPARE(tab->form()->value("bf16"), QString("auto"));
        QVERIFY(tab->currentConfig().bf16 == Toggle::Auto);
        c.bf16 = Toggle::Off;
        tab->loadConfig(c);
        QCOMPARE(tab->form()->value("bf16"), QString("false"));
        QCOMPARE(w.modelBar()->precisionText(), QString("Precision: fp32"));
    }
};

LATHE_TEST(TestUiPrecision)
#include "test_ui_precision.moc"
