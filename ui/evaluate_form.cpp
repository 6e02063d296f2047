#include "ui/evaluate_form.h"

#include "ui/dataset_checklist.h"
#include "ui/model_bar.h"
#include "ui/run_curve.h"
#include "ui/studio_paths.h"
#include "ui/status_colors.h"
#include "widgets/icons.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace lathe {
namespace ui {

namespace {

QToolButton* browseButton(QWidget* parent) {
    auto* b = new QToolButton(parent);
    b->setIcon(widgets::icon(widgets::IconKind::Folder));
    return b;
}

QWidget* pathRow(QWidget* parent, QLineEdit* edit, QToolButton* browse) {
    auto* cell = new QWidget(parent);
    auto* row = new QHBoxLayout(cell);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(edit, 1);
    row->addWidget(browse);
    return cell;
}

QLabel* noteLabel(QWidget* parent) {
    auto* l = new QLabel(parent);
    l->setWordWrap(true);
    l->setTextFormat(Qt::PlainText);
    l->setStyleSheet("color:#777;");
    return l;
}

}  // namespace

EvaluateForm::EvaluateForm(ModelBar* modelBar, QWidget* parent) : QWidget(parent), bar_(modelBar) {
    savesRoot_ = saves_root();
    build();
    restoreSettings();
    connectSignals();
    updateEnabled();
    retranslate();
    if (outputAuto_) refreshDefaultOutputDir();
}

void EvaluateForm::build() {
    QWidget* body = this;
    auto* col = new QVBoxLayout(body);
    col->setContentsMargins(4, 4, 4, 4);

    modelBox_ = new QGroupBox(body);
    modelLine_ = new QLabel(modelBox_);
    modelLine_->setWordWrap(true);
    modelLine_->setObjectName("evaluatedModel");
    modelLine_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* ml = new QVBoxLayout(modelBox_);
    ml->addWidget(modelLine_);

    dataBox_ = new QGroupBox(body);
    datasetDirLabel_ = new QLabel(dataBox_);
    datasetDir_ = new QLineEdit(dataBox_);
    datasetDir_->setObjectName("evalDatasetDir");
    datasetDirBrowse_ = browseButton(dataBox_);
    datasetsLabel_ = new QLabel(dataBox_);
    datasets_ = new DatasetChecklist(dataBox_);
    datasets_->list()->setObjectName("evalDatasets");
    maxSamplesLabel_ = new QLabel(dataBox_);
    maxSamples_ = new QSpinBox(dataBox_);
    maxSamples_->setRange(0, 10000000);
    maxSamples_->setObjectName("evalMaxSamples");
    auto* df = new QFormLayout(dataBox_);
    df->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    df->addRow(datasetDirLabel_, pathRow(dataBox_, datasetDir_, datasetDirBrowse_));
    df->addRow(datasetsLabel_, datasets_);
    df->addRow(maxSamplesLabel_, maxSamples_);

    generationBox_ = new QGroupBox(body);
    batchSizeLabel_ = new QLabel(generationBox_);
    batchSize_ = new QSpinBox(generationBox_);
    batchSize_->setRange(1, 1024);
    batchSize_->setObjectName("evalBatchSize");
    maxNewTokensLabel_ = new QLabel(generationBox_);
    maxNewTokens_ = new QSpinBox(generationBox_);
    maxNewTokens_->setRange(1, 32768);
    maxNewTokens_->setObjectName("evalMaxNewTokens");
    doSample_ = new QCheckBox(generationBox_);
    doSample_->setObjectName("evalDoSample");
    temperatureLabel_ = new QLabel(generationBox_);
    temperature_ = new QDoubleSpinBox(generationBox_);
    temperature_->setRange(0.01, 2);
    temperature_->setSingleStep(0.05);
    topPLabel_ = new QLabel(generationBox_);
    topP_ = new QDoubleSpinBox(generationBox_);
    topP_->setRange(0.01, 1);
    topP_->setSingleStep(0.05);
    topKLabel_ = new QLabel(generationBox_);
    topK_ = new QSpinBox(generationBox_);
    topK_->setRange(0, 10000);
    auto* gf = generationForm_ = new QFormLayout(generationBox_);
    gf->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    gf->addRow(batchSizeLabel_, batchSize_);
    gf->addRow(maxNewTokensLabel_, maxNewTokens_);
    gf->addRow(doSample_);
    gf->addRow(temperatureLabel_, temperature_);
    gf->addRow(topPLabel_, topP_);
    gf->addRow(topKLabel_, topK_);

    compareBox_ = new QGroupBox(body);
    compareLabel_ = new QLabel(compareBox_);
    compare_ = new QComboBox(compareBox_);
    compare_->setObjectName("evalCompare");
    for (const char* key : {"", "base", "folder"}) compare_->addItem(QString(), QString(key));
    compareDirLabel_ = new QLabel(compareBox_);
    compareDir_ = new QLineEdit(compareBox_);
    compareDir_->setObjectName("evalCompareDir");
    compareDirBrowse_ = browseButton(compareBox_);
    compareNote_ = noteLabel(compareBox_);
    judgeDirLabel_ = new QLabel(compareBox_);
    judgeDir_ = new QLineEdit(compareBox_);
    judgeDir_->setObjectName("evalJudgeDir");
    judgeDirBrowse_ = browseButton(compareBox_);
    auto* cf = compareForm_ = new QFormLayout(compareBox_);
    cf->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    cf->addRow(compareLabel_, compare_);
    cf->addRow(compareDirLabel_, pathRow(compareBox_, compareDir_, compareDirBrowse_));
    cf->addRow(compareNote_);
    cf->addRow(judgeDirLabel_, pathRow(compareBox_, judgeDir_, judgeDirBrowse_));

    outputBox_ = new QGroupBox(body);
    outputDirLabel_ = new QLabel(outputBox_);
    outputDir_ = new QLineEdit(outputBox_);
    outputDir_->setObjectName("evalOutputDir");
    outputDirBrowse_ = browseButton(outputBox_);
    outputNote_ = noteLabel(outputBox_);
    auto* of = new QFormLayout(outputBox_);
    of->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    of->addRow(outputDirLabel_, pathRow(outputBox_, outputDir_, outputDirBrowse_));
    of->addRow(outputNote_);

    col->addWidget(modelBox_);
    col->addWidget(dataBox_);
    col->addWidget(generationBox_);
    col->addWidget(compareBox_);
    col->addWidget(outputBox_);
    col->addStretch(1);
}

void EvaluateForm::retranslate() {
    modelBox_->setTitle(tr("Model"));
    dataBox_->setTitle(tr("Data"));
    datasetDirLabel_->setText(tr("Dataset folder"));
    datasetDir_->setToolTip(tr("The folder with dataset_info.json (dataset_dir)"));
    datasetsLabel_->setText(tr("Datasets"));
    datasets_->setToolTip(tr("Supervised (sft) datasets whose answers are the labels the predictions are scored "
                             "against (eval_dataset); several are predicted one after the other"));
    maxSamplesLabel_->setText(tr("Max samples"));
    maxSamples_->setSpecialValueText(tr("all"));
    maxSamples_->setToolTip(tr("The first this many records of each dataset (max_samples; 0 = all)"));
    generationBox_->setTitle(tr("Generation"));
    batchSizeLabel_->setText(tr("Batch size"));
    batchSize_->setToolTip(tr("Prompts answered together (per_device_eval_batch_size): larger is faster until "
                              "memory runs out"));
    maxNewTokensLabel_->setText(tr("Max new tokens"));
    maxNewTokens_->setToolTip(tr("The longest answer, in tokens (max_new_tokens)"));
    doSample_->setText(tr("Sample (otherwise greedy)"));
    doSample_->setToolTip(tr("Draw each token at random with the settings below (do_sample). Off: always the most "
                             "likely token, so that runs can be compared"));
    temperatureLabel_->setText(tr("Temperature"));
    temperature_->setToolTip(tr("Randomness of sampled answers (temperature)"));
    topPLabel_->setText(tr("Top-p"));
    topP_->setToolTip(tr("Sample only from the most likely tokens that together reach this probability (top_p)"));
    topKLabel_->setText(tr("Top-k"));
    topK_->setToolTip(tr("Sample only from the k most likely tokens (top_k; 0 = off)"));
    compareBox_->setTitle(tr("Compare (A/B)"));
    compareLabel_->setText(tr("Compare with"));
    compare_->setItemText(0, tr("None"));
    compare_->setItemText(1, tr("Base model (without the checkpoint)"));
    compare_->setItemText(2, tr("Another folder"));
    compare_->setToolTip(tr("B answers the same prompts beside A, the model bar's model and checkpoint "
                            "(lathe_compare)"));
    compareDirLabel_->setText(tr("Folder"));
    compareDir_->setPlaceholderText(tr("an adapter or a fine-tuned model folder"));
    judgeDirLabel_->setText(tr("Judge (reward model)"));
    judgeDir_->setPlaceholderText(tr("a reward model trained with stage rm (optional)"));
    judgeDir_->setToolTip(tr("A reward model Lathe trained (stage rm: its adapter or model folder) scores every answer: "
                             "the mean reward of A (and B) and, with a comparison, how often A's answer wins "
                             "(lathe_judge)"));
    outputBox_->setTitle(tr("Output"));
    outputDirLabel_->setText(tr("Output folder"));
    outputDir_->setToolTip(tr("Where generated_predictions.jsonl, predict_results.json and all_results.json are "
                              "written (output_dir)"));
    outputNote_->setText(tr("By default each run gets a new folder: eval-<date and time> inside the checkpoint's run "
                            "folder, or <saves>/<model>/eval/<date and time> without a checkpoint."));
    updateModelLine();
}

void EvaluateForm::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

void EvaluateForm::connectSignals() {
    auto edited = [this] { onEdited(); };
    connect(datasetDir_, &QLineEdit::textChanged, this, [this] {
        datasets_->setSource(datasetDir_->text().trimmed(), QStringLiteral("sft"));
        onEdited();
    });
    connect(datasets_, &DatasetChecklist::changed, this, edited);
    for (QSpinBox* box : {maxSamples_, batchSize_, maxNewTokens_, topK_}) connect(box, &QSpinBox::valueChanged, this, edited);
    for (QDoubleSpinBox* box : {temperature_, topP_}) connect(box, &QDoubleSpinBox::valueChanged, this, edited);
    connect(doSample_, &QCheckBox::toggled, this, edited);
    connect(compare_, &QComboBox::currentIndexChanged, this, edited);
    connect(compareDir_, &QLineEdit::textChanged, this, edited);
    connect(judgeDir_, &QLineEdit::textChanged, this, edited);
    connect(outputDir_, &QLineEdit::textChanged, this, [this] {
        if (!settingOutput_) outputAuto_ = outputDir_->text().trimmed().isEmpty();
        onEdited();
    });
    connect(datasetDirBrowse_, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the dataset folder"), datasetDir_->text());
        if (!dir.isEmpty()) datasetDir_->setText(dir);
    });
    connect(compareDirBrowse_, &QToolButton::clicked, this, [this] {
        const QString start = compareDir_->text().isEmpty() ? savesRoot_ : compareDir_->text();
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the model or adapter to compare with"), start);
        if (dir.isEmpty()) return;
        compare_->setCurrentIndex(compare_->findData("folder"));
        compareDir_->setText(dir);
    });
    connect(judgeDirBrowse_, &QToolButton::clicked, this, [this] {
        const QString start = judgeDir_->text().isEmpty() ? savesRoot_ : judgeDir_->text();
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a reward model (trained with stage rm)"), start);
        if (!dir.isEmpty()) judgeDir_->setText(dir);
    });
    connect(outputDirBrowse_, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the output folder"), outputDir_->text());
        if (!dir.isEmpty()) outputDir_->setText(dir);
    });

    auto modelChanged = [this] {
        if (updating_) return;
        updateModelLine();
        if (outputAuto_) refreshDefaultOutputDir();
        emit changed();
    };
    connect(bar_, &ModelBar::modelChanged, this, modelChanged);
    connect(bar_, &ModelBar::checkpointChanged, this, modelChanged);
    connect(bar_, &ModelBar::templateChanged, this, modelChanged);
}

