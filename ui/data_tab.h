// The Data tab: the data workshop. Input files, the steps (switched on or off and ordered by dragging),
// their settings, Run/Stop with progress, and what the run did: counts per step, personal data found,
// the length histogram, duplicate clusters to open, and removed records beside kept ones. The same
// settings save as the YAML `lathe-cli data` runs. The pass runs in DataController's worker thread.
#pragma once
#include "ui/data_controller.h"
#include "widgets/run_log.h"

#include <QWidget>

#include <string>
#include <utility>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTextBrowser;
class QTreeWidget;

namespace lathe {
struct CorpusConfig;
namespace widgets {
class HistogramPlot;
}
}  // namespace lathe

namespace lathe {
namespace ui {

class DataTab : public QWidget {
    Q_OBJECT
public:
    DataTab(DataController* controller, QWidget* parent = nullptr);

    // Why a record was removed, in the interface's language, from the reason the engine logs: a rule of the
    // length, quality or script step, or a kind of personal data; any other reason as it came.
    static QString reasonTitle(const QString& reason);

    CorpusConfig currentConfig() const;
    void loadConfig(const CorpusConfig& config);
    bool loadConfigFile(const QString& path, QString* error = nullptr);
    bool saveConfigFile(const QString& path, QString* error = nullptr);
    void setSavesRoot(const QString& root);

    // The settings' problems as shown (in the interface's language); empty when Run can start.
    QStringList problemTexts() const;
    QString summaryText() const;  // "1,204 records in, 1,100 out in 0.8 s", or the failure

    QLineEdit* filesEdit() const { return files_; }
    QLineEdit* outputDirEdit() const { return outputDir_; }
    QLineEdit* datasetNameEdit() const { return datasetName_; }
    QComboBox* outputFormatCombo() const { return outputFormat_; }
    QListWidget* stepList() const { return steps_; }
    QComboBox* dedupCombo() const { return dedupMode_; }
    QComboBox* piiCombo() const { return piiMode_; }
    QSpinBox* minCharsSpin() const { return minChars_; }
    QPushButton* runButton() const { return runButton_; }
    QPushButton* stopButton() const { return stopButton_; }
    QProgressBar* progressBar() const { return progress_; }
    QTreeWidget* stepTable() const { return stepTable_; }
    QTreeWidget* piiTable() const { return piiTable_; }
    QListWidget* clusterList() const { return clusters_; }
    QTextBrowser* clusterView() const { return clusterView_; }
    QTreeWidget* exampleTable() const { return examples_; }
    QPushButton* allRemovedButton() const { return allRemoved_; }
    widgets::HistogramPlot* lengthPlot() const { return lengths_; }
    widgets::HistogramPlot* tokenLengthPlot() const { return tokenLengths_; }
    QCheckBox* trainTokenizerCheck() const { return trainTokenizer_; }
    QSpinBox* tokenizerVocabSpin() const { return tokVocab_; }
    QLineEdit* compareTokenizersEdit() const { return compare_; }
    QTreeWidget* tokenizerTable() const { return tokTable_; }
    QTextBrowser* splitView() const { return splitView_; }
    QTabWidget* resultTabs() const { return results_; }
    QPushButton* saveButton() const { return saveButton_; }
    QPushButton* loadButton() const { return loadButton_; }

public slots:
    void run();
    void saveConfigDialog();
    void loadConfigDialog();

protected:
    void changeEvent(QEvent* e) override;

private:
    // Why a record was removed, worded for its tooltip and, briefly, beside its step: a problem the engine
    // placed (the brief form without the file and record the row shows), a duplicate, or a rule's reason.
    // For the report's examples and for the list of every removed record alike.
    static std::pair<QString, QString> removedWording(const lathe::Problem& problem, const std::string& duplicate_of,
                                                      const QString& reason);

    void retranslate();
    void recheck();
    void showSummary(const CorpusSummary& s);
    void showReport();
    void showCluster(int row);
    void showAllRemoved();  // every removed record from <dataset>.removed.jsonl (the first 10,000)
    void updateButtons();

    DataController* controller_;
    QString savesRoot_;
    CorpusReport last_;
    bool haveReport_ = false;
    QString summary_;
    QStringList problems_;

    QGroupBox *inputBox_, *stepsBox_, *optionsBox_, *tokenizerBox_;
    QCheckBox *trainTokenizer_, *byteFallback_;
    QComboBox* tokType_;
    QSpinBox* tokVocab_;
    QDoubleSpinBox* coverage_;
    QLineEdit *specialTokens_, *compare_, *sentence_;
    QPushButton* addCompare_;
    QLabel *tokTypeLabel_, *tokVocabLabel_, *coverageLabel_, *specialLabel_, *compareLabel_, *sentenceLabel_, *tokHint_;
    QTreeWidget* tokTable_;
    QTextBrowser* splitView_;
    widgets::HistogramPlot* tokenLengths_;
    QLabel *filesLabel_, *formatLabel_, *columnLabel_, *outputDirLabel_, *nameLabel_, *outputFormatLabel_;
    QLabel *normalizeLabel_, *piiLabel_, *minLabel_, *maxLabel_, *scriptLabel_, *shareLabel_, *dedupLabel_;
    QLabel *thresholdLabel_, *permLabel_, *ngramLabel_, *stepsHint_, *problemsLabel_, *summaryLabel_, *clusterHint_;
    QLineEdit *files_, *textColumn_, *outputDir_, *datasetName_, *datasets_, *datasetDir_, *columns_;
    QLabel *datasetsLabel_, *datasetDirLabel_, *columnsLabel_;
    QPushButton *addFiles_, *addFolder_, *browseOutput_;
    QComboBox *format_, *outputFormat_, *normalizeForm_, *piiMode_, *script_, *dedupMode_;
    QListWidget* steps_;
    QSpinBox *minChars_, *maxChars_, *numPerm_, *ngram_;
    QDoubleSpinBox *minShare_, *threshold_;
    QPushButton *runButton_, *stopButton_, *saveButton_, *loadButton_, *allRemoved_;
    QString configPath_;  // the settings file last saved or loaded
    QString lastConfigPath() const;  // where the dialogs open: configPath_, else data.yaml in the saves folder
    QLabel* removedHint_;
    QProgressBar* progress_;
    QTabWidget* results_;
    QTreeWidget *stepTable_, *piiTable_, *examples_;
    widgets::HistogramPlot* lengths_;
    QListWidget* clusters_;
    QTextBrowser* clusterView_;
    RunLog* log_;  // words its lines again on a language switch
};

}  // namespace ui
}  // namespace lathe
