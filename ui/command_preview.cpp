#include "ui/command_preview.h"

#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFont>
#include <QLabel>
#include <QLineEdit>
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

}  // namespace ui
}  // namespace lathe
