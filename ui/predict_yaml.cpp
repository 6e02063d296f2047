#include "ui/predict_yaml.h"

#include "core/io/yaml_config.h"

#include <QCoreApplication>
#include <QMap>

#include <set>

namespace lathe {
namespace ui {

namespace {

// A YAML scalar in double quotes (paths may hold spaces, colons or Hangul).
QString quoted(const std::string& s) {
    QString q = QString::fromStdString(s);
    q.replace('\\', QStringLiteral("\\\\"));
    q.replace('"', QStringLiteral("\\\""));
    return '"' + q + '"';
}

const char* kContext = "lathe::ui::PredictYaml";

// Messages marked with QT_TRANSLATE_NOOP below.
QString translated(const char* text) { return QCoreApplication::translate(kContext, text); }

}  // namespace

QString predict_config_yaml(const PredictConfig& c) {
    QStringList lines;
    lines << "# Predictions on held-out data, as the studio's Evaluate & Predict tab runs them.";
    lines << "model_name_or_path: " + quoted(c.model_name_or_path);
    if (!c.adapter_name_or_path.empty()) lines << "adapter_name_or_path: " + quoted(c.adapter_name_or_path);
    if (!c.template_name.empty()) lines << "template: " + quoted(c.template_name);
    lines << "stage: sft" << "do_train: false" << "do_predict: true" << "predict_with_generate: true";
    lines << "eval_dataset: " + quoted(c.dataset);
    lines << "dataset_dir: " + quoted(c.dataset_dir);
    if (c.max_samples > 0) lines << QStringLiteral("max_samples: %1").arg(c.max_samples);
    lines << QStringLiteral("per_device_eval_batch_size: %1").arg(c.batch_size);
    lines << QStringLiteral("max_new_tokens: %1").arg(c.max_new_tokens);
    lines << QStringLiteral("do_sample: %1").arg(c.do_sample ? "true" : "false");
    lines << QStringLiteral("temperature: %1").arg(c.temperature, 0, 'g', 6);
    lines << QStringLiteral("top_p: %1").arg(c.top_p, 0, 'g', 6);
    lines << QStringLiteral("top_k: %1").arg(c.top_k);
    lines << "output_dir: " + quoted(c.output_dir);
    if (!c.compare.empty()) lines << "lathe_compare: " + quoted(c.compare);
    if (!c.judge.empty()) lines << "lathe_judge: " + quoted(c.judge);
    return lines.join('\n') + '\n';
}

bool parse_predict_yaml(const QString& text, const QString& origin, PredictConfig* out, QStringList* ignored,
                        QString* error) {
    std::vector<YamlEntry> entries;
    try {
        entries = read_flat_yaml(text.toStdString(), origin.toStdString());
    } catch (const std::exception& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
    static const std::set<std::string> known = {
        "model_name_or_path", "adapter_name_or_path", "template", "stage", "do_train", "do_predict",
        "predict_with_generate", "eval_dataset", "dataset", "dataset_dir", "max_samples", "per_device_eval_batch_size",
        "max_new_tokens", "do_sample", "temperature", "top_p", "top_k", "output_dir", "lathe_compare", "lathe_judge"};
    QMap<QString, QString> v, at;
    for (const YamlEntry& e : entries) {
        if (!known.count(e.key) || e.is_mapping) {
            if (ignored) *ignored << QString::fromStdString(e.key);
            continue;
        }
        v.insert(QString::fromStdString(e.key), e.value == "null" ? QString() : QString::fromStdString(e.value));
        at.insert(QString::fromStdString(e.key), QString::fromStdString(e.at));
    }
    QStringList problems;
    auto bad = [&](const QString& key, const char* expected) {
        problems << QCoreApplication::translate("lathe::ui::PredictYaml", "%1: %2: expected %3, got '%4'").arg(at[key], key, translated(expected), v[key]);
    };
    auto integer = [&](const QString& key, int min, int* field) {
        if (!v.contains(key) || v[key].isEmpty()) return;
        bool ok = false;
        const int n = v[key].toInt(&ok);
        if (!ok || n < min) return bad(key, min > 0 ? QT_TRANSLATE_NOOP("lathe::ui::PredictYaml", "a whole number above 0")
                                                    : QT_TRANSLATE_NOOP("lathe::ui::PredictYaml", "a whole number"));
        *field = n;
    };
    auto real = [&](const QString& key, double* field) {
        if (!v.contains(key)) return;
        bool ok = false;
        const double x = v[key].toDouble(&ok);
        if (!ok) return bad(key, QT_TRANSLATE_NOOP("lathe::ui::PredictYaml", "a number"));
        *field = x;
    };
    auto boolean = [&](const QString& key, bool* field) {
        if (!v.contains(key)) return;
        const QString b = v[key].toLower();
        if (b != "true" && b != "false") return bad(key, QT_TRANSLATE_NOOP("lathe::ui::PredictYaml", "true or false"));
        *field = b == "true";
    };
    PredictConfig c;
    c.max_samples = 0;
    bool doTrain = false, doPredict = true, withGenerate = true;
    integer("max_samples", 0, &c.max_samples);
    integer("per_device_eval_batch_size", 1, &c.batch_size);
    integer("max_new_tokens", 1, &c.max_new_tokens);
    integer("top_k", 0, &c.top_k);
    real("temperature", &c.temperature);
    real("top_p", &c.top_p);
    boolean("do_sample", &c.do_sample);
    boolean("do_train", &doTrain);
    boolean("do_predict", &doPredict);
    boolean("predict_with_generate", &withGenerate);
    if (v.contains("stage") && v["stage"] != "sft")
        problems << QCoreApplication::translate("lathe::ui::PredictYaml", "%1: stage: predictions are made on sft data, got '%2'").arg(at["stage"], v["stage"]);
    if (doTrain || !doPredict)
        problems << QCoreApplication::translate("lathe::ui::PredictYaml", "%1: a training config, not a prediction config (that needs do_predict: true and do_train: false)")
                        .arg(origin);
    if (!withGenerate)
        problems << QCoreApplication::translate("lathe::ui::PredictYaml", "%1: predict_with_generate: Lathe predicts by generating answers; set it to true").arg(at["predict_with_generate"]);
    if (!problems.isEmpty()) {
        if (error) *error = problems.join('\n');
        return false;
    }
    c.model_name_or_path = v.value("model_name_or_path").toStdString();
    c.adapter_name_or_path = v.value("adapter_name_or_path").toStdString();
    c.template_name = v.value("template").toStdString();
    c.dataset = (v.contains("eval_dataset") ? v["eval_dataset"] : v.value("dataset")).toStdString();
    if (v.contains("dataset_dir")) c.dataset_dir = v["dataset_dir"].toStdString();
    c.output_dir = v.value("output_dir").toStdString();
    c.compare = v.value("lathe_compare").toStdString();
    c.judge = v.value("lathe_judge").toStdString();
    *out = c;
    return true;
}

}  // namespace ui
}  // namespace lathe
