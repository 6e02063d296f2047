// The dataset Preview shows records as they are trained (labels highlighted, counts as the encoder's),
// and the starter path is ready to Start on a fresh install.
#include "core/train/record_preview.h"
#include "core/data/dataset_loader.h"
#include "core/data/encode.h"
#include "core/data/template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/train_config.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/dataset_preview_dialog.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/studio_paths.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"
#include "widgets/token_view.h"

#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTest>

using namespace lathe;
using namespace lathe::test;

class TestUiPreviewAndStarter : public QObject {
    Q_OBJECT
private slots:
    void previewCountsMatchTheEncoder() {
        const TrainConfig c = ui_train_config(scratch_dir() + "/unused", 5);
        DatasetPreview p(c);
        QCOMPARE(p.size(), size_t(24));
        QCOMPARE(QString::fromStdString(p.template_name()), QString("chatml"));
        auto tok = Tokenizer::from_dir(ui_model_dir());
        auto samples = load_datasets(c.dataset_dir, c.dataset, Stage::Sft).samples;
        for (size_t i : {size_t(0), size_t(9)}) {
            const RecordPreview r = p.record(i);
            QVERIFY2(r.error.empty(), r.error.c_str());
            const Example e = encode_supervised(samples[i], *find_template("chatml"), *tok, {64, false, false, false});
            QCOMPARE(r.tokens, e.token_count());
            QCOMPARE(r.trained_tokens, e.label_count());
            QVERIFY(r.trained_tokens > 0 && r.trained_tokens < r.tokens);
            std::string text;
            for (const auto& piece : r.pieces) text += piece.text;
            // The chat template's markers are in the text the model reads (SentencePiece may add a space).
            QVERIFY2(text.find("<|im_start|>") != std::string::npos && text.find("assistant") != std::string::npos,
                     text.c_str());
        }
        // A new model has no tokenizer yet: the template text still shows, the answer marked trained.
        TrainConfig n = c;
        n.model_name_or_path.clear();
        n.create_new_model = "tiny";
        n.finetuning_type = "full";
        DatasetPreview np(n);
        const RecordPreview r = np.record(0);
        QVERIFY(!r.tokenized);
        QVERIFY(r.pieces.size() >= 2 && !r.pieces.front().trained && r.pieces.back().trained);
    }

    void previewDialogPagesThroughRecords() {
        ui::DatasetPreviewDialog dlg(ui_train_config(scratch_dir() + "/unused", 5));
        dlg.show();
        QVERIFY(wait_until([&] { return dlg.isReady(); }, 20000));
        QCOMPARE(dlg.recordCount(), 24);
        QVERIFY(dlg.tokenView()->trainedCount() > 0);
        QVERIFY(dlg.tokenView()->trainedCount() < dlg.tokenView()->spanCount());
        QVERIFY2(dlg.statusText().contains("Record 1 of 24"), qPrintable(dlg.statusText()));
        dlg.showRecord(8);  // a Korean record
        QVERIFY2(dlg.statusText().contains("Record 9 of 24"), qPrintable(dlg.statusText()));
        QVERIFY(dlg.tokenView()->toPlainText().contains(QString::fromUtf8("누구")));
    }

    void aFreshInstallOffersTheStarter() {
        QSettings().clear();  // a fresh install: no last model, no last config
        ui::MainWindow w;
        QVERIFY(w.modelBar()->isNewModel());
        QCOMPARE(w.modelBar()->method(), QString("full"));
        ui::TrainTab* tab = w.trainTab();
        QVERIFY(!ui::bundled_datasets_dir().isEmpty());
        auto* name = tab->starterNameEdit();
        name->clear();
        QTest::keyClicks(name, "Nova");
        const TrainConfig c = tab->currentConfig();
        QCOMPARE(QString::fromStdString(c.create_new_model), QString("tiny"));
        QCOMPARE(QString::fromStdString(c.identity_name), QString("Nova"));
        QCOMPARE(QString::fromStdString(c.dataset), QString("identity"));
        QCOMPARE(QString::fromStdString(c.new_model_corpus), QString("corpus_demo"));
        QCOMPARE(QString::fromStdString(c.dataset_dir), ui::bundled_datasets_dir());
        QVERIFY(QString::fromStdString(c.output_dir).contains("new-tiny/full/"));
        const auto problems = tab->validateNow();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.value(0).second));
        QVERIFY(tab->startButton()->isEnabled());
    }
};

LATHE_TEST(TestUiPreviewAndStarter)
#include "test_ui_preview_and_starter.moc"