void EvaluateForm::restoreSettings() {
    updating_ = true;
    const QSettings s;
    const PredictConfig d;
    datasetDir_->setText(s.value("evaluate/dataset_dir", bundled_datasets_dir()).toString());
    datasets_->setSource(datasetDir_->text().trimmed(), QStringLiteral("sft"));
    datasets_->setSelected(s.value("evaluate/datasets").toString().split(',', Qt::SkipEmptyParts));
    maxSamples_->setValue(s.value("evaluate/max_samples", 100).toInt());
    batchSize_->setValue(s.value("evaluate/batch_size", d.batch_size).toInt());
    maxNewTokens_->setValue(s.value("evaluate/max_new_tokens", d.max_new_tokens).toInt());
    doSample_->setChecked(s.value("evaluate/do_sample", d.do_sample).toBool());
    temperature_->setValue(s.value("evaluate/temperature", d.temperature).toDouble());
    topP_->setValue(s.value("evaluate/top_p", d.top_p).toDouble());
    topK_->setValue(s.value("evaluate/top_k", d.top_k).toInt());
    const int compare = compare_->findData(s.value("evaluate/compare").toString());
    compare_->setCurrentIndex(compare < 0 ? 0 : compare);
    compareDir_->setText(s.value("evaluate/compare_dir").toString());
    judgeDir_->setText(s.value("evaluate/judge").toString());
    const QString output = s.value("evaluate/output_dir").toString();
    outputAuto_ = output.isEmpty();
    if (!outputAuto_) outputDir_->setText(output);
    updating_ = false;
}

