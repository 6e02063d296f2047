// The command preview the Train and Export tabs share with Evaluate (ui/command_preview.h): it shows the
// tab's own YAML and lathe-cli line, and Copy puts both on the clipboard.
#include "tests/registry.h"
#include "ui/command_preview.h"
#include "ui/export_tab.h"
#include "ui/main_window.h"
#include "ui/train_tab.h"

#include "core/export/export_config.h"
#include "core/train/train_config.h"

#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTest>
#include <QTimer>

#include <functional>

using namespace lathe;

namespace {

struct Shown {
    QString title, yaml, command, clipboard;
};

// Opens the dialog with `open`, reads it, presses Copy, closes it.
Shown preview(const std::function<void()>& open) {
    Shown s;
    QTimer::singleShot(0, [&] {
        for (QWidget* top : QApplication::topLevelWidgets()) {
            auto* dlg = qobject_cast<QDialog*>(top);
            if (!dlg || !dlg->isVisible()) continue;
            s.title = dlg->windowTitle();
            if (auto* y = dlg->findChild<QPlainTextEdit*>("yaml")) s.yaml = y->toPlainText();
            if (auto* c = dlg->findChild<QLineEdit*>("command")) s.command = c->text();
            if (auto* box = dlg->findChild<QDialogButtonBox*>())
                for (QAbstractButton* b : box->buttons())
                    if (box->buttonRole(b) == QDialogButtonBox::ActionRole && b->text().contains("Copy")) b->click();
            s.clipboard = QApplication::clipboard()->text();
            dlg->reject();
        }
    });
    open();
    return s;
}

}  // namespace

class TestUiCommandPreview : public QObject {
    Q_OBJECT
private slots:
    void trainAndExportShowTheirOwnConfig() {
        ui::MainWindow w;
        const Shown train = preview([&] { w.trainTab()->previewCommand(); });
        QCOMPARE(train.title, QString("Command preview"));
        QCOMPARE(train.yaml, QString::fromStdString(w.trainTab()->currentConfig().to_yaml()));
        QCOMPARE(train.command, w.trainTab()->commandLine());
        QVERIFY2(train.command.startsWith("lathe-cli train"), qPrintable(train.command));
        QCOMPARE(train.clipboard, train.command + "\n\n" + train.yaml);

        const Shown exp = preview([&] { w.exportTab()->previewCommand(); });
        QCOMPARE(exp.yaml, QString::fromStdString(w.exportTab()->currentConfig().to_yaml()));
        QCOMPARE(exp.command, w.exportTab()->commandLine());
        QVERIFY2(exp.command.startsWith("lathe-cli export"), qPrintable(exp.command));
        QCOMPARE(exp.clipboard, exp.command + "\n\n" + exp.yaml);
    }

    // The command line every tab shows: the saved path, quoted for a POSIX shell when it must be.
    void commandLinesQuoteForTheShell() {
        QCOMPARE(ui::cliCommandLine("train", QString(), "train.yaml"), QString("lathe-cli train train.yaml"));
        QCOMPARE(ui::cliCommandLine("export", "/tmp/run-1/export.yaml", "x.yaml"),
                 QString("lathe-cli export /tmp/run-1/export.yaml"));
        QCOMPARE(ui::cliCommandLine("train", "/tmp/my runs/it's.yaml", "x.yaml"),
                 QString("lathe-cli train '/tmp/my runs/it'\\''s.yaml'"));
        QCOMPARE(ui::cliCommandLine("train", QString::fromUtf8("/tmp/학습.yaml"), "x.yaml"),
                 QString::fromUtf8("lathe-cli train '/tmp/학습.yaml'"));
    }
};

LATHE_TEST(TestUiCommandPreview)
#include "test_ui_command_preview.moc"
