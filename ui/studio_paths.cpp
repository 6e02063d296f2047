#include "ui/studio_paths.h"

#include "core/util/engine_info.h"
#include "core/train/train_config.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>

namespace lathe {
namespace ui {

QString saves_root() {
    const QString dir = QSettings().value("paths/saves").toString();
    return QDir(dir.isEmpty() ? QDir::current().absoluteFilePath("saves") : dir).absolutePath();
}

void set_saves_root(const QString& dir) { QSettings().setValue("paths/saves", QDir(dir).absolutePath()); }

QString bundled_datasets_dir() {
    return QString::fromStdString(find_bundled_dir(QCoreApplication::applicationDirPath().toStdString(), "datasets"));
}

TrainConfig starter_config(const QString& name, const QString& output_dir) {
    QFile f(":/lathe/starter.yaml");
    TrainConfig c;
    if (f.open(QIODevice::ReadOnly)) c = TrainConfig::from_yaml(f.readAll().toStdString(), "starter.yaml");
    const QString datasets = bundled_datasets_dir();
    if (!datasets.isEmpty()) c.dataset_dir = datasets.toStdString();
    if (!name.trimmed().isEmpty()) c.identity_name = name.trimmed().toStdString();
    c.output_dir = output_dir.toStdString();
    return c;
}

}  // namespace ui
}  // namespace lathe
