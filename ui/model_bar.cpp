#include "ui/model_bar.h"

#include "core/data/template.h"
#include "core/model/config.h"
#include "core/model/model_info.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/new_model.h"
#include "core/train/train_config.h"
#include "ui/engine_messages.h"
#include "widgets/icons.h"

#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
namespace lathe {
namespace ui {

namespace {

constexpr int kMaxRecent = 10;
const char* kNewItem = "new:";

bool isRunDir(const QDir& d) {
    return d.exists("trainer_log.jsonl") || d.exists("adapter_config.json") || d.exists("config.json") ||
           !d.entryList({"checkpoint-*"}, QDir::Dirs).isEmpty();
}

// Cheap: parameters of a preset from its shape.
int64_t presetParameters(const NewModelPreset& p) { return preset_model_config(p, p.vocab).parameter_count(); }

}  // namespace

ModelBar::ModelBar(QWidget* parent) : QWidget(parent) {
    modelLabel_ = new QLabel(this);
    modelCombo_ = new QComboBox(this);
    modelCombo_->setEditable(true);
    modelCombo_->setInsertPolicy(QComboBox::NoInsert);
    modelCombo_->setMinimumContentsLength(28);
    modelCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    modelCombo_->setObjectName("model");
    presetCombo_ = new QComboBox(this);
    for (const auto& p : new_model_presets()) presetCombo_->addItem(p.name, QString(p.name));
    browseButton_ = new QToolButton(this);
    browseButton_->setIcon(widgets::icon(widgets::IconKind::Folder));
    methodLabel_ = new QLabel(this);
    methodCombo_ = new QComboBox(this);
    for (const char* m : {"full|0", "freeze|0", "lora|0", "lora|4", "lora|8"}) methodCombo_->addItem(QString(), QString(m));
    methodCombo_->setCurrentIndex(2);
    checkpointLabel_ = new QLabel(this);
    checkpointCombo_ = new QComboBox(this);
    checkpointCombo_->setMinimumContentsLength(18);
    checkpointCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    refreshButton_ = new QToolButton(this);
    refreshButton_->setIcon(widgets::icon(widgets::IconKind::Refresh));
    templateLabel_ = new QLabel(this);
    templateCombo_ = new QComboBox(this);
    languageLabel_ = new QLabel(this);
    languageCombo_ = new QComboBox(this);
    languageCombo_->setObjectName("language");
    languageCombo_->addItem(QStringLiteral("English"), QStringLiteral("en"));
    languageCombo_->addItem(QStringLiteral("한국어"), QStringLiteral("ko"));
    infoLabel_ = new QLabel(this);
    infoLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLabel_ = new QLabel(this);
    errorLabel_->setStyleSheet("color:#c0392b;");
    errorLabel_->setWordWrap(true);
    errorLabel_->setVisible(false);
    errorLabel_->setObjectName("modelBarErrors");
    precisionLabel_ = new QLabel(this);
    precisionLabel_->setObjectName("precision");
    memoryLabel_ = new QLabel(this);
    memoryLabel_->setObjectName("memoryEstimate");
    memoryLabel_->setVisible(false);

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(6, 6, 6, 2);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(3);
    auto* modelRow = new QHBoxLayout;
    modelRow->addWidget(modelCombo_, 1);
    modelRow->addWidget(presetCombo_);
    modelRow->addWidget(browseButton_);
    grid->addWidget(modelLabel_, 0, 0);
    grid->addLayout(modelRow, 0, 1);
    grid->addWidget(methodLabel_, 0, 2);
    grid->addWidget(methodCombo_, 0, 3);
    grid->addWidget(templateLabel_, 0, 4);
    grid->addWidget(templateCombo_, 0, 5);
    grid->addWidget(languageLabel_, 0, 6);
    grid->addWidget(languageCombo_, 0, 7);
    auto* infoRow = new QHBoxLayout;
    infoRow->setSpacing(18);  // three facts side by side: model, training memory, precision
    infoRow->addWidget(infoLabel_, 1);
    infoRow->addWidget(memoryLabel_);
    infoRow->addWidget(precisionLabel_);
    grid->addLayout(infoRow, 1, 1);
    auto* ckptRow = new QHBoxLayout;
    ckptRow->addWidget(checkpointCombo_, 1);
    ckptRow->addWidget(refreshButton_);
    grid->addWidget(checkpointLabel_, 1, 2);
    grid->addLayout(ckptRow, 1, 3, 1, 5);
    grid->addWidget(errorLabel_, 2, 1, 1, 7);
    grid->setColumnStretch(1, 3);
    grid->setColumnStretch(3, 1);

    QSettings s;
    savesRoot_ = QDir::current().absoluteFilePath("saves");
    fillTemplates();
    updating_ = true;
    modelCombo_->addItem(QString(), QString(kNewItem));
    for (const QString& m : s.value("model/recent").toStringList()) modelCombo_->addItem(m, m);
    modelCombo_->setCurrentIndex(0);
    updating_ = false;
    retranslate();

    connect(modelCombo_, &QComboBox::activated, this, [this] { onModelEdited(); });
    connect(modelCombo_->lineEdit(), &QLineEdit::editingFinished, this, [this] { onModelEdited(); });
    connect(presetCombo_, &QComboBox::currentIndexChanged, this, [this] {
        if (updating_) return;
        updateInfo();
        refreshRuns();
        emit modelChanged();
    });
    connect(browseButton_, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a model folder"), modelPath());
        if (!dir.isEmpty()) setModelPath(dir);
    });
    connect(methodCombo_, &QComboBox::currentIndexChanged, this, [this] {
        updateInfo();
        if (!updating_) emit methodChanged();
    });
    connect(checkpointCombo_, &QComboBox::currentIndexChanged, this, [this] {
        if (!updating_) emit checkpointChanged(checkpoint());
    });
    connect(refreshButton_, &QToolButton::clicked, this, &ModelBar::refreshRuns);
    connect(templateCombo_, &QComboBox::currentIndexChanged, this, [this] {
        if (!updating_) emit templateChanged();
    });
    connect(languageCombo_, &QComboBox::currentIndexChanged, this, [this] {
        if (!updating_) emit languageChanged(language());
    });
    updateInfo();
}

void ModelBar::fillTemplates() {
    const bool was = updating_;
    updating_ = true;
    const QString current = templateCombo_->currentData().toString();
    templateCombo_->clear();
    templateCombo_->addItem(QString(), QString());
    for (const auto& n : template_names()) templateCombo_->addItem(QString::fromStdString(n), QString::fromStdString(n));
    const int i = templateCombo_->findData(current);
    templateCombo_->setCurrentIndex(i < 0 ? 0 : i);
    updating_ = was;
}

void ModelBar::retranslate() {
    modelLabel_->setText(tr("Model"));
    modelCombo_->setItemText(0, tr("New model from scratch"));
    modelCombo_->setToolTip(tr("A Hugging Face model folder (config.json, model.safetensors, tokenizer), one of the "
                               "recent ones, or a new model created from scratch on your data"));
    presetCombo_->setToolTip(tr("Size of the new model: tiny (~5M parameters, minutes on a laptop), small (~25M), "
                                "base (~100M, hours)"));
    browseButton_->setToolTip(tr("Choose a model folder"));
    methodLabel_->setText(tr("Method"));
    const char* methods[] = {QT_TR_NOOP("Full"), QT_TR_NOOP("Freeze"), QT_TR_NOOP("LoRA"), QT_TR_NOOP("QLoRA 4-bit"),
                             QT_TR_NOOP("QLoRA 8-bit")};
    for (int i = 0; i < 5; ++i) methodCombo_->setItemText(i, tr(methods[i]));
    methodCombo_->setToolTip(tr("Full trains every weight; Freeze only the last layers; LoRA small adapters beside "
                                "frozen weights; QLoRA the same over a 4- or 8-bit quantized base (least memory)"));
    checkpointLabel_->setText(tr("Checkpoint"));
    checkpointCombo_->setToolTip(tr("A run of this model from the saves folder: its adapter is used in Chat and "
                                    "for further training, and its loss curve is shown in Train"));
    refreshButton_->setToolTip(tr("Look for new runs in the saves folder"));
    templateLabel_->setText(tr("Template"));
    templateCombo_->setToolTip(tr("The chat format the model is trained and prompted with; auto detects it from "
                                  "the tokenizer and config"));
    languageLabel_->setText(tr("Language"));
    languageCombo_->setToolTip(tr("Language of the studio"));
    const bool was = updating_;
    updating_ = true;
    templateCombo_->setItemText(0, detectedTemplate_.isEmpty() ? tr("auto") : tr("auto (%1)").arg(detectedTemplate_));
    updating_ = was;
    refreshRuns();
    updateInfo();
    setPrecision(precisionName_, precisionReason_, precisionWarning_);
}

void ModelBar::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

QString ModelBar::modelPath() const {
    if (isNewModel()) return {};
    return modelCombo_->currentText().trimmed();
}

bool ModelBar::isNewModel() const {
    return modelCombo_->currentIndex() == 0 && modelCombo_->currentText() == modelCombo_->itemText(0);
}

QString ModelBar::newModelPreset() const { return presetCombo_->currentData().toString(); }

QString ModelBar::modelLabel() const {
    if (isNewModel()) return "new-" + newModelPreset();
    QFileInfo fi(QDir::cleanPath(modelPath()));
    return fi.fileName().isEmpty() ? QStringLiteral("model") : fi.fileName();
}

QString ModelBar::method() const { return methodCombo_->currentData().toString().section('|', 0, 0); }
int ModelBar::quantizationBit() const { return methodCombo_->currentData().toString().section('|', 1, 1).toInt(); }
QString ModelBar::checkpoint() const { return checkpointCombo_->currentData().toString(); }
QString ModelBar::templateName() const { return templateCombo_->currentData().toString(); }
QString ModelBar::language() const { return languageCombo_->currentData().toString(); }

void ModelBar::setModelPath(const QString& dir) {
    if (dir.isEmpty()) {
        modelCombo_->setCurrentIndex(0);
    } else {
        int i = modelCombo_->findData(dir);
        if (i < 0) {
            modelCombo_->insertItem(1, dir, dir);
            i = 1;
        }
        modelCombo_->setCurrentIndex(i);
    }
    onModelEdited();
}

void ModelBar::setNewModel(const QString& preset) {
    updating_ = true;
    const int p = presetCombo_->findData(preset);
    if (p >= 0) presetCombo_->setCurrentIndex(p);
    updating_ = false;
    modelCombo_->setCurrentIndex(0);
    onModelEdited();
}

void ModelBar::onModelEdited() {
    if (updating_) return;
    if (modelCombo_->currentIndex() == 0 && modelCombo_->currentText() != modelCombo_->itemText(0)) {
        // Text typed over the "new model" entry is a path.
        const QString typed = modelCombo_->currentText().trimmed();
        updating_ = true;
        int i = modelCombo_->findData(typed);
        if (i < 0 && !typed.isEmpty()) {
            modelCombo_->insertItem(1, typed, typed);
            i = 1;
        }
        modelCombo_->setCurrentIndex(std::max(i, 0));
        updating_ = false;
    }
    const QString key = isNewModel() ? "new:" + newModelPreset() : modelPath();
    presetCombo_->setVisible(isNewModel());
    if (key == lastModel_) return;
    lastModel_ = key;
    if (!isNewModel()) rememberRecent(modelPath());
    detectedTemplate_.clear();
    detectTemplateAsync(modelPath());
    updateInfo();
    refreshRuns();
    emit modelChanged();
}

void ModelBar::rememberRecent(const QString& dir) {
    if (!QFileInfo(dir + "/config.json").exists()) return;
    QSettings s;
    QStringList recent = s.value("model/recent").toStringList();
    recent.removeAll(dir);
    recent.prepend(dir);
    while (recent.size() > kMaxRecent) recent.removeLast();
    s.setValue("model/recent", recent);
}

QStringList ModelBar::recentModels() const { return QSettings().value("model/recent").toStringList(); }

void ModelBar::detectTemplateAsync(const QString& dir) {
    const int generation = ++detectGeneration_;
    templateCombo_->setItemText(0, tr("auto"));
    if (dir.isEmpty()) {
        detectedTemplate_ = QString::fromUtf8(kNewModelTemplate);
        templateCombo_->setItemText(0, tr("auto (%1)").arg(detectedTemplate_));
        return;
    }
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != detectGeneration_) return;
        detectedTemplate_ = watcher->result();
        templateCombo_->setItemText(0, detectedTemplate_.isEmpty() ? tr("auto") : tr("auto (%1)").arg(detectedTemplate_));
        emit templateChanged();
    });
    watcher->setFuture(QtConcurrent::run([dir]() -> QString {
        try {
            const ModelConfig c = ModelConfig::from_file((dir + "/config.json").toStdString());
            std::unique_ptr<Tokenizer> tok;
            try {
                tok = Tokenizer::from_dir(dir.toStdString());
            } catch (const std::exception&) {
            }
            return QString::fromStdString(pick_template(tok.get(), c.model_type));
        } catch (const std::exception&) {
            return QString();
        }
    }));
}

