// The colours the tabs give their verdicts: a problem, all clear, a warning; and the red line a tab shows
// its problems in.
#pragma once
#include <QLabel>
#include <QString>

namespace lathe::ui {

inline constexpr const char* kRed = "#c0392b";
inline constexpr const char* kGreen = "#1e7e34";
inline constexpr const char* kAmber = "#9a6700";

// A red, word-wrapped, selectable label, hidden until it has something to say.
inline QLabel* make_problem_label(QWidget* parent, const QString& objectName) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color:%1;").arg(kRed));
    label->setVisible(false);
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

}  // namespace lathe::ui
