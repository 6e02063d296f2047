// The Data tab with real widgets: the bundled dirty corpus cleaned from the tab (steps ticked and
// reordered by the user), the counts, personal data, histogram, duplicate groups and examples shown;
// impossible settings listed with Run disabled; the settings' YAML round trip; Stop leaves the output as
// it was.
#include "core/corpus/corpus_config.h"
#include "core/corpus/quality.h"
#include "core/util/fs.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/data_controller.h"
#include "ui/data_tab.h"
#include "ui/language.h"
#include "ui/studio_paths.h"
#include "ui/main_window.h"
#include "widgets/histogram_plot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QMessageBox>
#include <QListWidget>
#include <QMap>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>
#include <QTextBrowser>
#include <QTreeWidget>

#include <nlohmann/json.hpp>

#include <filesystem>

using namespace lathe;
using namespace lathe::test;

namespace {

QListWidgetItem* stepItem(ui::DataTab* tab, const QString& name) {
    for (int i = 0; i < tab->stepList()->count(); ++i)
        if (tab->stepList()->item(i)->data(Qt::UserRole).toString() == name) return tab->stepList()->item(i);
    return nullptr;
}

QString cell(QTreeWidget* table, const QString& key, int column) {
    for (int i = 0; i < table->topLevelItemCount(); ++i)
        if (table->topLevelItem(i)->data(0, Qt::UserRole).toString() == key) return table->topLevelItem(i)->text(column);
    return QString();
}

}  // namespace

class TestUiData : public QObject {
    Q_OBJECT
    std::string root;

private slots:
    void initTestCase() {
        root = scratch_dir() + "/ui-data";
        std::filesystem::create_directories(root);
    }

