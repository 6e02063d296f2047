#include "ui/train_validation.h"

#include "core/train/session.h"
#include "core/train/train_config.h"
#include "core/util/error.h"
#include "ui/engine_messages.h"

#include <QStringList>

namespace lathe {
namespace ui {

QList<Problem> find_problems(const TrainConfig& config) {
    QList<Problem> out;
    for (const lathe::Problem& p : precheck_training(config))
        out.push_back({QString::fromStdString(p.key), engine_message(p)});
    return out;
}

QStringList trainable_stages() {
    QStringList out;
    for (const std::string& s : stage_names()) {
        TrainConfig c;
        c.stage = s;
        bool available = true;
        for (const auto& p : precheck_training(c))
            if (p.key == "stage") available = false;
        if (available) out << QString::fromStdString(s);
    }
    return out;
}

}  // namespace ui
}  // namespace lathe