void EvaluateForm::saveSettings() const {
    QSettings s;
    s.setValue("evaluate/dataset_dir", datasetDir_->text().trimmed());
    s.setValue("evaluate/datasets", datasets_->selected().join(','));
    s.setValue("evaluate/max_samples", maxSamples_->value());
    s.setValue("evaluate/batch_size", batchSize_->value());
    s.setValue("evaluate/max_new_tokens", maxNewTokens_->value());
    s.setValue("evaluate/do_sample", doSample_->isChecked());
    s.setValue("evaluate/temperature", temperature_->value());
    s.setValue("evaluate/top_p", topP_->value());
    s.setValue("evaluate/top_k", topK_->value());
    s.setValue("evaluate/compare", compare_->currentData().toString());
    s.setValue("evaluate/compare_dir", compareDir_->text().trimmed());
    s.setValue("evaluate/judge", judgeDir_->text().trimmed());
    // An automatic output folder is made anew for each run: only a chosen one is remembered.
    if (outputAuto_) s.remove("evaluate/output_dir");
    else s.setValue("evaluate/output_dir", outputDir_->text().trimmed());
}

void EvaluateForm::onEdited() {
    if (updating_) return;
    updateEnabled();
    updateModelLine();
    saveSettings();
    emit changed();
}

void EvaluateForm::updateEnabled() {
    // Settings that do nothing in the current mode are out of the way (greedy decoding ignores them all).
    const bool sampling = doSample_->isChecked();
    for (QWidget* w : {temperature_, topP_}) generationForm_->setRowVisible(w, sampling);
    generationForm_->setRowVisible(topK_, sampling);
    compareForm_->setRowVisible(compareDir_->parentWidget(), compareMode() == "folder");
}

