// Every problem of a training config that can be found before Start, each tied to the key it is
// about, so the form can show it next to the field. Runs the engine's own checks: TrainConfig::validate
// (repeated, so that more than the first problem is found) and precheck_training (model folder,
// datasets, device, template, stage).
#pragma once
#include <QList>
#include <QPair>
#include <QString>

namespace lathe {
struct TrainConfig;
}

namespace lathe {
namespace ui {

using Problem = QPair<QString, QString>;  // (key or "" when it concerns no single key, message)

QList<Problem> find_problems(const TrainConfig& config);

// The stages this build of the engine can train.
QStringList trainable_stages();

}  // namespace ui
}  // namespace lathe
