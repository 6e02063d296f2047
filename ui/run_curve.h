// A run folder's loss curve, read from its trainer_log.jsonl, as plain numbers for the plot.
#pragma once
#include "widgets/loss_plot.h"

#include <QString>

namespace lathe {
namespace ui {

// `dir` may be a run folder or one of its checkpoint-N folders. False (with a message) when the folder
// has no trainer_log.jsonl.
bool read_run_curve(const QString& dir, widgets::CurveData* out, QString* error = nullptr);
// The run folder a path belongs to (a checkpoint-N folder's parent, else the path itself).
QString run_dir_of(const QString& path);
// How the studio names a run: "<folder above the run>/<run>", then "/checkpoint-N" for a checkpoint's
// path unless `with_checkpoint` is false.
QString run_label(const QString& path, bool with_checkpoint = true);

}  // namespace ui
}  // namespace lathe
