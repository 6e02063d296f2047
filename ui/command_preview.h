// The "Preview command" dialog the Train, Export and Evaluate tabs share: a hint, the lathe-cli command
// line, the YAML file it reads, Copy (command and YAML) and Save YAML. Also their Save/Load config dialogs.
#pragma once
#include <QString>

#include <functional>

class QWidget;

namespace lathe {
namespace ui {

struct CommandPreview {
    QString hint;                     // where the settings are saved, or how to save them
    std::function<QString()> command; // the command line; asked again after Save YAML (the path may change)
    QString yaml;
    std::function<void()> save;       // the tab's "Save config" dialog
    int height = 480;
};

// "lathe-cli <verb> <config>" with the path quoted for a POSIX shell; `fallback` (e.g. "train.yaml")
// stands for a config not saved yet.
QString cliCommandLine(const QString& verb, const QString& config, const QString& fallback);

// Modal; returns when the user closes it. The command's field is named "command", the YAML's "yaml".
void showCommandPreview(QWidget* parent, const CommandPreview& preview);

// A tab's "Save config" / "Load config": a YAML file picked in a file dialog titled `title`, then `action`
// on it (true, or false with the error, which a warning box shows). Save opens at `lastPath`, or `name`
// in the current folder; Load opens in `lastPath`'s folder.
using ConfigFileAction = std::function<bool(const QString& path, QString* error)>;
void saveConfigWithDialog(QWidget* parent, const QString& title, const QString& lastPath, const QString& name,
                          const ConfigFileAction& action);
void loadConfigWithDialog(QWidget* parent, const QString& title, const QString& lastPath, const ConfigFileAction& action);

}  // namespace ui
}  // namespace lathe
