// Switching the language in the model bar changes the visible strings to Korean at once, and back.
#include "core/infer/gemv.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/language.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"
#include "ui/chat_tab.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLibraryInfo>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QTabWidget>
#include <QRegularExpression>
#include <QTest>

using namespace lathe;

class TestUiLanguage : public QObject {
    Q_OBJECT
private slots:
    void koreanCatalogueIsCompiledIn() { QVERIFY(QFile::exists(":/i18n/lathe_ko.qm")); }

    // Qt's own words (a dialog's standard buttons) follow the language too, from Qt's catalogue
    // (qt6-translations-l10n, which scripts/setup.sh installs).
    void qtsOwnButtonsFollowTheLanguage() {
        const QString qtbase = QLibraryInfo::path(QLibraryInfo::TranslationsPath) + "/qtbase_ko.qm";
        if (!QFile::exists(qtbase)) QSKIP(qPrintable(qtbase + " is not installed (Debian package qt6-translations-l10n)"));
        QDialogButtonBox box(QDialogButtonBox::Close | QDialogButtonBox::Cancel);
        const QString english = box.button(QDialogButtonBox::Close)->text();
        QVERIFY(ui::install_language("ko"));
        QDialogButtonBox korean(QDialogButtonBox::Close | QDialogButtonBox::Cancel);
        const QString close = korean.button(QDialogButtonBox::Close)->text(), cancel = korean.button(QDialogButtonBox::Cancel)->text();
        QVERIFY(ui::install_language("en"));
        QVERIFY2(close != english && close.contains(QRegularExpression("[\\x{AC00}-\\x{D7A3}]")), qPrintable(close));
        QVERIFY2(cancel.contains(QRegularExpression("[\\x{AC00}-\\x{D7A3}]")), qPrintable(cancel));
    }

    void switchingChangesVisibleStrings() {
        ui::MainWindow w;
        w.show();
        QCOMPARE(w.tabs()->tabText(0), QString("Train"));
        QCOMPARE(w.trainTab()->startButton()->text(), QString("Start"));
        auto* lang = w.modelBar()->findChild<QComboBox*>("language");
        QVERIFY(lang);
        QCOMPARE(lang->currentData().toString(), QString("en"));
        lang->setCurrentIndex(lang->findData("ko"));
        QCOMPARE(ui::current_language(), QString("ko"));
        QTRY_COMPARE(w.tabs()->tabText(0), QString::fromUtf8("학습"));
        QCOMPARE(w.tabs()->tabText(2), QString::fromUtf8("대화"));
        QCOMPARE(w.trainTab()->startButton()->text(), QString::fromUtf8("시작"));
        QCOMPARE(w.chatTab()->sendButton()->text(), QString::fromUtf8("보내기"));
        QCOMPARE(w.windowTitle(), QString::fromUtf8("Lathe 스튜디오"));
        QVERIFY2(w.deviceText().contains(QRegularExpression(QString::fromUtf8("cpu \\(스레드 \\d+개\\)"))),
                 qPrintable(w.deviceText()));
        // Its tooltip names the instruction sets the CPU kernels use ("avx512 (bf16: vdpbf16ps, ...)").
        QVERIFY2(w.deviceToolTip().contains(QString::fromUtf8("CPU 커널: ") + QString::fromLatin1(kernels::kernel_isa())),
                 qPrintable(w.deviceToolTip()));
        // Table-driven form labels follow too.
        bool found = false;
        for (QLabel* l : w.trainTab()->form()->findChildren<QLabel*>()) found |= l->text() == QString::fromUtf8("학습률");
        QVERIFY2(found, "the learning-rate label is translated");
        QCOMPARE(QSettings().value("ui/language").toString(), QString("ko"));

        lang->setCurrentIndex(lang->findData("en"));
        QTRY_COMPARE(w.tabs()->tabText(0), QString("Train"));
        QCOMPARE(w.trainTab()->startButton()->text(), QString("Start"));
        QVERIFY2(w.deviceText().contains(QRegularExpression("cpu \\(\\d+ threads?\\)")), qPrintable(w.deviceText()));
        QVERIFY2(w.deviceToolTip().endsWith(QString("CPU kernels: ") + kernels::kernel_isa()), qPrintable(w.deviceToolTip()));
    }

    // The model bar says what is wrong with a model folder in the studio's language.
    void theModelBarSaysWhatIsWrongInKorean() {
        const test::KoreanUi korean;
        QVERIFY(korean.installed());
        ui::MainWindow w;
        const QString gone = QString::fromStdString(test::scratch_dir()) + "/no-such-model";
        w.modelBar()->setModelPath(gone);
        QCOMPARE(w.modelBar()->infoText(), QString::fromUtf8("모델 폴더 '%1'이(가) 없습니다").arg(gone));
        const QString empty = QString::fromStdString(test::scratch_dir()) + "/model-without-config";
        QVERIFY(QDir().mkpath(empty));
        w.modelBar()->setModelPath(empty);
        QVERIFY2(w.modelBar()->infoText().startsWith(empty + QString::fromUtf8(": config.json이 없습니다")),
                 qPrintable(w.modelBar()->infoText()));
        const QString broken = QString::fromStdString(test::scratch_dir()) + "/model-with-broken-config";
        QVERIFY(QDir().mkpath(broken));
        QFile config(broken + "/config.json");
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"model_type\": \"no-such-family\"}");
        config.close();
        w.modelBar()->setModelPath(broken);
        QVERIFY2(w.modelBar()->infoText().startsWith(
                     broken + QString::fromUtf8("/config.json: model_type 'no-such-family'은(는) 지원하지 않습니다 (지원: ")),
                 qPrintable(w.modelBar()->infoText()));
    }

    void everyKoreanStringIsTranslated() {
        QFile ts(LATHE_SOURCE_DIR "/resources/translations/lathe_ko.ts");
        QVERIFY(ts.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(ts.readAll());
        QVERIFY(text.count("<message>") > 200);
        QCOMPARE(text.count("type=\"unfinished\""), 0);
        QCOMPARE(text.count("<translation></translation>"), 0);
    }
};

LATHE_TEST(TestUiLanguage)
#include "test_ui_language.moc"
