// The bar above every tab: which model (a folder, a recent one, or a new one from scratch), what it
// is (architecture, parameters, memory), how to fine-tune it, which of its runs to use, the chat
// template and the UI language.
#pragma once
#include <QStringList>
#include <QWidget>

class QComboBox;
class QLabel;
class QToolButton;

namespace lathe {
struct TrainConfig;
}

namespace lathe {
namespace ui {

class ModelBar : public QWidget {
    Q_OBJECT
public:
    explicit ModelBar(QWidget* parent = nullptr);

    // "" while a new model is chosen.
    QString modelPath() const;
    bool isNewModel() const;
    QString newModelPreset() const;  // tiny | small | base
    // The name runs are filed under in the saves folder: the folder's name, or "new-<preset>".
    QString modelLabel() const;
    QString method() const;          // full | freeze | lora
    int quantizationBit() const;     // 0 | 4 | 8
    QString checkpoint() const;      // a run dir or checkpoint dir, "" for none
    QString templateName() const;    // "" = auto
    QString detectedTemplate() const { return detectedTemplate_; }
    QString language() const;        // "en" | "ko"

    void setModelPath(const QString& dir);
    void setNewModel(const QString& preset);
    void setMethod(const QString& method, int quantizationBit);
    void setCheckpoint(const QString& dir);
    void setTemplateName(const QString& name);
    void setLanguage(const QString& code);

    // The keys the bar owns (model_bar_keys()).
    void applyTo(TrainConfig& config) const;
    void setFrom(const TrainConfig& config);
    // Messages for the bar's keys, shown under it.
    void setErrors(const QStringList& messages);
    QString errorText() const;

    void setSavesRoot(const QString& root);
    QString savesRoot() const { return savesRoot_; }
    // Run folders of this model under the saves folder (newest first).
    QStringList runDirs() const { return runDirs_; }
    void refreshRuns();
    QString infoText() const;
    QStringList recentModels() const;
    // The precision the Train tab's settings get on this machine ("bf16", "fp32", "pure bf16"), with the
    // engine's reason and what it holds in which dtype as tooltip; `warning` marks a slow explicit choice.
    void setPrecision(const QString& name, const QString& reason, const QString& warning = QString());
    QString precisionText() const;
    QString precisionToolTip() const;
    // The Train tab's peak memory estimate for its settings ("Training ≈ 4.2 GB"), its breakdown as
    // tooltip; `tooLarge` marks an estimate above the memory available. Empty text hides it.
    void setMemoryEstimate(const QString& text, const QString& toolTip, bool tooLarge);
    QString memoryText() const;
    QString memoryToolTip() const;

signals:
    void modelChanged();
    void methodChanged();
    void checkpointChanged(const QString& dir);
    void templateChanged();
    void languageChanged(const QString& code);

protected:
    void changeEvent(QEvent* e) override;

private:
    void retranslate();
    void onModelEdited();
    void updateInfo();
    void detectTemplateAsync(const QString& dir);
    void rememberRecent(const QString& dir);
    void fillTemplates();

    QComboBox *modelCombo_, *presetCombo_, *methodCombo_, *checkpointCombo_, *templateCombo_, *languageCombo_;
    QToolButton *browseButton_, *refreshButton_;
    QLabel *modelLabel_, *methodLabel_, *checkpointLabel_, *templateLabel_, *languageLabel_, *infoLabel_, *errorLabel_,
        *precisionLabel_, *memoryLabel_;
    QString savesRoot_, lastModel_, detectedTemplate_;
    QString precisionName_, precisionReason_, precisionWarning_;
    QStringList runDirs_;
    int detectGeneration_ = 0;
    bool updating_ = false;
};

}  // namespace ui
}  // namespace lathe