QString ModelBar::infoText() const { return infoLabel_->text(); }

void ModelBar::setPrecision(const QString& name, const QString& reason, const QString& warning) {
    precisionName_ = name;
    precisionReason_ = reason;
    precisionWarning_ = warning;
    precisionLabel_->setVisible(!name.isEmpty());
    precisionLabel_->setText(tr("Precision: %1").arg(name));
    QString tip = tr("What the Train tab's settings compute in on this machine (the bf16 setting decides):\n%1").arg(reason);
    if (!warning.isEmpty()) tip += "\n" + tr("Warning: %1").arg(warning);
    precisionLabel_->setToolTip(tip);
    precisionLabel_->setStyleSheet(warning.isEmpty() ? QString() : QStringLiteral("color:#c0392b;"));
}

void ModelBar::setMemoryEstimate(const QString& text, const QString& toolTip, bool tooLarge) {
    memoryLabel_->setVisible(!text.isEmpty());
    memoryLabel_->setText(text);
    memoryLabel_->setToolTip(toolTip);
    memoryLabel_->setStyleSheet(tooLarge ? QStringLiteral("color:#c0392b;") : QString());
}

QString ModelBar::memoryText() const { return memoryLabel_->text(); }
QString ModelBar::memoryToolTip() const { return memoryLabel_->toolTip(); }

