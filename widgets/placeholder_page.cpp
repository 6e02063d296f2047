#include "widgets/placeholder_page.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace lathe {
namespace widgets {

PlaceholderPage::PlaceholderPage(const QString& title, const QString& explanation, QWidget* parent)
    : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    heading_ = new QLabel(this);
    text_ = new QLabel(this);
    text_->setWordWrap(true);
    text_->setAlignment(Qt::AlignHCenter);
    // Centred by stretches, not by an alignment flag: a flag would drop the label's height-for-width
    // and cut wrapped text to its first lines.
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(text_, 3);
    row->addStretch(1);
    layout->addStretch(1);
    layout->addWidget(heading_, 0, Qt::AlignHCenter);
    layout->addLayout(row);
    layout->addStretch(2);
    setTexts(title, explanation);
}

void PlaceholderPage::setTexts(const QString& title, const QString& explanation) {
    heading_->setText(QStringLiteral("<h2>%1</h2>").arg(title.toHtmlEscaped()));
    text_->setText(explanation);
}

QString PlaceholderPage::explanation() const { return text_->text(); }

}  // namespace widgets
}  // namespace lathe
