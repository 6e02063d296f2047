// The Evaluate tab's predictions as files for other tools: CSV (RFC 4180: every field with a comma, quote,
// line break or edge space is quoted, quotes doubled; UTF-8; a header row) and JSON Lines (one object a
// row, keys in a fixed order). Both carry the prompt, label, prediction, finish reason and the six scores
// with LLaMA-Factory's metric names; an A/B table adds the comparison's and the ROUGE-L difference; a
// judged table the judge's rewards ("reward", and "reward_b" and "delta_reward" for A/B).
#pragma once
#include "core/eval/predict.h"

#include <QByteArray>
#include <QString>

#include <vector>

namespace lathe {
namespace ui {

QByteArray predictions_csv(const std::vector<const PredictRow*>& rows, bool compare, bool judged);
QByteArray predictions_jsonl(const std::vector<const PredictRow*>& rows, bool compare, bool judged);

// One CSV field, quoted when it must be.
QString csv_field(const QString& text);

}  // namespace ui
}  // namespace lathe
