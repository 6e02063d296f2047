// Where the studio finds and files things: the saves folder, the bundled datasets, the starter config.
#pragma once
#include <QString>

namespace lathe {
struct TrainConfig;
}

namespace lathe {
namespace ui {

// The saves folder (QSettings "paths/saves", else ./saves of the working directory), absolute.
QString saves_root();
void set_saves_root(const QString& dir);

// The bundled datasets folder next to the program or in the source tree ("" when none).
QString bundled_datasets_dir();

// The starter: the embedded examples/starter_new_model_identity.yaml with its dataset folder pointed at
// the bundled datasets, the assistant named `name`, and the output folder `output_dir`.
TrainConfig starter_config(const QString& name, const QString& output_dir);

}  // namespace ui
}  // namespace lathe
