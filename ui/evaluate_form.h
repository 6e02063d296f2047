// The Evaluate tab's settings: which model answers (the model bar's, shown as A), the datasets and how
// many samples, generation, the comparison (B) and the output folder. Remembered in QSettings.
#pragma once
#include "core/eval/predict.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QSpinBox;
class QToolButton;

namespace lathe {
namespace ui {

class DatasetChecklist;
class ModelBar;

class EvaluateForm : public QWidget {
    Q_OBJECT
public:
    EvaluateForm(ModelBar* modelBar, QWidget* parent = nullptr);

    // The run as the form and the model bar describe it.
    PredictConfig config() const;
    // Sets the form and the model bar's model, checkpoint and template.
    void setConfig(const PredictConfig& config);
    // "" (none), "base" or "folder".
    QString compareMode() const;

    void setSavesRoot(const QString& root);
    // A fresh eval-<time> folder, unless the user chose the output folder.
    void refreshDefaultOutputDir();
    bool outputIsDefault() const { return outputAuto_; }

    QLineEdit* datasetDirEdit() const { return datasetDir_; }
    QListWidget* datasetList() const;
    QSpinBox* maxSamplesBox() const { return maxSamples_; }
    QSpinBox* batchSizeBox() const { return batchSize_; }
    QSpinBox* maxNewTokensBox() const { return maxNewTokens_; }
    QCheckBox* doSampleBox() const { return doSample_; }
    QDoubleSpinBox* temperatureBox() const { return temperature_; }
    QDoubleSpinBox* topPBox() const { return topP_; }
    QSpinBox* topKBox() const { return topK_; }
    QComboBox* compareCombo() const { return compare_; }
    QLineEdit* compareDirEdit() const { return compareDir_; }
    QLineEdit* judgeDirEdit() const { return judgeDir_; }
    QLineEdit* outputDirEdit() const { return outputDir_; }

signals:
    // A setting or the model bar's model, checkpoint or template changed.
    void changed();

protected:
    void changeEvent(QEvent* e) override;

private:
    void build();
    void connectSignals();
    void retranslate();
    void restoreSettings();
    void saveSettings() const;
    void onEdited();
    void updateEnabled();  // the rows that apply to the sampling and comparison chosen
    void updateModelLine();
    QString defaultOutputDir() const;

    ModelBar* bar_;
    QGroupBox *modelBox_, *dataBox_, *generationBox_, *compareBox_, *outputBox_;
    QLabel *modelLine_, *datasetDirLabel_, *datasetsLabel_, *maxSamplesLabel_, *batchSizeLabel_, *maxNewTokensLabel_,
        *temperatureLabel_, *topPLabel_, *topKLabel_, *compareLabel_, *compareDirLabel_, *compareNote_, *judgeDirLabel_,
        *outputDirLabel_, *outputNote_;
    QLineEdit *datasetDir_, *compareDir_, *judgeDir_, *outputDir_;
    QToolButton *datasetDirBrowse_, *compareDirBrowse_, *judgeDirBrowse_, *outputDirBrowse_;
    DatasetChecklist* datasets_;
    QSpinBox *maxSamples_, *batchSize_, *maxNewTokens_, *topK_;
    QDoubleSpinBox *temperature_, *topP_;
    QCheckBox* doSample_;
    QComboBox* compare_;
    QFormLayout *generationForm_, *compareForm_;
    QString savesRoot_;
    bool outputAuto_ = true;  // the output folder follows model and checkpoint until the user edits it
    bool settingOutput_ = false;
    bool updating_ = false;
};

}  // namespace ui
}  // namespace lathe