    void cleansTheBundledCorpusFromTheTab() {
        ui::MainWindow w;
        w.show();
        ui::DataTab* tab = w.dataTab();
        QCOMPARE(w.tabs()->tabText(4), QString("Data"));
        // A first start offers the bundled dirty corpus.
        QVERIFY2(tab->filesEdit()->text().endsWith("raw_web_demo.jsonl"), qPrintable(tab->filesEdit()->text()));
        tab->outputDirEdit()->setText(QString::fromStdString(root + "/out"));
        tab->datasetNameEdit()->setText("web_clean");
        stepItem(tab, "quality")->setCheckState(Qt::Checked);
        stepItem(tab, "length")->setCheckState(Qt::Checked);
        tab->minCharsSpin()->setValue(40);
        tab->dedupCombo()->setCurrentIndex(tab->dedupCombo()->findData("minhash"));
        // Drag dedup to the top: it runs first.
        tab->stepList()->insertItem(0, tab->stepList()->takeItem(tab->stepList()->row(stepItem(tab, "dedup"))));
        const CorpusConfig c = tab->currentConfig();
        QCOMPARE(c.enabled_steps().front(), CorpusStep::Dedup);
        QCOMPARE(c.dedup, std::string("minhash"));
        QVERIFY(c.quality_filters);
        QVERIFY2(tab->problemTexts().isEmpty(), qPrintable(tab->problemTexts().join("\n")));
        QVERIFY(tab->runButton()->isEnabled());

        QSignalSpy done(w.dataController(), &ui::DataController::finished);
        QTest::mouseClick(tab->runButton(), Qt::LeftButton);
        QVERIFY(done.wait(60000));
        QVERIFY2(tab->summaryText().startsWith("44 records in"), qPrintable(tab->summaryText()));
        QCOMPARE(tab->progressBar()->value(), 1000);
        // The table agrees with the report the engine wrote.
        const nlohmann::json report = nlohmann::json::parse(read_file(root + "/out/data_report.json"));
        for (const auto& s : report["steps"]) {
            const QString name = QString::fromStdString(s["name"].get<std::string>());
            QCOMPARE(cell(tab->stepTable(), name, 1), QString::number(s["removed"].get<int>()));
        }
        QCOMPARE(cell(tab->stepTable(), "decode", 1), QString("1"));  // the Latin-1 record
        QVERIFY(cell(tab->stepTable(), "dedup", 1).toInt() >= 4);
        QCOMPARE(cell(tab->piiTable(), "rrn", 1), QString("1"));
        QCOMPARE(cell(tab->piiTable(), "card", 1), QString("1"));
        QVERIFY(tab->lengthPlot()->barCount() > 0);
        QCOMPARE(tab->lengthPlot()->total(), double(report["output_records"].get<int>()));
        // Duplicate groups open to show the kept record and the removed ones.
        QVERIFY(tab->clusterList()->count() >= 3);
        tab->clusterList()->setCurrentRow(0);
        QVERIFY(tab->clusterView()->toPlainText().contains("Kept"));
        QVERIFY(tab->clusterView()->toPlainText().contains("Removed"));
        // Removed and kept records side by side.
        QStringList kinds;
        for (int i = 0; i < tab->exampleTable()->topLevelItemCount(); ++i) kinds << tab->exampleTable()->topLevelItem(i)->text(0);
        QVERIFY(kinds.contains("removed") && kinds.contains("kept") && kinds.contains("changed"));
        // A duplicate names the record it repeats, in the studio's words (the engine's "duplicate of" is data).
        bool namedDuplicate = false;
        for (int i = 0; i < tab->exampleTable()->topLevelItemCount(); ++i)
            namedDuplicate |= tab->exampleTable()->topLevelItem(i)->text(1).startsWith("Duplicates · duplicate of ");
        QVERIFY(namedDuplicate);
        // The length and quality steps' rules are worded, not their ids ("too_short", "repeated_lines").
        auto wordedRules = [&](const QString& lengthRule) {
            bool shortOne = false;
            int qualityRows = 0;
            for (int i = 0; i < tab->exampleTable()->topLevelItemCount(); ++i) {
                const QString step = tab->exampleTable()->topLevelItem(i)->text(1);
                shortOne |= step.endsWith(lengthRule);
                const bool quality = step.startsWith(cell(tab->stepTable(), "quality", 0) + " · ");
                const bool length = step.startsWith(cell(tab->stepTable(), "length", 0) + " · ");
                if ((quality || length) && step.section(" · ", 1).contains('_')) return false;
                qualityRows += quality;
            }
            return shortOne && qualityRows > 0;
        };
        QVERIFY(wordedRules("Length bounds · shorter than the minimum length"));
        // Every removed record, on request.
        QVERIFY(tab->allRemovedButton()->isEnabled());
        QTest::mouseClick(tab->allRemovedButton(), Qt::LeftButton);
        QCOMPARE(tab->exampleTable()->topLevelItemCount(),
                 report["input_records"].get<int>() - report["output_records"].get<int>());
        namedDuplicate = false;  // read back from the removed-records file
        for (int i = 0; i < tab->exampleTable()->topLevelItemCount(); ++i)
            namedDuplicate |= tab->exampleTable()->topLevelItem(i)->text(1).startsWith("Duplicates · duplicate of ");
        QVERIFY(namedDuplicate);
        QVERIFY(wordedRules("Length bounds · shorter than the minimum length"));
        QVERIFY(file_exists(root + "/out/web_clean.jsonl"));
        // A language change rewords the results without running again or repeating the log.
        auto* log = tab->findChild<QPlainTextEdit*>();
        QVERIFY(log);
        const int logLines = log->blockCount();
        ui::install_language("ko");
        QTRY_COMPARE(cell(tab->stepTable(), "dedup", 0), QString::fromUtf8("중복"));
        QVERIFY(tab->summaryText().contains(QString::fromUtf8("레코드 44개 입력")));
        bool koreanDuplicate = false;
        for (int i = 0; i < tab->exampleTable()->topLevelItemCount(); ++i)
            koreanDuplicate |= tab->exampleTable()->topLevelItem(i)->text(1).endsWith(QString::fromUtf8("와(과) 중복"));
        QVERIFY(koreanDuplicate);
        QVERIFY(wordedRules(QString::fromUtf8("최소 길이보다 짧음")));
        ui::install_language("en");
        QTRY_COMPARE(cell(tab->stepTable(), "dedup", 0), QString("Duplicates"));
        QCOMPARE(log->blockCount(), logLines);
        const nlohmann::json info = nlohmann::json::parse(read_file(root + "/out/dataset_info.json"));
        QVERIFY(info.contains("web_clean"));
    }

