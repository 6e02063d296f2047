#include "ui/export_checks.h"

#include "core/export/export.h"
#include "core/export/export_config.h"
#include "core/util/error.h"
#include "ui/engine_messages.h"

#include <QDir>
#include <QFileInfo>

namespace lathe {
namespace ui {

ExportCheck check_export(const ExportConfig& config) {
    ExportCheck out;
    ExportConfig c = config;
    const QDir target(QString::fromStdString(c.export_dir));
    out.targetNotEmpty = !c.export_dir.empty() && target.exists() &&
                         !target.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
    // A non-empty target is the confirmation's business, not a problem of the form.
    if (out.targetNotEmpty) c.export_overwrite = true;
    for (const lathe::Problem& p : precheck_export(c)) out.problems.push_back({QString::fromStdString(p.key), engine_message(p)});
    if (!out.problems.isEmpty()) return out;
    try {
        const ExportEstimate e = estimate_export(c);
        for (const ExportFile& f : e.files) out.files.push_back({QString::fromStdString(f.name), static_cast<qint64>(f.bytes)});
        out.totalBytes = static_cast<qint64>(e.total_bytes);
        out.availableBytes = static_cast<qint64>(e.available_bytes);
        out.templateName = QString::fromStdString(e.template_name);
        for (const lathe::Problem& w : e.warnings) out.warnings << engine_message(w);  // in the studio's language
        out.estimated = true;
    } catch (const Error& e) {  // the folder changed between the two calls
        out.problems.push_back({QString::fromStdString(e.problem().key), engine_message(e.problem())});
    } catch (const std::exception& e) {
        out.problems.push_back({QString(), QString::fromStdString(e.what())});
    }
    return out;
}

}  // namespace ui
}  // namespace lathe
