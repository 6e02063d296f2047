#include "ui/dataset_checklist.h"

#include "core/data/dataset_registry.h"
#include "core/data/dataset_stage.h"

#include <QEvent>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

namespace lathe {
namespace ui {

DatasetChecklist::DatasetChecklist(QWidget* parent) : QWidget(parent) {
    list_ = new QListWidget(this);
    list_->setMaximumHeight(120);
    note_ = new QLabel(this);
    note_->setWordWrap(true);
    note_->setStyleSheet("color:#777;");
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->addWidget(list_);
    col->addWidget(note_);
    connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        if (updating_) return;
        const QString name = item->data(Qt::UserRole).toString();
        order_.removeAll(name);
        if (item->checkState() == Qt::Checked) order_.push_back(name);
        note_->setText(order_.isEmpty() ? QString() : tr("Order: %1").arg(order_.join(", ")));
        emit changed();
    });
}

void DatasetChecklist::setSource(const QString& dir, const QString& stage) {
    dir_ = dir;
    stage_ = stage;
    refresh();
}

void DatasetChecklist::setSelected(const QStringList& names) {
    order_ = names;
    refresh();
}

void DatasetChecklist::refresh() {
    const bool was = updating_;
    updating_ = true;
    list_->clear();
    problem_.clear();
    QStringList listed;
    try {
        const DatasetRegistry reg = DatasetRegistry::load(dir_.toStdString());
        const Stage stage = parse_stage(stage_.toStdString());
        for (const auto& n : reg.names_for_stage(stage)) listed << QString::fromStdString(n);
    } catch (const std::exception& e) {
        problem_ = QString::fromStdString(e.what());
    }
    // Ticked names the folder does not offer for this stage stay visible, so nothing is dropped silently.
    QStringList all = listed;
    for (const QString& n : order_)
        if (!all.contains(n)) all << n;
    for (const QString& n : all) {
        auto* item = new QListWidgetItem(listed.contains(n) ? n : tr("%1 (not available for this stage or folder)").arg(n),
                                         list_);
        item->setData(Qt::UserRole, n);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(order_.contains(n) ? Qt::Checked : Qt::Unchecked);
    }
    note_->setText(listed.isEmpty() && problem_.isEmpty() ? tr("No dataset in this folder fits the stage.")
                   : order_.isEmpty()                     ? QString()
                                                          : tr("Order: %1").arg(order_.join(", ")));
    updating_ = was;
}

void DatasetChecklist::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) refresh();
    QWidget::changeEvent(e);
}

}  // namespace ui
}  // namespace lathe
