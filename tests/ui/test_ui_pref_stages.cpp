// The Train tab's preference stages: the stage list offers rm, dpo and kto (not ppo), each lists only
// the datasets it can train on and shows the settings it reads, and a short DPO run from the tab ends.
#include "core/train/train_config.h"
#include "core/util/fs.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/train_controller.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"

#include <QComboBox>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTest>

#include <filesystem>

namespace fs = std::filesystem;
using namespace lathe;
using namespace lathe::test;

namespace {

// The fixture's datasets plus a KTO set (answers tagged good or bad).
const std::string& prefDatasetDir() {
    static const std::string dir = [] {
        const std::string d = scratch_dir() + "/pref-datasets";
        fs::create_directories(d);
        for (const char* f : {"demo.json", "demo_pairs.json", "demo_text.txt"})
            fs::copy_file(ui_dataset_dir() + "/" + f, d + "/" + f, fs::copy_options::overwrite_existing);
        write_file_atomic(d + "/demo_kto.json",
                          "[{\"instruction\": \"Say hello.\", \"output\": \"Hello there!\", \"tag\": true},\n"
                          " {\"instruction\": \"Say hello.\", \"output\": \"No.\", \"tag\": false}]\n");
        write_file_atomic(d + "/dataset_info.json",
                          "{\n  \"demo\": {\"file_name\": \"demo.json\"},\n"
                          "  \"demo_text\": {\"file_name\": \"demo_text.txt\", \"columns\": {\"prompt\": \"text\"}},\n"
                          "  \"demo_pairs\": {\"file_name\": \"demo_pairs.json\", \"ranking\": true,\n"
                          "    \"columns\": {\"prompt\": \"instruction\", \"chosen\": \"chosen\", \"rejected\": \"rejected\"}},\n"
                          "  \"demo_kto\": {\"file_name\": \"demo_kto.json\",\n"
                          "    \"columns\": {\"prompt\": \"instruction\", \"response\": \"output\", \"kto_tag\": \"tag\"}}\n}\n");
        return d;
    }();
    return dir;
}

// The datasets the folder offers for the stage (a ticked one it does not offer is listed with a note).
QStringList listed(const ui::TrainForm* f) {
    QStringList out;
    for (int i = 0; i < f->datasetList()->count(); ++i) {
        const QListWidgetItem* item = f->datasetList()->item(i);
        if (item->text() == item->data(Qt::UserRole).toString()) out << item->text();
    }
    return out;
}

void setStage(ui::TrainForm* f, const char* stage) {
    auto* box = qobject_cast<QComboBox*>(f->editor("stage"));
    box->setCurrentIndex(box->findData(QString(stage)));
}

void setDatasetDir(ui::TrainForm* f, const std::string& dir) {
    auto* edit = qobject_cast<QLineEdit*>(f->editor("dataset_dir"));
    edit->selectAll();
    QTest::keyClicks(edit, QString::fromStdString(dir));
}

}  // namespace

class TestUiPrefStages : public QObject {
    Q_OBJECT
private slots:
    void theStageListOffersRmDpoKtoButNotPpo() {
        ui::MainWindow w;
        auto* box = qobject_cast<QComboBox*>(w.trainTab()->form()->editor("stage"));
        auto* model = qobject_cast<QStandardItemModel*>(box->model());
        auto* view = qobject_cast<QListView*>(box->view());
        QVERIFY(model && view);
        auto offered = [&](const char* stage) {
            const int i = box->findData(QString(stage));
            return i >= 0 && model->item(i)->isEnabled() && !view->isRowHidden(i);
        };
        for (const char* s : {"pt", "sft", "rm", "dpo", "kto"}) QVERIFY2(offered(s), s);
        QVERIFY(!offered("ppo"));
    }