    // Every rule the engine can name (core/corpus/quality.h, and the length and script steps') has a
    // wording, in English and in Korean: a rule added to the engine without one fails here.
    void everyRemovalRuleIsWorded() {
        QStringList rules = {"empty", "too_short", "too_long", "script"};
        for (const char* name : quality_rule_names()) rules << name;
        QMap<QString, QString> english;
        for (const QString& rule : rules) {
            english[rule] = ui::DataTab::reasonTitle(rule);
            QVERIFY2(english[rule] != rule, qPrintable(rule));
        }
        const KoreanUi korean;
        for (const QString& rule : rules)
            QVERIFY2(ui::DataTab::reasonTitle(rule) != english[rule], qPrintable(rule));
    }

    void tokenizerLabFromTheTab() {
        ui::DataController controller;
        ui::DataTab tab(&controller);
        const QString bundled = ui::bundled_datasets_dir();
        tab.filesEdit()->setText(bundled + "/c4_demo.jsonl, " + bundled + "/alpaca_demo_ko.json");
        tab.outputDirEdit()->setText(QString::fromStdString(root + "/tok"));
        tab.trainTokenizerCheck()->setChecked(true);
        tab.tokenizerVocabSpin()->setValue(1500);
        const std::string llama2 = shared_tokenizer_dir("llama2");
        if (!llama2.empty()) tab.compareTokenizersEdit()->setText(QString::fromStdString(llama2));
        QVERIFY2(tab.problemTexts().isEmpty(), qPrintable(tab.problemTexts().join("\n")));
        QSignalSpy done(&controller, &ui::DataController::finished);
        tab.run();
        QVERIFY(done.wait(120000));
        QVERIFY2(tab.summaryText().contains("records in"), qPrintable(tab.summaryText()));
        QCOMPARE(tab.tokenizerTable()->topLevelItemCount(), llama2.empty() ? 1 : 2);
        QVERIFY(tab.tokenizerTable()->topLevelItem(0)->text(0).contains("trained here"));
        QVERIFY(tab.tokenizerTable()->topLevelItem(0)->text(2).toDouble() > 0);
        // The sample sentence, token by token, under each tokenizer's name.
        const QString split = tab.splitView()->toPlainText();
        QVERIFY2(split.startsWith("tokenizer") && split.contains(QString::fromUtf8("▁안")), qPrintable(split));
        QVERIFY(!tab.tokenLengthPlot()->isHidden());
        QVERIFY(tab.tokenLengthPlot()->total() > 0);
        QVERIFY(file_exists(root + "/tok/tokenizer/tokenizer.model"));
    }

    void impossibleSettingsDisableRun() {
        ui::DataController controller;
        ui::DataTab tab(&controller);
        tab.filesEdit()->setText("");
        tab.outputDirEdit()->setText("");
        QVERIFY(!tab.runButton()->isEnabled());
        const QString all = tab.problemTexts().join("\n");
        QVERIFY2(all.contains("data_files: no input files given") && all.contains("output_dir: no output directory given"),
                 qPrintable(all));
        tab.filesEdit()->setText("a.txt");
        tab.outputDirEdit()->setText(QString::fromStdString(root + "/x"));
        QVERIFY(tab.problemTexts().isEmpty());
        QVERIFY(tab.runButton()->isEnabled());
    }

    void followsTheLanguage() {
        ui::DataController controller;
        ui::DataTab tab(&controller);
        ui::install_language("ko");
        QTRY_COMPARE(tab.runButton()->text(), QString::fromUtf8("실행"));
        QCOMPARE(tab.resultTabs()->tabText(3), QString::fromUtf8("중복 그룹"));
        QCOMPARE(tab.stepList()->item(0)->text(), QString::fromUtf8("유니코드 정규화"));
        tab.filesEdit()->setText("");
        QVERIFY2(tab.problemTexts().join("\n").contains(QString::fromUtf8("입력 파일이 지정되지 않았습니다")),
                 qPrintable(tab.problemTexts().join("\n")));
        ui::install_language("en");
        QTRY_COMPARE(tab.runButton()->text(), QString("Run"));
    }

