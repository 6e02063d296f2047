// A titled section whose body folds away, for long forms (the basic settings open, the rest folded).
#pragma once
#include <QWidget>

class QToolButton;
class QFrame;

namespace lathe {
namespace widgets {

class CollapsibleSection : public QWidget {
    Q_OBJECT
public:
    explicit CollapsibleSection(QWidget* parent = nullptr);
    void setTitle(const QString& title);
    QString title() const;
    // The section takes ownership of `body`.
    void setBody(QWidget* body);
    QWidget* body() const { return body_; }
    void setExpanded(bool expanded);
    bool isExpanded() const;

signals:
    void toggled(bool expanded);

private:
    QToolButton* header_;
    QFrame* line_;
    QWidget* body_ = nullptr;
};

}  // namespace widgets
}  // namespace lathe