    void eachStageListsItsDatasetsAndShowsItsSettings() {
        ui::MainWindow w;
        ui::TrainForm* f = w.trainTab()->form();
        setDatasetDir(f, prefDatasetDir());
        setStage(f, "sft");
        QVERIFY(listed(f).contains("demo"));
        QVERIFY(!listed(f).contains("demo_pairs"));
        QVERIFY(!f->isFieldShown("pref_beta"));

        setStage(f, "dpo");
        QCOMPARE(listed(f), QStringList{"demo_pairs"});  // ranking sets only
        for (const char* k : {"pref_beta", "pref_loss", "pref_ftx", "dpo_label_smoothing", "precompute_ref_log_probs"})
            QVERIFY2(f->isFieldShown(k), k);
        for (const char* k : {"kto_chosen_weight", "kto_rejected_weight", "simpo_gamma"}) QVERIFY2(!f->isFieldShown(k), k);
        // SimPO's margin appears with the SimPO loss; label smoothing is sigmoid's.
        auto* loss = qobject_cast<QComboBox*>(f->editor("pref_loss"));
        loss->setCurrentIndex(loss->findData("simpo"));
        QVERIFY(f->isFieldShown("simpo_gamma"));
        QVERIFY(!f->isFieldShown("dpo_label_smoothing"));
        QVERIFY(!f->isFieldShown("precompute_ref_log_probs"));  // SimPO has no reference model

        setStage(f, "kto");
        QCOMPARE(listed(f), QStringList{"demo_kto"});
        for (const char* k : {"pref_beta", "pref_ftx", "kto_chosen_weight", "kto_rejected_weight"}) QVERIFY2(f->isFieldShown(k), k);
        QVERIFY(!f->isFieldShown("pref_loss"));

        setStage(f, "rm");
        QCOMPARE(listed(f), QStringList{"demo_pairs"});
        QVERIFY(!f->isFieldShown("pref_beta"));  // a reward model reads none of the preference settings
    }

    void aProblemOfAHiddenPreferenceFieldIsStillShown() {
        ui::MainWindow w;
        TrainConfig c = ui_train_config(scratch_dir() + "/pref-hidden", 2);
        c.stage = "rm";
        c.dataset = "demo_pairs";
        c.pref_beta = -1;  // rm does not read it, but validate() refuses it
        w.trainTab()->loadConfig(c);
        w.trainTab()->validateNow();
        QVERIFY2(w.trainTab()->generalProblemsText().contains("pref_beta"), qPrintable(w.trainTab()->generalProblemsText()));
        QVERIFY(!w.trainTab()->startButton()->isEnabled());
    }

    void aShortDpoRunFinishes() {
        ui::MainWindow w;
        w.show();
        const std::string out = scratch_dir() + "/pref-dpo-run";
        w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
        w.modelBar()->setMethod("lora", 0);
        w.modelBar()->setTemplateName("chatml");
        ui::TrainForm* f = w.trainTab()->form();
        setDatasetDir(f, prefDatasetDir());
        setStage(f, "dpo");
        QListWidget* list = f->datasetList();
        for (int i = 0; i < list->count(); ++i) {  // the starter's identity set is not in this folder
            const bool pairs = list->item(i)->data(Qt::UserRole).toString() == "demo_pairs";
            list->item(i)->setCheckState(pairs ? Qt::Checked : Qt::Unchecked);
        }
        QCOMPARE(f->value("dataset"), QString("demo_pairs"));
        qobject_cast<QSpinBox*>(f->editor("max_steps"))->setValue(3);
        qobject_cast<QSpinBox*>(f->editor("logging_steps"))->setValue(1);
        qobject_cast<QSpinBox*>(f->editor("cutoff_len"))->setValue(64);
        qobject_cast<QSpinBox*>(f->editor("per_device_train_batch_size"))->setValue(2);
        qobject_cast<QSpinBox*>(f->editor("gradient_accumulation_steps"))->setValue(1);
        qobject_cast<QSpinBox*>(f->editor("threads"))->setValue(1);
        auto* o = qobject_cast<QLineEdit*>(f->editor("output_dir"));
        o->selectAll();
        QTest::keyClicks(o, QString::fromStdString(out));
        ui::TrainTab* tab = w.trainTab();
        QVERIFY2(tab->validateNow().isEmpty(), qPrintable(tab->problems().value(0).second));
        QCOMPARE(tab->currentConfig().stage, std::string("dpo"));
        QSignalSpy finished(w.trainController(), &ui::TrainController::finished);
        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY(wait_until([&] { return finished.count() == 1; }, 120000));
        const auto r = finished.at(0).at(0).value<ui::RunResult>();
        QVERIFY2(r.status == ui::RunResult::Completed, qPrintable(r.message));
        QCOMPARE(r.steps, qint64(3));
        QVERIFY(std::isfinite(r.trainLoss));
        QVERIFY(fs::exists(out + "/adapter_model.safetensors"));
        QVERIFY(tab->logView()->toPlainText().contains("reference"));  // DPO says what it compares against
    }
};

LATHE_TEST(TestUiPrefStages)
#include "test_ui_pref_stages.moc"
