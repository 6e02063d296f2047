#include "ui/prediction_export.h"

#include <nlohmann/json.hpp>

#include <QStringList>

namespace lathe {
namespace ui {

namespace {

const char* kScoreNames[] = {"bleu-4", "rouge-1", "rouge-2", "rouge-l", "exact_match", "f1"};

std::vector<double> scoreValues(const SampleScores& s) {
    return {s.bleu4, s.rouge1, s.rouge2, s.rougeL, s.exact_match, s.f1};
}

QString number(double v) { return QString::number(v, 'f', 4); }

}  // namespace

QString csv_field(const QString& text) {
    const bool quote = text.contains(',') || text.contains('"') || text.contains('\n') || text.contains('\r') ||
                       (!text.isEmpty() && (text.front().isSpace() || text.back().isSpace()));
    if (!quote) return text;
    QString q = text;
    q.replace('"', QStringLiteral("\"\""));
    return '"' + q + '"';
}

QByteArray predictions_csv(const std::vector<const PredictRow*>& rows, bool compare, bool judged) {
    QStringList header = {"index", "source", "prompt", "label", "predict", "finish"};
    for (const char* n : kScoreNames) header << n;
    if (compare) {
        header << "predict_b" << "finish_b";
        for (const char* n : kScoreNames) header << QStringLiteral("b_%1").arg(n);
        header << "delta_rouge-l";
    }
    if (judged) header << "reward";
    if (judged && compare) header << "reward_b" << "delta_reward";
    QString out = header.join(',') + "\r\n";
    for (const PredictRow* r : rows) {
        QStringList f = {QString::number(r->index), csv_field(QString::fromStdString(r->source)),
                         csv_field(QString::fromStdString(r->prompt)), csv_field(QString::fromStdString(r->label)),
                         csv_field(QString::fromStdString(r->predict)), csv_field(QString::fromStdString(r->finish))};
        for (double v : scoreValues(r->scores)) f << number(v);
        if (compare) {
            f << csv_field(QString::fromStdString(r->predict_b)) << csv_field(QString::fromStdString(r->finish_b));
            for (double v : scoreValues(r->scores_b)) f << number(v);
            f << number(r->scores.rougeL - r->scores_b.rougeL);
        }
        if (judged) f << number(r->reward);
        if (judged && compare) f << number(r->reward_b) << number(r->reward - r->reward_b);
        out += f.join(',') + "\r\n";
    }
    return out.toUtf8();
}

QByteArray predictions_jsonl(const std::vector<const PredictRow*>& rows, bool compare, bool judged) {
    std::string out;
    for (const PredictRow* r : rows) {
        nlohmann::ordered_json j;
        j["index"] = r->index;
        j["source"] = r->source;
        j["prompt"] = r->prompt;
        j["label"] = r->label;
        j["predict"] = r->predict;
        j["finish"] = r->finish;
        const auto a = scoreValues(r->scores);
        for (size_t i = 0; i < a.size(); ++i) j[kScoreNames[i]] = a[i];
        if (compare) {
            j["predict_b"] = r->predict_b;
            j["finish_b"] = r->finish_b;
            const auto b = scoreValues(r->scores_b);
            for (size_t i = 0; i < b.size(); ++i) j[std::string("b_") + kScoreNames[i]] = b[i];
            j["delta_rouge-l"] = r->scores.rougeL - r->scores_b.rougeL;
        }
        if (judged) j["reward"] = r->reward;
        if (judged && compare) {
            j["reward_b"] = r->reward_b;
            j["delta_reward"] = r->reward - r->reward_b;
        }
        // Invalid UTF-8 from a model's bytes is replaced rather than failing the whole export.
        out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    return QByteArray::fromStdString(out);
}

}  // namespace ui
}  // namespace lathe