    void settingsRoundTripThroughYaml() {
        ui::DataController controller;
        ui::DataTab tab(&controller);
        tab.filesEdit()->setText("a.txt, b.txt");
        tab.outputDirEdit()->setText("out");
        tab.piiCombo()->setCurrentIndex(tab.piiCombo()->findData("drop"));
        stepItem(&tab, "normalize")->setCheckState(Qt::Unchecked);
        tab.stepList()->insertItem(0, tab.stepList()->takeItem(tab.stepList()->row(stepItem(&tab, "pii"))));
        const QString path = QString::fromStdString(root + "/data.yaml");
        QVERIFY(tab.saveConfigFile(path));
        const CorpusConfig saved = CorpusConfig::from_yaml_file(path.toStdString());
        QCOMPARE(saved.pii, std::string("drop"));
        QCOMPARE(saved.normalize, std::string("none"));
        QVERIFY(saved.steps.rfind("pii,", 0) == 0);

        ui::DataTab other(&controller);
        QVERIFY(other.loadConfigFile(path));
        QCOMPARE(other.stepList()->item(0)->data(Qt::UserRole).toString(), QString("pii"));
        QCOMPARE(stepItem(&other, "normalize")->checkState(), Qt::Unchecked);
        QCOMPARE(other.piiCombo()->currentData().toString(), QString("drop"));
        QCOMPARE(QString::fromStdString(other.currentConfig().to_yaml()), QString::fromStdString(saved.to_yaml()));
        QString error;
        QVERIFY(!other.loadConfigFile(QString::fromStdString(root + "/missing.yaml"), &error));
        QVERIFY(!error.isEmpty());
    }

    // Save settings… and Load settings… go through the dialogs the other tabs use; a file that cannot be
    // loaded is a warning that names it, and the form stays as it was.
    void saveAndLoadButtonsUseTheSharedDialogs() {
        ui::DataController controller;
        ui::DataTab tab(&controller);
        tab.setSavesRoot(QString::fromStdString(root));
        tab.show();
        tab.piiCombo()->setCurrentIndex(tab.piiCombo()->findData("drop"));
        const QString path = QString::fromStdString(root + "/buttons.yaml");
        QFile::remove(path);
        QString title;
        answer_file_dialog(path, &title);
        QTest::mouseClick(tab.saveButton(), Qt::LeftButton);
        QCOMPARE(title, QString("Save data settings"));
        QCOMPARE(CorpusConfig::from_yaml_file(path.toStdString()).pii, std::string("drop"));

        ui::DataTab other(&controller);
        other.setSavesRoot(QString::fromStdString(root));
        other.show();
        answer_file_dialog(path);
        QTest::mouseClick(other.loadButton(), Qt::LeftButton);
        QCOMPARE(other.piiCombo()->currentData().toString(), QString("drop"));

        const QString broken = QString::fromStdString(root + "/broken-settings.yaml");
        write_file_atomic(broken.toStdString(), "pii: [\n");
        other.piiCombo()->setCurrentIndex(other.piiCombo()->findData("mask"));
        QString warned;
        answer_file_dialog(broken);
        answer_next_modal<QMessageBox>([&](QMessageBox* box) {
            warned = box->text();
            box->accept();
        });
        QTest::mouseClick(other.loadButton(), Qt::LeftButton);
        QVERIFY2(warned.contains(broken), qPrintable(warned));
        QCOMPARE(other.piiCombo()->currentData().toString(), QString("mask"));
    }

