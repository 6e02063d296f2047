// Every training setting the model bar does not cover, as a form built from train_fields(): grouped,
// with tooltips, and an error line under each field that the Train tab fills before Start.
#pragma once
#include "ui/train_fields.h"

#include <QMap>
#include <QStringList>
#include <QWidget>

class QFormLayout;
class QLabel;
class QListWidget;
class QPushButton;

namespace lathe {
struct TrainConfig;
}

namespace lathe {
namespace widgets {
class CollapsibleSection;
}  // namespace widgets
}  // namespace lathe

namespace lathe {
namespace ui {

class DatasetChecklist;

class TrainForm : public QWidget {
    Q_OBJECT
public:
    explicit TrainForm(QWidget* parent = nullptr);

    // Writes every field into `config`; a field whose text the engine rejects (e.g. "abc" as a number)
    // is reported in `errors` (key -> message) and left at its previous value.
    void applyTo(TrainConfig& config, QMap<QString, QString>* errors = nullptr) const;
    void setFrom(const TrainConfig& config);

    QString value(const QString& key) const;
    void setValue(const QString& key, const QString& value);

    // Messages shown under the fields (keys the form does not have are ignored).
    void setErrors(const QMap<QString, QString>& errors);
    QString errorText(const QString& key) const;
    bool hasField(const QString& key) const { return fields_.contains(key); }
    // False for fields hidden for the current method or stage (their group, or their row).
    bool isFieldShown(const QString& key) const;
    QWidget* editor(const QString& key) const;
    QString fieldLabel(const QString& key) const;  // the label in the interface's language (the key if none)
    QStringList keys() const { return fields_.keys(); }

    // Shows the groups that apply: LoRA / QLoRA / Freeze by method, Preference by stage, New model.
    void setContext(const QString& method, int quantizationBit, bool newModel);
    // Stages the engine can train; the others stay out of the list unless a loaded config names them.
    void setAvailableStages(const QStringList& stages);
    // Re-reads dataset_info.json of the dataset folder and lists the datasets that fit the stage.
    void refreshDatasets();
    QString datasetProblem() const;
    QListWidget* datasetList() const;

signals:
    void changed(const QString& key);
    void previewRequested();

protected:
    void changeEvent(QEvent* e) override;

private:
    struct Field {
        const FieldSpec* spec;
        QLabel* label;
        QWidget* editor;
        QLabel* error;
    };
    QWidget* makeEditor(const FieldSpec& spec);
    void retranslate();
    void updateGroupVisibility();
    void setDatasetSelection(const QStringList& names);

    QMap<QString, Field> fields_;
    QMap<FieldGroup, widgets::CollapsibleSection*> sections_;
    QMap<FieldGroup, QFormLayout*> forms_;
    DatasetChecklist* datasets_ = nullptr;
    QPushButton* previewButton_ = nullptr;
    QStringList availableStages_;
    QString method_ = "lora";
    int quantizationBit_ = 0;
    bool newModel_ = false;
    bool updating_ = false;
};

}  // namespace ui
}  // namespace lathe
