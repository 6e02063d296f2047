#include "widgets/path_list_edit.h"

#include "widgets/icons.h"

#include <QEvent>
#include <QFileDialog>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QListWidget>
#include <QMenu>
#include <QToolButton>
#include <QVBoxLayout>

namespace lathe {
namespace widgets {

PathListEdit::PathListEdit(QWidget* parent) : QWidget(parent) {
    list_ = new QListWidget(this);
    list_->setObjectName("paths");
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    list_->setTextElideMode(Qt::ElideMiddle);
    // Room for three folders: more scroll; an empty list stays small.
    list_->setMaximumHeight(QFontMetrics(list_->font()).height() * 4 + 12);
    auto tool = [this](IconKind kind, const char* name) {
        auto* b = new QToolButton(this);
        b->setIcon(icon(kind));
        b->setObjectName(name);
        return b;
    };
    add_ = tool(IconKind::Add, "add");
    add_->setPopupMode(QToolButton::InstantPopup);
    add_->setMenu(new QMenu(add_));
    connect(add_->menu(), &QMenu::aboutToShow, this, &PathListEdit::fillAddMenu);
    remove_ = tool(IconKind::Remove, "remove");
    up_ = tool(IconKind::Up, "up");
    down_ = tool(IconKind::Down, "down");
    auto* buttons = new QVBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->setSpacing(2);
    for (QToolButton* b : {add_, remove_, up_, down_}) buttons->addWidget(b);
    buttons->addStretch(1);
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(list_, 1);
    row->addLayout(buttons);

    connect(remove_, &QToolButton::clicked, this, [this] {
        delete list_->takeItem(list_->currentRow());
        updateButtons();
        emit changed();
    });
    connect(up_, &QToolButton::clicked, this, [this] { move(-1); });
    connect(down_, &QToolButton::clicked, this, [this] { move(+1); });
    connect(list_, &QListWidget::currentRowChanged, this, &PathListEdit::updateButtons);
    retranslate();
    updateButtons();
}

void PathListEdit::retranslate() {
    add_->setToolTip(tr("Add a folder"));
    remove_->setToolTip(tr("Remove the selected folder"));
    up_->setToolTip(tr("Move up (used earlier)"));
    down_->setToolTip(tr("Move down (used later)"));
}

void PathListEdit::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

QStringList PathListEdit::paths() const {
    QStringList out;
    for (int i = 0; i < list_->count(); ++i) out << list_->item(i)->data(Qt::UserRole).toString();
    return out;
}

void PathListEdit::setPaths(const QStringList& paths) {
    list_->clear();
    for (const QString& p : paths) {
        auto* item = new QListWidgetItem(p, list_);
        item->setData(Qt::UserRole, p);
        item->setToolTip(p);
    }
    updateButtons();
}

void PathListEdit::addPath(const QString& path) {
    if (path.isEmpty() || paths().contains(path)) return;
    auto* item = new QListWidgetItem(path, list_);
    item->setData(Qt::UserRole, path);
    item->setToolTip(path);
    list_->setCurrentItem(item);
    updateButtons();
    emit changed();
}

void PathListEdit::setSuggestions(const QList<QPair<QString, QString>>& suggestions) { suggestions_ = suggestions; }

void PathListEdit::fillAddMenu() {
    emit suggestionsWanted();
    QMenu* menu = add_->menu();
    menu->clear();
    const QStringList listed = paths();
    for (const auto& [label, path] : suggestions_) {
        QAction* a = menu->addAction(label, this, [this, path = path] { addPath(path); });
        a->setToolTip(path);
        a->setEnabled(!listed.contains(path));
    }
    if (!menu->isEmpty()) menu->addSeparator();
    menu->addAction(tr("Other folder…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, dialogTitle_.isEmpty() ? tr("Choose a folder") : dialogTitle_,
                                                              startFolder_);
        if (!dir.isEmpty()) addPath(dir);
    });
}

void PathListEdit::move(int delta) {
    const int from = list_->currentRow(), to = from + delta;
    if (from < 0 || to < 0 || to >= list_->count()) return;
    QListWidgetItem* item = list_->takeItem(from);
    list_->insertItem(to, item);
    list_->setCurrentRow(to);
    emit changed();
}

void PathListEdit::updateButtons() {
    const int row = list_->currentRow(), n = list_->count();
    remove_->setEnabled(row >= 0);
    up_->setEnabled(row > 0);
    down_->setEnabled(row >= 0 && row + 1 < n);
}

}  // namespace widgets
}  // namespace lathe
