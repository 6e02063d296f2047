// The Export tab's settings: what to export (a model folder or a full checkpoint, plus LoRA adapters
// merged in order) and how (target folder, format, precision, shard size, chat template, name). Until
// the user edits them, the model, adapters, template and target follow the model bar.
#pragma once
#include <QMap>
#include <QWidget>

class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QToolButton;

namespace lathe {
struct ExportConfig;
}

namespace lathe {
namespace widgets {
class PathListEdit;
}  // namespace widgets
}  // namespace lathe

namespace lathe {
namespace ui {

class ModelBar;

class ExportForm : public QWidget {
    Q_OBJECT
public:
    explicit ExportForm(ModelBar* modelBar, QWidget* parent = nullptr);

    // export_overwrite is the loaded value; the tab decides it at Export time.
    ExportConfig config() const;
    // Fields set from a file stop following the model bar.
    void setConfig(const ExportConfig& config);

    // Messages under the fields, by ExportConfig key (keys without a field are ignored).
    void setErrors(const QMap<QString, QString>& errors);
    QString errorText(const QString& key) const;
    bool hasField(const QString& key) const { return errors_.contains(key); }

    void setSavesRoot(const QString& root);

    QLineEdit* modelEdit() const { return model_; }
    widgets::PathListEdit* adapterList() const { return adapters_; }
    QLineEdit* targetEdit() const { return target_; }
    QComboBox* formatCombo() const { return format_; }
    QComboBox* precisionCombo() const { return precision_; }
    QLineEdit* shardSizeEdit() const { return shardSize_; }
    QComboBox* templateCombo() const { return template_; }
    QLineEdit* nameEdit() const { return name_; }
    QSpinBox* threadsSpin() const { return threads_; }

signals:
    void changed();

protected:
    void changeEvent(QEvent* e) override;

private:
    void build();
    void retranslate();
    void fillPrecisions();
    void fillModelMenu();
    void offerAdapters();
    void followModelBar();
    void followTarget();
    void updateModelHint();
    QLabel* addRow(QFormLayout* form, QLabel* label, QWidget* editor, const QString& key);
    QString modelLabel() const;
    QString exportLabel() const;

    ModelBar* bar_;
    QLineEdit *model_, *target_, *shardSize_, *name_;
    QToolButton *modelBrowse_, *modelPick_, *targetBrowse_;
    widgets::PathListEdit* adapters_;
    QComboBox *format_, *precision_, *template_;
    QSpinBox* threads_;
    QGroupBox *sourceBox_, *outputBox_;
    QLabel* modelHint_;
    QLabel *modelLabel_, *adaptersLabel_, *targetLabel_, *formatLabel_, *precisionLabel_, *shardLabel_, *templateLabel_,
        *nameLabel_, *threadsLabel_;
    QFormLayout* outputForm_;
    QMap<QString, QLabel*> errors_;
    QString savesRoot_, precisionFormat_;  // the format the precision list was filled for
    bool modelAuto_ = true, adaptersAuto_ = true, templateAuto_ = true, targetAuto_ = true, nameAuto_ = true;
    bool overwrite_ = false;  // as loaded from a file
    bool updating_ = false;
};

}  // namespace ui
}  // namespace lathe
