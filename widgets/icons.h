// Icons drawn as vector paths at whatever size and device pixel ratio they are asked for, so they stay
// sharp on high-DPI screens without image files or the SVG module.
#pragma once
#include <QIcon>

namespace lathe {
namespace widgets {

enum class IconKind { Start, Stop, Folder, Open, Save, Preview, Send, Clear, Add, Image, Refresh, Compare, Load, Unload, Remove, Up, Down,
                      Export };

QIcon icon(IconKind kind);

}  // namespace widgets
}  // namespace lathe
