// The Export tab with real widgets: a tiny model (and a LoRA adapter) exported to a Hugging Face folder
// and to GGUF, the estimate before anything is written, bad settings shown next to their field with
// Export disabled, a non-empty target asked about (refused: untouched), cancel, and the YAML round trip.
#include "core/export/export_config.h"
#include "core/model/model_folder.h"
#include "core/util/fs.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/engine_messages.h"
#include "ui/export_controller.h"
#include "ui/export_form.h"
#include "ui/export_tab.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "widgets/path_list_edit.h"

#include <QTabWidget>

#include <torch/torch.h>

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <sys/resource.h>

namespace fs = std::filesystem;
using namespace lathe;
using namespace lathe::test;

namespace {

void setText(QLineEdit* edit, const std::string& text) {
    edit->selectAll();
    QTest::keyClicks(edit, QString::fromStdString(text));  // textEdited, as when typed
}

void choose(QComboBox* box, const char* value) {
    const int i = box->findData(QString(value));
    QVERIFY2(i >= 0, value);
    box->setCurrentIndex(i);
}

// The model bar's tiny model, one thread, into `target`.
ui::ExportTab* prepare(ui::MainWindow& w, const std::string& target) {
    w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
    w.modelBar()->setTemplateName("chatml");
    ui::ExportTab* tab = w.exportTab();
    tab->form()->threadsSpin()->setValue(1);
    setText(tab->form()->targetEdit(), target);
    return tab;
}

bool waitChecked(ui::ExportTab* tab) {
    QTest::qWait(10);  // lets a pending change restart the check first
    return wait_until([tab] { return tab->isChecked(); }, 30000);
}

ui::ExportResult runExport(ui::MainWindow& w) {
    ui::ExportTab* tab = w.exportTab();
    QSignalSpy finished(w.exportController(), &ui::ExportController::finished);
    QTest::mouseClick(tab->exportButton(), Qt::LeftButton);
    if (!wait_until([&] { return finished.count() == 1; }, 60000)) return {};
    return finished.at(0).at(0).value<ui::ExportResult>();
}

QStringList entries(const std::string& dir) {
    return QDir(QString::fromStdString(dir)).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

}  // namespace

class TestUiExport : public QObject {
    Q_OBJECT
private slots:
    void theFormFollowsTheModelBar() {
        ui::MainWindow w;
        const std::string adapter = ui_make_adapter("export-follow-adapter", 3);
        w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
        w.modelBar()->setCheckpoint(QString::fromStdString(adapter));
        ui::ExportForm* f = w.exportTab()->form();
        QCOMPARE(f->modelEdit()->text(), QString::fromStdString(ui_model_dir()));
        QCOMPARE(f->adapterList()->paths(), QStringList{QString::fromStdString(adapter)});
        // The default target lies in the saves folder, named after the model, the adapter and the format.
        QVERIFY2(f->targetEdit()->text().endsWith("exports/ui-tiny-model-export-follow-adapter-hf-bf16"),
                 qPrintable(f->targetEdit()->text()));
        QCOMPARE(f->nameEdit()->text(), QString("ui-tiny-model-export-follow-adapter"));
        choose(f->formatCombo(), "gguf");
        QCOMPARE(f->precisionCombo()->currentData().toString(), QString("f16"));  // GGUF's default
        QVERIFY(f->targetEdit()->text().endsWith("-gguf-f16"));
        // GGUF offers the quantized types, a Hugging Face folder does not.
        QVERIFY(f->precisionCombo()->findData("q4_k_m") >= 0);
        choose(f->formatCombo(), "hf");
        QCOMPARE(f->precisionCombo()->findData("q4_k_m"), -1);
        QCOMPARE(f->precisionCombo()->count(), 3);
        // A target chosen by hand: the engine names the export after that folder.
        setText(f->targetEdit(), scratch_dir() + "/my-export");
        QCOMPARE(f->nameEdit()->text(), QString());
        w.modelBar()->setCheckpoint(QString());
        QCOMPARE(f->targetEdit()->text(), QString::fromStdString(scratch_dir() + "/my-export"));
        // A model typed here stops following the bar.
        setText(f->modelEdit(), "/somewhere/else");
        w.modelBar()->setCheckpoint(QString());
        QCOMPARE(f->modelEdit()->text(), QString("/somewhere/else"));
    }