    // A record that cannot be read is reported in the studio's language: in the log as it is read, in the
    // examples beside the step, and in the list of every removed record (read back from the engine's file).
    void unreadableRecordsInTheStudiosLanguage() {
        const KoreanUi korean;
        QVERIFY(korean.installed());
        const std::string file = root + "/unreadable.jsonl";
        write_file_atomic(file, "{\"text\": 3}\n{\"text\": \"a fine document of a reasonable length for the workshop\"}\n");
        ui::DataController controller;
        ui::DataTab tab(&controller);
        tab.filesEdit()->setText(QString::fromStdString(file));
        tab.outputDirEdit()->setText(QString::fromStdString(root + "/unreadable-out"));
        QSignalSpy done(&controller, &ui::DataController::finished);
        tab.run();
        QVERIFY(done.wait(60000));
        const QString worded = QString::fromUtf8("%1 1번째 줄: 'text' 필드: 문자열이(가) 와야 하는데 숫자입니다")
                                   .arg(QString::fromStdString(file));
        auto* log = tab.findChild<QPlainTextEdit*>();
        QVERIFY(log);
        QCOMPARE(log->toPlainText().count(worded), 1);  // as it was read, not again at the end
        QVERIFY2(!log->toPlainText().contains("expected a string"), qPrintable(log->toPlainText()));
        // A language switch words the log's lines again: the same lines, in English now.
        const int logLines = log->blockCount();
        ui::install_language("en");
        QTRY_VERIFY2(log->toPlainText().contains("field 'text': expected a string, found a number"),
                     qPrintable(log->toPlainText()));
        QVERIFY2(!log->toPlainText().contains(worded), qPrintable(log->toPlainText()));
        QCOMPARE(log->blockCount(), logLines);
        ui::install_language("ko");
        QTRY_COMPARE(log->toPlainText().count(worded), 1);
        // In the examples: the wording beside the step (the source column says where), the whole message
        // as its tooltip and as the row's text.
        const QString brief = QString::fromUtf8("'text' 필드: 문자열이(가) 와야 하는데 숫자입니다");
        auto decodeRow = [&]() -> const QTreeWidgetItem* {
            for (int i = 0; i < tab.exampleTable()->topLevelItemCount(); ++i) {
                const QTreeWidgetItem* item = tab.exampleTable()->topLevelItem(i);
                if (item->text(1).startsWith(QString::fromUtf8("읽기"))) return item;
            }
            return nullptr;
        };
        for (int view = 0; view < 2; ++view) {
            if (view == 1) {  // every removed record, read back from the engine's file
                QTest::mouseClick(tab.allRemovedButton(), Qt::LeftButton);
                QCOMPARE(tab.exampleTable()->topLevelItemCount(), 1);
            }
            const QTreeWidgetItem* row = decodeRow();
            QVERIFY(row);
            QVERIFY2(row->text(1).endsWith(" · " + brief), qPrintable(row->text(1)));
            QCOMPARE(row->toolTip(1), worded);
            QCOMPARE(row->text(3), worded);
        }
    }

    // What is found on the disk when Run is pressed (a file that is not there, a folder given as a tokenizer)
    // fails in the studio's language, each placed at its setting.
    void diskChecksFailInTheStudiosLanguage() {
        const KoreanUi korean;
        QVERIFY(korean.installed());
        ui::DataController controller;
        ui::DataTab tab(&controller);
        const QString missing = QString::fromStdString(root + "/not-there.txt");
        tab.filesEdit()->setText(missing);
        tab.outputDirEdit()->setText(QString::fromStdString(root + "/missing-out"));
        QVERIFY(tab.runButton()->isEnabled());  // the form's own checks pass; the disk is read at Run
        QSignalSpy done(&controller, &ui::DataController::finished);
        tab.run();
        QVERIFY(done.wait(60000));
        const QString expected = QString::fromUtf8("실패: data_files: '%1'을(를) 찾을 수 없습니다").arg(missing);
        QCOMPARE(tab.summaryText(), expected);
    }

    void stopLeavesTheOutputAsItWas() {
        std::string big;
        for (int i = 0; i < 300000; ++i) big += "document number " + std::to_string(i) + " of a corpus that takes a while\n";
        write_file_atomic(root + "/big.txt", big);
        ui::DataController controller;
        ui::DataTab tab(&controller);
        tab.filesEdit()->setText(QString::fromStdString(root + "/big.txt"));
        tab.outputDirEdit()->setText(QString::fromStdString(root + "/stopped"));
        QSignalSpy done(&controller, &ui::DataController::finished);
        connect(&controller, &ui::DataController::started, &controller, &ui::DataController::cancel);
        tab.run();
        QVERIFY(done.wait(60000));
        QVERIFY2(tab.summaryText().startsWith("Stopped"), qPrintable(tab.summaryText()));
        QVERIFY(!file_exists(root + "/stopped/corpus.jsonl"));
        QVERIFY(tab.runButton()->isEnabled());
        QVERIFY(!tab.stopButton()->isEnabled());
    }
};

LATHE_TEST(TestUiData)
#include "test_ui_data.moc"
