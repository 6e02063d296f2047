// What the Export tab shows before an export: the engine's checks (precheck_export), each tied to the
// setting it is about so that the form can show it next to the field, and the size estimate
// (estimate_export). Reads the model's config, tokenizer and tensor headers: run it off the UI thread.
#pragma once
#include "ui/export_controller.h"
#include "ui/train_validation.h"  // Problem

#include <QStringList>

namespace lathe {
struct ExportConfig;
}

namespace lathe {
namespace ui {

struct ExportCheck {
    QList<Problem> problems;  // (ExportConfig key or "", message)
    bool estimated = false;   // true when there is no problem
    QVector<ExportedFile> files;
    qint64 totalBytes = 0, availableBytes = 0;
    QString templateName;
    QStringList warnings;
    bool targetNotEmpty = false;  // the Export button asks before replacing it
};

// Checks `config` as it would run once the user agreed to replace a non-empty target.
ExportCheck check_export(const ExportConfig& config);

}  // namespace ui
}  // namespace lathe