QString ModelBar::precisionText() const { return precisionLabel_->text(); }
QString ModelBar::precisionToolTip() const { return precisionLabel_->toolTip(); }

void ModelBar::updateInfo() {
    if (isNewModel()) {
        try {
            const NewModelPreset& p = find_new_model_preset(newModelPreset().toStdString());
            ModelInfo info;
            info.parameters = presetParameters(p);
            info.layers = p.layers;
            info.hidden = p.hidden;
            info.vocab = p.vocab;
            infoLabel_->setText(tr("New %1 model: %2 parameters, %3 layers; its tokenizer is trained on your data "
                                   "at Start")
                                    .arg(newModelPreset(), QString::fromStdString(format_parameter_count(info.parameters)))
                                    .arg(p.layers));
        } catch (const std::exception& e) {
            infoLabel_->setText(QString::fromStdString(e.what()));
        }
        infoLabel_->setStyleSheet(QString());
        return;
    }
    const QString dir = modelPath();
    if (dir.isEmpty()) {
        infoLabel_->setText(tr("Choose a model folder, or a new model from scratch"));
        infoLabel_->setStyleSheet("color:#777;");
        return;
    }
    try {
        const ModelInfo info = read_model_info(dir.toStdString());
        if (info.is_adapter) {
            infoLabel_->setText(tr("This folder is a LoRA adapter (base: %1): choose its base model here and the "
                                   "adapter as checkpoint")
                                    .arg(QString::fromStdString(info.adapter_base)));
            infoLabel_->setStyleSheet("color:#c0392b;");
            return;
        }
        infoLabel_->setText(tr("%1 · %2 parameters · %3 layers · chat needs ≈ %4")
                                .arg(QString::fromStdString(info.architecture),
                                     QString::fromStdString(format_parameter_count(info.parameters)))
                                .arg(info.layers)
                                .arg(QString::fromStdString(format_bytes(estimate_inference_memory(info)))));
        infoLabel_->setStyleSheet(QString());
    } catch (const std::exception& e) {  // a missing folder, a damaged config.json: in the studio's language
        infoLabel_->setText(error_message(e));
        infoLabel_->setStyleSheet("color:#c0392b;");
    }
}

