// lathe::Problem as a Qt value, for queued signals that carry the engine's lines as data (the run logs,
// a loaded model's line) to be worded in the studio's language where they are shown.
#pragma once
#include "core/util/error.h"

#include <QMetaType>

Q_DECLARE_METATYPE(lathe::Problem)