void EvaluateForm::updateModelLine() {
    const QString model = bar_->isNewModel() ? QString() : bar_->modelPath();
    const QString ckpt = bar_->checkpoint();
    if (model.isEmpty()) {
        modelLine_->setText(tr("No model yet: choose a model folder in the model bar (or train the starter in Train)."));
        modelLine_->setStyleSheet(QStringLiteral("color:%1;").arg(kAmber));
    } else {
        const QString name = QFileInfo(model).fileName();
        const QString tmpl = bar_->templateName().isEmpty() ? tr("auto") : bar_->templateName();
        modelLine_->setText(ckpt.isEmpty() ? tr("A: %1 (no checkpoint) · template %2").arg(name, tmpl)
                                           : tr("A: %1 with %2 · template %3").arg(name, run_label(ckpt), tmpl));
        modelLine_->setStyleSheet(QString());
    }
    modelLine_->setToolTip(tr("The model bar's model and checkpoint answer as A"));
    const QString mode = compareMode();
    if (mode.isEmpty()) compareNote_->setText(tr("Only A answers."));
    else if (mode == "base")
        compareNote_->setText(tr("B: the same model without the checkpoint, to see what fine-tuning changed."));
    else compareNote_->setText(tr("B: the folder above (a LoRA adapter of this model, or a fine-tuned model)."));
}

