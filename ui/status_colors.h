// The colours the tabs give their verdicts: a problem, all clear, a warning.
#pragma once

namespace lathe::ui {

inline constexpr const char* kRed = "#c0392b";
inline constexpr const char* kGreen = "#1e7e34";
inline constexpr const char* kAmber = "#9a6700";

}  // namespace lathe::ui
