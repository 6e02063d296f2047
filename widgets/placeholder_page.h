// A page that says clearly what is not built yet, instead of an empty tab.
#pragma once
#include <QWidget>

namespace lathe::widgets {

class PlaceholderPage : public QWidget {
    Q_OBJECT
public:
    PlaceholderPage(const QString& title, const QString& explanation, QWidget* parent = nullptr);
};

}  // namespace lathe::widgets