PredictConfig EvaluateForm::config() const {
    PredictConfig c;
    c.model_name_or_path = bar_->isNewModel() ? std::string() : bar_->modelPath().toStdString();
    c.adapter_name_or_path = bar_->checkpoint().toStdString();
    c.template_name = bar_->templateName().toStdString();
    c.dataset_dir = datasetDir_->text().trimmed().toStdString();
    c.dataset = datasets_->selected().join(',').toStdString();
    c.max_samples = maxSamples_->value();
    c.batch_size = batchSize_->value();
    c.max_new_tokens = maxNewTokens_->value();
    c.do_sample = doSample_->isChecked();
    c.temperature = temperature_->value();
    c.top_p = topP_->value();
    c.top_k = topK_->value();
    const QString mode = compareMode();
    c.compare = mode == "folder" ? compareDir_->text().trimmed().toStdString() : mode.toStdString();
    c.judge = judgeDir_->text().trimmed().toStdString();
    c.output_dir = outputDir_->text().trimmed().toStdString();
    return c;
}

QString EvaluateForm::compareMode() const { return compare_->currentData().toString(); }

QListWidget* EvaluateForm::datasetList() const { return datasets_->list(); }

void EvaluateForm::setConfig(const PredictConfig& c) {
    updating_ = true;
    if (!c.model_name_or_path.empty()) bar_->setModelPath(QString::fromStdString(c.model_name_or_path));
    bar_->setCheckpoint(QString::fromStdString(c.adapter_name_or_path));
    bar_->setTemplateName(QString::fromStdString(c.template_name));
    datasetDir_->setText(QString::fromStdString(c.dataset_dir));
    datasets_->setSource(datasetDir_->text().trimmed(), QStringLiteral("sft"));
    QStringList names;
    for (const QString& n : QString::fromStdString(c.dataset).split(',', Qt::SkipEmptyParts)) names << n.trimmed();
    datasets_->setSelected(names);
    maxSamples_->setValue(c.max_samples);
    batchSize_->setValue(c.batch_size);
    maxNewTokens_->setValue(c.max_new_tokens);
    doSample_->setChecked(c.do_sample);
    temperature_->setValue(c.temperature);
    topP_->setValue(c.top_p);
    topK_->setValue(c.top_k);
    const QString compare = QString::fromStdString(c.compare);
    if (compare.isEmpty() || compare == "base") {
        compare_->setCurrentIndex(compare_->findData(compare));
    } else {
        compare_->setCurrentIndex(compare_->findData("folder"));
        compareDir_->setText(compare);
    }
    judgeDir_->setText(QString::fromStdString(c.judge));
    settingOutput_ = true;
    outputDir_->setText(QString::fromStdString(c.output_dir));
    settingOutput_ = false;
    updating_ = false;
    if (c.output_dir.empty()) refreshDefaultOutputDir();
    else outputAuto_ = false;
    onEdited();
}

void EvaluateForm::setSavesRoot(const QString& root) {
    savesRoot_ = root;
    if (outputAuto_) refreshDefaultOutputDir();
}

QString EvaluateForm::defaultOutputDir() const {
    const QString stamp = QDateTime::currentDateTime().toString("yyyy-MM-dd-HH-mm-ss");
    const QString ckpt = bar_->checkpoint();
    if (!ckpt.isEmpty()) return QDir(run_dir_of(ckpt)).absoluteFilePath("eval-" + stamp);
    return QDir(savesRoot_).absoluteFilePath(bar_->modelLabel() + "/eval/" + stamp);
}

void EvaluateForm::refreshDefaultOutputDir() {
    settingOutput_ = true;
    outputDir_->setText(defaultOutputDir());
    settingOutput_ = false;
    outputAuto_ = true;
}

}  // namespace ui
}  // namespace lathe
