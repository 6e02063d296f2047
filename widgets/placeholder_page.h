// A page that says clearly what is not built yet, instead of an empty tab or a stub that pretends.
#pragma once
#include <QWidget>

class QLabel;

namespace lathe {
namespace widgets {

class PlaceholderPage : public QWidget {
    Q_OBJECT
public:
    PlaceholderPage(const QString& title, const QString& explanation, QWidget* parent = nullptr);
    void setTexts(const QString& title, const QString& explanation);
    QString explanation() const;

private:
    QLabel *heading_, *text_;
};

}  // namespace widgets
}  // namespace lathe