void ModelBar::setMethod(const QString& method, int quantizationBit) {
    const int i = methodCombo_->findData(QStringLiteral("%1|%2").arg(method).arg(method == "lora" ? quantizationBit : 0));
    methodCombo_->setCurrentIndex(i < 0 ? 2 : i);
}

void ModelBar::setCheckpoint(const QString& dir) {
    int i = checkpointCombo_->findData(dir);
    if (i < 0 && !dir.isEmpty()) {
        checkpointCombo_->addItem(dir, dir);
        i = checkpointCombo_->count() - 1;
    }
    checkpointCombo_->setCurrentIndex(std::max(i, 0));
}

void ModelBar::setTemplateName(const QString& name) {
    int i = templateCombo_->findData(name);
    if (i < 0) {  // unknown name from a loaded file: keep it; validation names the known ones
        templateCombo_->addItem(name, name);
        i = templateCombo_->count() - 1;
    }
    templateCombo_->setCurrentIndex(i);
}

void ModelBar::setLanguage(const QString& code) {
    const int i = languageCombo_->findData(code);
    if (i >= 0) languageCombo_->setCurrentIndex(i);
}

void ModelBar::applyTo(TrainConfig& c) const {
    c.create_new_model = isNewModel() ? newModelPreset().toStdString() : std::string();
    c.model_name_or_path = modelPath().toStdString();
    c.finetuning_type = method().toStdString();
    c.quantization_bit = quantizationBit();
    c.template_name = templateName().toStdString();
    // Training goes on from a LoRA run's adapter; a full/freeze run is a model of its own (choose it as the model).
    const QString ckpt = checkpoint();
    c.adapter_name_or_path = !ckpt.isEmpty() && !QFileInfo::exists(ckpt + "/config.json") ? ckpt.toStdString()
                                                                                           : std::string();
}

