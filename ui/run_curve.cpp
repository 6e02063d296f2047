#include "ui/run_curve.h"

#include "core/train/run_dir.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace lathe {
namespace ui {

QString run_dir_of(const QString& path) {
    const QFileInfo fi(QDir::cleanPath(path));
    if (fi.fileName().startsWith("checkpoint-")) return fi.absolutePath();
    return fi.absoluteFilePath();
}

QString run_label(const QString& path, bool with_checkpoint) {
    const QDir run(run_dir_of(path));
    QDir parent = run;
    parent.cdUp();
    QString label = parent.dirName() + "/" + run.dirName();
    if (with_checkpoint && QDir(path).absolutePath() != run.absolutePath()) label += "/" + QDir(path).dirName();
    return label;
}

bool read_run_curve(const QString& dir, widgets::CurveData* out, QString* error) {
    const QString run = run_dir_of(dir);
    if (!QFileInfo::exists(run + "/trainer_log.jsonl")) {
        if (error)
            *error = QCoreApplication::translate("lathe::ui::TrainTab", "%1 has no trainer_log.jsonl").arg(run);
        return false;
    }
    *out = widgets::CurveData{};
    for (const auto& row : read_trainer_log(run.toStdString())) {
        if (!row.is_object() || !row.contains("current_steps")) continue;
        const double step = row["current_steps"].get<double>();
        if (row.contains("loss") && row["loss"].is_number()) {
            out->steps.push_back(step);
            out->loss.push_back(row["loss"].get<double>());
            if (row.contains("lr") && row["lr"].is_number()) {
                out->lrSteps.push_back(step);
                out->lr.push_back(row["lr"].get<double>());
            }
        }
        if (row.contains("eval_loss") && row["eval_loss"].is_number()) {
            out->evalSteps.push_back(step);
            out->evalLoss.push_back(row["eval_loss"].get<double>());
        }
    }
    return true;
}

}  // namespace ui
}  // namespace lathe
