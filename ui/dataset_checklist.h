// The datasets of a folder's dataset_info.json that fit a stage, as a list to tick: the Train form's
// datasets and the Evaluate tab's. The order they were ticked in is the order they are used in.
#pragma once
#include <QStringList>
#include <QWidget>

class QLabel;
class QListWidget;

namespace lathe {
namespace ui {

class DatasetChecklist : public QWidget {
    Q_OBJECT
public:
    explicit DatasetChecklist(QWidget* parent = nullptr);

    // Re-reads `dir`/dataset_info.json and lists the datasets that fit `stage` ("pt", "sft", ...).
    void setSource(const QString& dir, const QString& stage);
    void refresh();
    QStringList selected() const { return order_; }  // in the order ticked
    void setSelected(const QStringList& names);       // emits no changed()
    // Why the folder lists nothing ("" when it could be read).
    QString problem() const { return problem_; }
    QListWidget* list() const { return list_; }

signals:
    // The user ticked or unticked a dataset.
    void changed();

protected:
    void changeEvent(QEvent* e) override;

private:
    QListWidget* list_;
    QLabel* note_;
    QString dir_, stage_, problem_;
    QStringList order_;
    bool updating_ = false;
};

}  // namespace ui
}  // namespace lathe
