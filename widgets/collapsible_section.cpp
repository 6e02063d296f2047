#include "widgets/collapsible_section.h"

#include <QFrame>
#include <QToolButton>
#include <QVBoxLayout>

namespace lathe {
namespace widgets {

CollapsibleSection::CollapsibleSection(QWidget* parent) : QWidget(parent) {
    header_ = new QToolButton(this);
    header_->setCheckable(true);
    header_->setChecked(true);
    header_->setArrowType(Qt::DownArrow);
    header_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    header_->setAutoRaise(true);
    QFont f = header_->font();
    f.setBold(true);
    header_->setFont(f);
    line_ = new QFrame(this);
    line_->setFrameShape(QFrame::HLine);
    line_->setFrameShadow(QFrame::Sunken);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 2, 0, 2);
    layout->setSpacing(2);
    auto* head = new QHBoxLayout;
    head->addWidget(header_);
    head->addWidget(line_, 1);
    layout->addLayout(head);
    connect(header_, &QToolButton::toggled, this, [this](bool on) {
        header_->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
        if (body_) body_->setVisible(on);
        emit toggled(on);
    });
}

void CollapsibleSection::setTitle(const QString& title) { header_->setText(title); }
QString CollapsibleSection::title() const { return header_->text(); }

void CollapsibleSection::setBody(QWidget* body) {
    delete body_;
    body_ = body;
    body_->setParent(this);
    layout()->addWidget(body_);
    body_->setVisible(header_->isChecked());
}

void CollapsibleSection::setExpanded(bool expanded) { header_->setChecked(expanded); }
bool CollapsibleSection::isExpanded() const { return header_->isChecked(); }

}  // namespace widgets
}  // namespace lathe