void ModelBar::setFrom(const TrainConfig& c) {
    if (!c.create_new_model.empty()) setNewModel(QString::fromStdString(c.create_new_model));
    else setModelPath(QString::fromStdString(c.model_name_or_path));
    // A path next to create_new_model is kept as typed: validation explains the conflict.
    if (!c.create_new_model.empty() && !c.model_name_or_path.empty()) {
        // Not representable in the bar: a new model is created in the output folder instead.
    }
    setMethod(QString::fromStdString(c.finetuning_type), c.quantization_bit);
    if (method_from_name(c.finetuning_type) != Method::Lora || (c.quantization_bit != 0 && c.quantization_bit != 4 && c.quantization_bit != 8)) {
        // Values the bar cannot show (e.g. quantization with full) are kept so validation can name them.
        const QString data = QStringLiteral("%1|%2").arg(QString::fromStdString(c.finetuning_type)).arg(c.quantization_bit);
        int i = methodCombo_->findData(data);
        if (i < 0) {
            methodCombo_->addItem(data, data);
            i = methodCombo_->count() - 1;
        }
        methodCombo_->setCurrentIndex(i);
    }
    setTemplateName(QString::fromStdString(c.template_name));
    setCheckpoint(QString::fromStdString(c.adapter_name_or_path));
}

void ModelBar::setErrors(const QStringList& messages) {
    errorLabel_->setText(messages.join('\n'));
    errorLabel_->setVisible(!messages.isEmpty());
}

QString ModelBar::errorText() const { return errorLabel_->isVisibleTo(this) ? errorLabel_->text() : QString(); }

void ModelBar::setSavesRoot(const QString& root) {
    savesRoot_ = root;
    refreshRuns();
}

void ModelBar::refreshRuns() {
    const QString current = checkpoint();
    runDirs_.clear();
    QDir base(savesRoot_ + "/" + modelLabel());
    QList<QPair<QString, QString>> items;  // label, path
    for (const QString& method : base.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        QDir m(base.filePath(method));
        for (const QString& stamp : m.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name | QDir::Reversed)) {
            QDir run(m.filePath(stamp));
            if (!isRunDir(run)) continue;
            runDirs_ << run.absolutePath();
            items.push_back({method + "/" + stamp, run.absolutePath()});
            for (const QString& ck : run.entryList({"checkpoint-*"}, QDir::Dirs, QDir::Name))
                items.push_back({"    " + method + "/" + stamp + "/" + ck, run.absoluteFilePath(ck)});
        }
    }
    const bool was = updating_;
    updating_ = true;
    checkpointCombo_->clear();
    checkpointCombo_->addItem(items.isEmpty() ? tr("(no runs of this model yet)") : tr("(none)"), QString());
    for (const auto& [label, path] : items) checkpointCombo_->addItem(label, path);
    int i = checkpointCombo_->findData(current);
    if (i < 0 && !current.isEmpty() && QFileInfo::exists(current)) {
        checkpointCombo_->addItem(current, current);
        i = checkpointCombo_->count() - 1;
    }
    checkpointCombo_->setCurrentIndex(std::max(i, 0));
    updating_ = was;
    if (!updating_ && checkpoint() != current) emit checkpointChanged(checkpoint());
}

}  // namespace ui
}  // namespace lathe
