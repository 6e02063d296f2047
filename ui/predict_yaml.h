// The Evaluate tab's settings as the YAML file `lathe-cli train` reads for a prediction run, with
// LLaMA-Factory's keys (stage: sft, do_predict: true, predict_with_generate: true, eval_dataset, ...) and
// Lathe's `lathe_compare` for an A/B run and `lathe_judge` for a reward model that scores the answers; and
// that file read back.
#pragma once
#include "core/eval/predict.h"

#include <QString>
#include <QStringList>

namespace lathe {
namespace ui {

QString predict_config_yaml(const PredictConfig& config);

// Reads a prediction YAML into `out` (keys it does not name keep PredictConfig's defaults, except
// max_samples: absent means all). Keys that mean nothing to a prediction are listed in `ignored`. False,
// with "file:line: key: ..." in `error`, for invalid values or a training config (do_train: true).
bool parse_predict_yaml(const QString& text, const QString& origin, PredictConfig* out, QStringList* ignored,
                        QString* error);

}  // namespace ui
}  // namespace lathe