    void theEstimateIsShownBeforeExporting() {
        ui::MainWindow w;
        const std::string target = scratch_dir() + "/export-estimate";
        ui::ExportTab* tab = prepare(w, target);
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->problems().isEmpty(), qPrintable(tab->problems().value(0).second));
        QVERIFY(tab->exportButton()->isEnabled());
        const QStringList files = tab->estimateFiles();
        for (const char* f : {"model.safetensors", "config.json", "tokenizer.model", "tokenizer_config.json", "README.md"})
            QVERIFY2(files.contains(f), qPrintable(files.join(", ")));
        QVERIFY2(tab->estimateText().contains("chat template chatml"), qPrintable(tab->estimateText()));
        QVERIFY(tab->estimateText().contains(QString("in %1 files").arg(files.size())));
        QVERIFY2(!fs::exists(target), "the estimate writes nothing");

        // Settings change: the estimate is stale until the new one arrives, then lists the GGUF.
        choose(tab->form()->formatCombo(), "gguf");
        choose(tab->form()->precisionCombo(), "q8_0");
        QVERIFY(!tab->isChecked());
        QVERIFY(!tab->exportButton()->isEnabled());
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->estimateFiles().contains("export-estimate-Q8_0.gguf"), qPrintable(tab->estimateFiles().join(", ")));
        QVERIFY(tab->estimateFiles().contains("Modelfile"));
        QVERIFY(!fs::exists(target));
    }

    void exportsAHuggingFaceFolderWithAnAdapterMerged() {
        ui::MainWindow w;
        const std::string target = scratch_dir() + "/export-hf";
        const std::string adapter = ui_make_adapter("export-hf-adapter", 7);
        ui::ExportTab* tab = prepare(w, target);
        tab->form()->adapterList()->addPath(QString::fromStdString(adapter));
        choose(tab->form()->precisionCombo(), "f32");  // exact, so that equal weights compare equal
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->problems().isEmpty(), qPrintable(tab->problems().value(0).second));
        const ui::ExportResult r = runExport(w);
        QVERIFY2(r.status == ui::ExportResult::Completed, qPrintable(r.message));
        for (const char* f : {"model.safetensors", "config.json", "generation_config.json", "tokenizer.model",
                              "tokenizer_config.json", "README.md"}) {
            QVERIFY2(fs::exists(target + "/" + f), f);
            QVERIFY2(tab->summaryFiles().contains(f), qPrintable(tab->summaryFiles().join(", ")));
        }
        QCOMPARE(tab->summaryFiles().size(), static_cast<int>(entries(target).size()));
        QVERIFY2(tab->noticeText().startsWith(QString("Exported %1 files").arg(r.files.size())), qPrintable(tab->noticeText()));
        QVERIFY(tab->noticeText().contains(QString::fromStdString(target)));
        QCOMPARE(tab->progressBar()->value(), tab->progressBar()->maximum());
        QVERIFY(!tab->logView()->toPlainText().isEmpty());

        // The adapter is in the weights: adapted projections moved, the embeddings did not.
        auto base = load_causal_lm(ui_model_dir());
        auto merged = load_causal_lm(target);
        const auto b = base->named_parameters(), m = merged->named_parameters();
        QVERIFY(torch::equal(b["model.embed_tokens.weight"], m["model.embed_tokens.weight"]));
        const double moved = (b["model.layers.0.self_attn.q_proj.weight"] - m["model.layers.0.self_attn.q_proj.weight"])
                                 .abs()
                                 .max()
                                 .item<double>();
        QVERIFY2(moved > 1e-4, qPrintable(QString::number(moved)));
    }

    void exportsAQuantizedGguf() {
        ui::MainWindow w;
        const std::string target = scratch_dir() + "/export-gguf";
        ui::ExportTab* tab = prepare(w, target);
        choose(tab->form()->formatCombo(), "gguf");
        choose(tab->form()->precisionCombo(), "q8_0");
        setText(tab->form()->nameEdit(), "tiny-test");
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->problems().isEmpty(), qPrintable(tab->problems().value(0).second));
        const ui::ExportResult r = runExport(w);
        QVERIFY2(r.status == ui::ExportResult::Completed, qPrintable(r.message));
        const std::string gguf = target + "/tiny-test-Q8_0.gguf";
        QVERIFY(fs::exists(gguf));
        QVERIFY(fs::exists(target + "/Modelfile"));
        std::ifstream in(gguf, std::ios::binary);
        char magic[4] = {};
        in.read(magic, 4);
        QCOMPARE(QByteArray(magic, 4), QByteArray("GGUF"));
        QVERIFY(tab->summaryFiles().contains("tiny-test-Q8_0.gguf"));
        QVERIFY(tab->summaryFiles().contains("Modelfile"));
        QVERIFY(tab->noticeText().contains("chat template chatml"));
    }

    void badSettingsAreShownAndDisableExport() {
        ui::MainWindow w;
        ui::ExportTab* tab = prepare(w, scratch_dir() + "/export-bad");
        setText(tab->form()->modelEdit(), "/nonexistent/model");
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->form()->errorText("model_name_or_path").contains("does not exist"),
                 qPrintable(tab->form()->errorText("model_name_or_path")));
        QVERIFY(!tab->exportButton()->isEnabled());
        QVERIFY(tab->estimateText().isEmpty());

        // The target inside the model folder would be written into its own source.
        setText(tab->form()->modelEdit(), ui_model_dir());
        setText(tab->form()->targetEdit(), ui_model_dir() + "/export");
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->form()->errorText("export_dir").contains("inside the source model folder"),
                 qPrintable(tab->form()->errorText("export_dir")));
        QVERIFY(tab->form()->errorText("model_name_or_path").isEmpty());
        QVERIFY(!tab->exportButton()->isEnabled());
        tab->startExport();  // e.g. a shortcut: refused with a message, nothing runs
        QVERIFY(!w.exportController()->isRunning());
        QVERIFY(tab->noticeText().contains("Fix the problems"));
        QVERIFY(!fs::exists(ui_model_dir() + "/export"));

        // A shard size the engine cannot read names the field.
        setText(tab->form()->targetEdit(), scratch_dir() + "/export-bad");
        setText(tab->form()->shardSizeEdit(), "lots");
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->form()->errorText("export_size").startsWith("export_size:"), qPrintable(tab->form()->errorText("export_size")));
        setText(tab->form()->shardSizeEdit(), "2GB");
        QVERIFY(waitChecked(tab));
        QVERIFY(tab->problems().isEmpty());
        QVERIFY(tab->exportButton()->isEnabled());
    }

    void aNonEmptyTargetIsAskedAboutAndKeptWhenRefused() {
        ui::MainWindow w;
        const std::string target = scratch_dir() + "/export-full";
        fs::create_directories(target);
        write_file_atomic(target + "/keep.txt", "mine");
        ui::ExportTab* tab = prepare(w, target);
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->problems().isEmpty(), qPrintable(tab->problems().value(0).second));
        QVERIFY(tab->exportButton()->isEnabled());
        QVERIFY(tab->findChild<QLabel*>("estimateWarnings")->text().contains("not empty"));
        QStringList asked;
        bool answer = false;
        tab->setConfirmOverwrite([&](const QString& dir) {
            asked << dir;
            return answer;
        });
        QTest::mouseClick(tab->exportButton(), Qt::LeftButton);
        QCOMPARE(asked, QStringList{QString::fromStdString(target)});
        QVERIFY(!w.exportController()->isRunning());
        QVERIFY2(tab->noticeText().startsWith("Not exported"), qPrintable(tab->noticeText()));
        QTest::qWait(200);
        QCOMPARE(entries(target), QStringList{"keep.txt"});
        QCOMPARE(QString::fromStdString(read_file(target + "/keep.txt")), QString("mine"));
        QCOMPARE(entries(scratch_dir()).filter("export-full").size(), 1);  // no staging folder beside it

        answer = true;
        const ui::ExportResult r = runExport(w);
        QCOMPARE(asked.size(), 2);
        QVERIFY2(r.status == ui::ExportResult::Completed, qPrintable(r.message));
        QVERIFY(!fs::exists(target + "/keep.txt"));
        QVERIFY(fs::exists(target + "/model.safetensors"));
    }

    void cancelWritesNothing() {
        ui::MainWindow w;
        const std::string target = scratch_dir() + "/export-cancel";
        ui::ExportTab* tab = prepare(w, target);
        choose(tab->form()->formatCombo(), "gguf");
        choose(tab->form()->precisionCombo(), "q4_k_m");
        QVERIFY(waitChecked(tab));
        QVERIFY2(tab->problems().isEmpty(), qPrintable(tab->problems().value(0).second));
        // Cancel the moment the export starts (a tiny model exports faster than a person clicks).
        bool cancelEnabled = false;
        connect(w.exportController(), &ui::ExportController::started, this, [&] {
            cancelEnabled = tab->cancelButton()->isEnabled();
            QTest::mouseClick(tab->cancelButton(), Qt::LeftButton);
        });
        const ui::ExportResult r = runExport(w);
        QVERIFY(cancelEnabled);
        QCOMPARE(r.status, ui::ExportResult::Cancelled);
        QVERIFY2(tab->noticeText().startsWith("Export cancelled"), qPrintable(tab->noticeText()));
        QVERIFY(tab->summaryFiles().isEmpty());
        QVERIFY(!fs::exists(target));
        QCOMPARE(entries(scratch_dir()).filter("export-cancel").size(), 0);
        QVERIFY(!tab->cancelButton()->isEnabled());
        QVERIFY(wait_until([&] { return tab->exportButton()->isEnabled(); }, 30000));
    }

    void closingDuringAnExportCancelsItThenCloses() {
        ui::MainWindow w;
        w.show();
        const std::string target = scratch_dir() + "/export-close";
        ui::ExportTab* tab = prepare(w, target);
        QVERIFY(waitChecked(tab));
        int asked = 0;
        w.setConfirmStop([&] { return ++asked > 0; });
        QSignalSpy finished(w.exportController(), &ui::ExportController::finished);
        connect(w.exportController(), &ui::ExportController::started, this, [&] { QVERIFY(!w.close()); });
        QTest::mouseClick(tab->exportButton(), Qt::LeftButton);
        QCOMPARE(asked, 1);
        QVERIFY(wait_until([&] { return finished.count() == 1; }, 30000));
        QCOMPARE(finished.at(0).at(0).value<ui::ExportResult>().status, ui::ExportResult::Cancelled);
        QVERIFY(wait_until([&] { return !w.isVisible(); }, 5000));
        QVERIFY(!fs::exists(target));
    }

    void theTabSpeaksKorean() {
        ui::MainWindow w;
        ui::ExportTab* tab = prepare(w, scratch_dir() + "/export-ko");
        QVERIFY(waitChecked(tab));
        w.setLanguage("ko");
        QTRY_COMPARE(w.tabs()->tabText(3), QString::fromUtf8("내보내기"));  // LanguageChange is posted
        QTRY_COMPARE(tab->exportButton()->text(), QString::fromUtf8("내보내기"));
        QCOMPARE(tab->cancelButton()->text(), QString::fromUtf8("취소"));
        QCOMPARE(tab->form()->formatCombo()->itemText(0), QString::fromUtf8("Hugging Face 폴더 (safetensors)"));
        QVERIFY2(tab->estimateText().startsWith(QString::fromUtf8("파일 ")), qPrintable(tab->estimateText()));
        // A failure the engine gives as data is worded in Korean too (the form's checks keep such settings from
        // Start; here the engine is handed one directly).
        ExportConfig unset;
        unset.model_name_or_path = ui_model_dir();
        QSignalSpy finished(w.exportController(), &ui::ExportController::finished);
        w.exportController()->start(unset);
        QVERIFY(wait_until([&] { return finished.count() == 1; }, 30000));
        const auto r = finished.at(0).at(0).value<ui::ExportResult>();
        QCOMPARE(r.status, ui::ExportResult::Failed);
        QCOMPARE(r.message, QString::fromUtf8("export_dir: 내보낼 폴더가 지정되지 않았습니다"));
        // A disk that fills up while the weights are written (RLIMIT_FSIZE, which fails write(2) as a full disk
        // does): Korean but for the system's own reason; the partial export is gone.
        ExportConfig full = tab->currentConfig();
        full.export_dir = scratch_dir() + "/export-ko-full";
        full.export_quantization = "f32";
        fs::remove_all(full.export_dir);
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit small = old;
        small.rlim_cur = 40'000;  // the weights are several times that
        setrlimit(RLIMIT_FSIZE, &small);
        w.exportController()->start(full);
        const bool ended = wait_until([&] { return finished.count() == 2; }, 30000);
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, SIG_DFL);
        QVERIFY(ended);
        const auto noRoom = finished.at(1).at(0).value<ui::ExportResult>();
        QCOMPARE(noRoom.status, ui::ExportResult::Failed);
        QVERIFY2(noRoom.message.contains(QString::fromUtf8(": 쓰기에 실패했습니다: 파일을 쓸 공간이 없습니다(File too large)")),
                 qPrintable(noRoom.message));
        QVERIFY2(noRoom.message.contains(QString::fromUtf8("그대로입니다")), qPrintable(noRoom.message));
        QVERIFY(!fs::exists(full.export_dir));
        // The progress steps are worded in Korean too (the engine gives them as data): the last one is "done".
        QSignalSpy steps(w.exportController(), &ui::ExportController::progress);
        full.export_dir = scratch_dir() + "/export-ko-done";
        fs::remove_all(full.export_dir);
        w.exportController()->start(full);
        QVERIFY(wait_until([&] { return finished.count() == 3; }, 30000));
        QCOMPARE(finished.at(2).at(0).value<ui::ExportResult>().status, ui::ExportResult::Completed);
        QVERIFY(!steps.isEmpty());
        QCOMPARE(ui::engine_message(steps.last().at(1).value<lathe::Problem>()), QString::fromUtf8("완료"));
        QVERIFY2(tab->logView()->toPlainText().contains(QString::fromUtf8("100% 완료")), qPrintable(tab->logView()->toPlainText()));
        w.setLanguage("en");
        QTRY_COMPARE(tab->exportButton()->text(), QString("Export"));
        // The log's steps are worded again in English, not left in Korean.
        QVERIFY2(tab->logView()->toPlainText().contains("100% done") &&
                     !tab->logView()->toPlainText().contains(QString::fromUtf8("100% 완료")),
                 qPrintable(tab->logView()->toPlainText()));
        QVERIFY(tab->estimateText().startsWith("About "));
    }

    void configSavesAndLoadsAsTheCliReadsIt() {
        const std::string adapter = ui_make_adapter("export-yaml-adapter", 9);
        const std::string path = scratch_dir() + "/export-saved.yaml";
        ExportConfig saved;
        {
            ui::MainWindow w;
            ui::ExportTab* tab = prepare(w, scratch_dir() + "/export-yaml");
            ui::ExportForm* f = tab->form();
            f->adapterList()->addPath(QString::fromStdString(adapter));
            choose(f->formatCombo(), "gguf");
            choose(f->precisionCombo(), "q4_k_m");
            choose(f->templateCombo(), "llama3");
            setText(f->nameEdit(), "yaml-test");
            QString error;
            QVERIFY2(tab->saveConfigFile(QString::fromStdString(path), &error), qPrintable(error));
            QCOMPARE(tab->commandLine(), QString("lathe-cli export %1").arg(QString::fromStdString(path)));
            saved = ExportConfig::from_yaml_file(path);
        }
        QCOMPARE(QString::fromStdString(saved.model_name_or_path), QString::fromStdString(ui_model_dir()));
        QCOMPARE(QString::fromStdString(saved.adapter_name_or_path), QString::fromStdString(adapter));
        QCOMPARE(QString::fromStdString(saved.export_format), QString("gguf"));
        QCOMPARE(QString::fromStdString(saved.export_quantization), QString("q4_k_m"));
        QCOMPARE(QString::fromStdString(saved.template_name), QString("llama3"));
        QCOMPARE(QString::fromStdString(saved.model_name), QString("yaml-test"));
        QCOMPARE(saved.threads, 1);
        QCOMPARE(saved.export_dir, scratch_dir() + "/export-yaml");

        ui::MainWindow w2;
        QString error;
        QVERIFY2(w2.exportTab()->loadConfigFile(QString::fromStdString(path), &error), qPrintable(error));
        QCOMPARE(QString::fromStdString(w2.exportTab()->currentConfig().to_yaml()), QString::fromStdString(saved.to_yaml()));
        // Loaded values stay when the model bar changes.
        w2.modelBar()->setModelPath(QString::fromStdString(scratch_dir()));
        QCOMPARE(w2.exportTab()->currentConfig().model_name_or_path, ui_model_dir());
        QCOMPARE(w2.exportTab()->currentConfig().export_dir, scratch_dir() + "/export-yaml");

        // A file with an unknown key is refused with the key's name.
        write_file_atomic(scratch_dir() + "/export-bad.yaml", "export_formt: gguf\n");
        QVERIFY(!w2.exportTab()->loadConfigFile(QString::fromStdString(scratch_dir() + "/export-bad.yaml"), &error));
        QVERIFY2(error.contains("export_formt") && error.contains("export_format"), qPrintable(error));
    }
};

LATHE_TEST(TestUiExport)
#include "test_ui_export.moc"
