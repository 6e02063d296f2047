#include "ui/command_preview.h"

#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFont>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace lathe {
namespace ui {

QString cliCommandLine(const QString& verb, const QString& config, const QString& fallback) {
    QString path = config.isEmpty() ? fallback : config;
    if (path.isEmpty() || path.contains(QRegularExpression("[^A-Za-z0-9_./:=@%+-]"))) {
        path.replace("'", "'\\''");
        path = "'" + path + "'";
    }
    return QStringLiteral("lathe-cli %1 %2").arg(verb, path);
}

void showCommandPreview(QWidget* parent, const CommandPreview& preview) {
    QDialog dlg(parent);
    dlg.setWindowTitle(QCoreApplication::translate("lathe::ui::CommandPreview", "Command preview"));
    auto* layout = new QVBoxLayout(&dlg);
    auto* hint = new QLabel(preview.hint, &dlg);
    hint->setWordWrap(true);
    auto* cmd = new QLineEdit(preview.command(), &dlg);
    cmd->setReadOnly(true);
    cmd->setObjectName("command");
    auto* yaml = new QPlainTextEdit(preview.yaml, &dlg);
    yaml->setReadOnly(true);
    yaml->setObjectName("yaml");
    QFont mono("monospace");
    mono.setStyleHint(QFont::TypeWriter);
    yaml->setFont(mono);
    cmd->setFont(mono);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Close, &dlg);
    auto* copy = box->addButton(QCoreApplication::translate("lathe::ui::CommandPreview", "Copy command and YAML"), QDialogButtonBox::ActionRole);
    auto* save = box->addButton(QCoreApplication::translate("lathe::ui::CommandPreview", "Save YAML…"), QDialogButtonBox::ActionRole);
    QObject::connect(copy, &QPushButton::clicked, &dlg, [cmd, yaml] {
        QApplication::clipboard()->setText(cmd->text() + "\n\n" + yaml->toPlainText());
    });
    QObject::connect(save, &QPushButton::clicked, &dlg, [&preview, cmd] {
        preview.save();
        cmd->setText(preview.command());
    });
    QObject::connect(box, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    layout->addWidget(hint);
    layout->addWidget(cmd);
    layout->addWidget(yaml, 1);
    layout->addWidget(box);
    dlg.resize(640, preview.height);
    dlg.exec();
}

namespace {

QString yamlFilter() { return QCoreApplication::translate("lathe::ui::CommandPreview", "YAML files (*.yaml *.yml)"); }

}  // namespace

void saveConfigWithDialog(QWidget* parent, const QString& title, const QString& lastPath, const QString& name,
                          const ConfigFileAction& action) {
    const QString start = lastPath.isEmpty() ? QDir::current().absoluteFilePath(name) : lastPath;
    const QString path = QFileDialog::getSaveFileName(parent, title, start, yamlFilter());
    if (path.isEmpty()) return;
    QString error;
    if (!action(path, &error))
        QMessageBox::warning(parent, QCoreApplication::translate("lathe::ui::CommandPreview", "Save config"), error);
}

void loadConfigWithDialog(QWidget* parent, const QString& title, const QString& lastPath, const ConfigFileAction& action) {
    const QString path = QFileDialog::getOpenFileName(parent, title, QFileInfo(lastPath).absolutePath(), yamlFilter());
    if (path.isEmpty()) return;
    QString error;
    if (!action(path, &error))
        QMessageBox::warning(parent, QCoreApplication::translate("lathe::ui::CommandPreview", "Load config"), error);
}

}  // namespace ui
}  // namespace lathe
