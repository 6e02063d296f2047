// Every problem of a training config that can be found before Start, each tied to the key it is
// about, so the form can show it next to the field, and worded in the studio's language. Runs the
// engine's own checks (precheck_training: the settings, model folder, datasets, device, template, stage),
// which give every problem at once with its key.
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
