#include "ui/train_validation.h"

#include "core/train/session.h"
#include "core/train/train_config.h"
#include "core/util/error.h"

#include <QStringList>

#include <set>

namespace lathe {
namespace ui {

namespace {

// "learning_rate: must be positive" -> "learning_rate" when that is a key.
QString keyOf(const std::string& message) {
    static const std::vector<std::string> keys = TrainConfig::keys();
    const auto colon = message.find(':');
    if (colon == std::string::npos) return {};
    const std::string head = message.substr(0, colon);
    for (const auto& k : keys)
        if (head == k) return QString::fromStdString(k);
    return {};
}

// Messages of precheck_training that do not start with a key: tie them to the setting they are about.
QString guessKey(const TrainConfig& c, const QString& message) {
    auto mentions = [&](const std::string& value) {
        return !value.empty() && message.contains(QString::fromStdString(value));
    };
    if (mentions(c.model_name_or_path)) return "model_name_or_path";
    if (message.contains("dataset_info.json") || mentions(c.dataset_dir)) return "dataset_dir";
    if (message.contains("dataset", Qt::CaseInsensitive)) return "dataset";
    if (message.contains("template", Qt::CaseInsensitive)) return "template";
    if (message.contains("device", Qt::CaseInsensitive) || message.contains("CUDA")) return "device";
    return {};
}

}  // namespace

QList<Problem> find_problems(const TrainConfig& config) {
    QList<Problem> out;
    std::set<std::string> seen;
    // validate() stops at the first problem: note it, put that key back to something valid, go again.
    TrainConfig c = config;
    const TrainConfig defaults;
    for (int round = 0; round < 40; ++round) {
        try {
            c.validate();
            break;
        } catch (const Error& e) {
            const std::string msg = e.what();
            if (!seen.insert(msg).second) break;
            const QString key = keyOf(msg);
            out.push_back({key, QString::fromStdString(msg)});
            if (key.isEmpty()) break;
            const std::string k = key.toStdString();
            if (c.get(k) != defaults.get(k)) c.set(k, defaults.get(k));
            else if (k == "finetuning_type") c.create_new_model.clear();
            else c.set(k, k == "dataset" || k == "output_dir" || k == "model_name_or_path" ? "_" : defaults.get(k));
        }
    }
    // Engine checks that need the disk; validate()'s first message comes again first: skip repeats.
    for (const auto& m : precheck_training(config)) {
        if (seen.count(m)) continue;
        seen.insert(m);
        const QString msg = QString::fromStdString(m);
        QString key = keyOf(m);
        if (key.isEmpty()) key = guessKey(config, msg);
        out.push_back({key, msg});
    }
    return out;
}

QStringList trainable_stages() {
    QStringList out;
    for (const char* s : {"pt", "sft", "rm", "dpo", "kto", "ppo"}) {
        TrainConfig c;
        c.stage = s;
        bool available = true;
        for (const auto& m : precheck_training(c))
            if (m.rfind("stage:", 0) == 0) available = false;
        if (available) out << s;
    }
    return out;
}

}  // namespace ui
}  // namespace lathe
