#include "ui/export_checks.h"

#include "core/export/export.h"
#include "core/export/export_config.h"

#include <QDir>
#include <QFileInfo>

namespace lathe {
namespace ui {

QString export_problem_key(const ExportConfig& c, const QString& message) {
    // "export_size: ..." names its key; the engine's target checks start "export_dir '...'".
    for (const std::string& k : ExportConfig::keys()) {
        const QString key = QString::fromStdString(k);
        if (message.startsWith(key + ":") || message.startsWith(key + " '")) return key;
    }
    auto mentions = [&](const std::string& value) {
        return !value.empty() && message.contains(QString::fromStdString(value));
    };
    // An adapter message names the model too ("trained on ..., not on the model being exported"):
    // adapters first.
    for (const std::string& a : c.adapters())
        if (mentions(a)) return "adapter_name_or_path";
    if (message.startsWith("adapter")) return "adapter_name_or_path";
    if (mentions(c.model_name_or_path) || message.contains("tokenizer")) return "model_name_or_path";
    if (message.startsWith("export needs")) return "export_dir";  // free space where the target will be
    return {};
}

ExportCheck check_export(const ExportConfig& config) {
    ExportCheck out;
    ExportConfig c = config;
    const QDir target(QString::fromStdString(c.export_dir));
    out.targetNotEmpty = !c.export_dir.empty() && target.exists() &&
                         !target.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
    // A non-empty target is the confirmation's business, not a problem of the form.
    if (out.targetNotEmpty) c.export_overwrite = true;
    for (const std::string& m : precheck_export(c)) {
        const QString msg = QString::fromStdString(m);
        out.problems.push_back({export_problem_key(c, msg), msg});
    }
    if (!out.problems.isEmpty()) return out;
    try {
        const ExportEstimate e = estimate_export(c);
        for (const ExportFile& f : e.files) out.files.push_back({QString::fromStdString(f.name), static_cast<qint64>(f.bytes)});
        out.totalBytes = static_cast<qint64>(e.total_bytes);
        out.availableBytes = static_cast<qint64>(e.available_bytes);
        out.templateName = QString::fromStdString(e.template_name);
        for (const std::string& w : e.warnings) out.warnings << QString::fromStdString(w);
        out.estimated = true;
    } catch (const std::exception& e) {  // the folder changed between the two calls
        const QString msg = QString::fromStdString(e.what());
        out.problems.push_back({export_problem_key(c, msg), msg});
    }
    return out;
}

}  // namespace ui
}  // namespace lathe
