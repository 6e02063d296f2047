#include "ui/export_form.h"

#include "core/data/template.h"
#include "core/export/export_config.h"
#include "ui/model_bar.h"
#include "ui/run_curve.h"
#include "widgets/icons.h"
#include "widgets/path_list_edit.h"

#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace lathe {
namespace ui {

namespace {

struct Precision {
    const char* format;
    const char* value;
    const char* label;  // translated in ExportForm's context
};

// What each format can hold, the format's default first.
const Precision kPrecisions[] = {
    {"hf", "bf16", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "bf16 — bfloat16, as trained (default)")},
    {"hf", "f16", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "f16 — 16-bit float")},
    {"hf", "f32", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "f32 — 32-bit float, twice the size")},
    {"gguf", "f16", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "f16 — 16-bit float (default)")},
    {"gguf", "bf16", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "bf16 — bfloat16")},
    {"gguf", "f32", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "f32 — 32-bit float, twice the size")},
    {"gguf", "q8_0", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "q8_0 — 8-bit, about half of f16, nearly as good")},
    {"gguf", "q4_k_m", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "q4_k_m — 4-bit k-quant, small and good (llama.cpp's usual choice)")},
    {"gguf", "q4_0", QT_TRANSLATE_NOOP("lathe::ui::ExportForm", "q4_0 — 4-bit, plain")},
};

bool holdsAdapter(const QString& dir) { return QFileInfo::exists(dir + "/adapter_config.json"); }
bool holdsModel(const QString& dir) { return QFileInfo::exists(dir + "/config.json"); }

// Run folders of the model bar with their checkpoints, as (label, path), for those `fits`.
QList<QPair<QString, QString>> runFolders(const ModelBar* bar, bool (*fits)(const QString&)) {
    QList<QPair<QString, QString>> out;
    for (const QString& run : bar->runDirs()) {
        if (fits(run)) out.push_back({run_label(run), run});
        const QDir d(run);
        for (const QString& ck : d.entryList({"checkpoint-*"}, QDir::Dirs, QDir::Name))
            if (fits(d.filePath(ck))) out.push_back({run_label(d.filePath(ck)), d.absoluteFilePath(ck)});
    }
    return out;
}

}  // namespace

ExportForm::ExportForm(ModelBar* modelBar, QWidget* parent) : QWidget(parent), bar_(modelBar) {
    build();
    retranslate();
    fillPrecisions();
    followModelBar();

    connect(model_, &QLineEdit::textEdited, this, [this] {
        modelAuto_ = false;
        updateModelHint();
        followTarget();
    });
    connect(adapters_, &widgets::PathListEdit::changed, this, [this] {
        adaptersAuto_ = false;
        followTarget();
    });
    connect(adapters_, &widgets::PathListEdit::suggestionsWanted, this, &ExportForm::offerAdapters);
    connect(target_, &QLineEdit::textEdited, this, [this] {
        targetAuto_ = false;
        followTarget();
    });
    connect(name_, &QLineEdit::textEdited, this, [this] { nameAuto_ = false; });
    connect(format_, &QComboBox::currentIndexChanged, this, [this] {
        fillPrecisions();
        outputForm_->setRowVisible(shardSize_->parentWidget(), format_->currentData().toString() != "gguf");
        followTarget();
    });
    connect(precision_, &QComboBox::currentIndexChanged, this, &ExportForm::followTarget);
    connect(template_, &QComboBox::activated, this, [this] { templateAuto_ = false; });
    for (QLineEdit* e : {model_, target_, shardSize_, name_})
        connect(e, &QLineEdit::textChanged, this, [this] {
            if (!updating_) emit changed();
        });
    for (QComboBox* c : {format_, precision_, template_})
        connect(c, &QComboBox::currentIndexChanged, this, [this] {
            if (!updating_) emit changed();
        });
    connect(adapters_, &widgets::PathListEdit::changed, this, &ExportForm::changed);
    connect(threads_, &QSpinBox::valueChanged, this, &ExportForm::changed);
    connect(modelBrowse_, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a model folder or a full checkpoint"), model_->text());
        if (dir.isEmpty()) return;
        modelAuto_ = false;
        model_->setText(dir);
        updateModelHint();
        followTarget();
    });
    connect(targetBrowse_, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the target folder"), target_->text());
        if (dir.isEmpty()) return;
        targetAuto_ = false;
        target_->setText(dir);
        followTarget();
    });
    connect(modelPick_->menu(), &QMenu::aboutToShow, this, &ExportForm::fillModelMenu);
    connect(bar_, &ModelBar::modelChanged, this, &ExportForm::followModelBar);
    connect(bar_, &ModelBar::checkpointChanged, this, &ExportForm::followModelBar);
    connect(bar_, &ModelBar::templateChanged, this, &ExportForm::followModelBar);
}

QLabel* ExportForm::addRow(QFormLayout* form, QLabel* label, QWidget* editor, const QString& key) {
    auto* cell = new QWidget(this);
    auto* col = new QVBoxLayout(cell);
    col->setContentsMargins(0, 0, 0, 0);
    col->setSpacing(1);
    col->addWidget(editor);
    auto* error = new QLabel(cell);
    error->setStyleSheet("color:#c0392b;");
    error->setWordWrap(true);
    error->setVisible(false);
    error->setObjectName("error_" + key);
    error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    col->addWidget(error);
    form->addRow(label, cell);
    errors_.insert(key, error);
    return error;
}

void ExportForm::build() {
    auto tool = [this](widgets::IconKind kind) {
        auto* b = new QToolButton(this);
        b->setIcon(widgets::icon(kind));
        return b;
    };
    auto row = [this](std::initializer_list<QWidget*> parts) {
        auto* w = new QWidget(this);
        auto* l = new QHBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        l->setSpacing(4);
        for (QWidget* p : parts) l->addWidget(p, p == *parts.begin() ? 1 : 0);
        return w;
    };
    for (QLabel** l : {&modelLabel_, &adaptersLabel_, &targetLabel_, &formatLabel_, &precisionLabel_, &shardLabel_,
                       &templateLabel_, &nameLabel_, &threadsLabel_})
        *l = new QLabel(this);
    model_ = new QLineEdit(this);
    model_->setObjectName("exportModel");
    modelPick_ = new QToolButton(this);
    modelPick_->setArrowType(Qt::DownArrow);
    modelPick_->setStyleSheet("QToolButton::menu-indicator { image: none; }");  // the arrow says it
    modelPick_->setPopupMode(QToolButton::InstantPopup);
    modelPick_->setMenu(new QMenu(modelPick_));
    modelBrowse_ = tool(widgets::IconKind::Folder);
    modelHint_ = new QLabel(this);
    modelHint_->setStyleSheet("color:#777;");
    modelHint_->setWordWrap(true);
    adapters_ = new widgets::PathListEdit(this);
    adapters_->setObjectName("exportAdapters");
    target_ = new QLineEdit(this);
    target_->setObjectName("exportTarget");
    targetBrowse_ = tool(widgets::IconKind::Folder);
    format_ = new QComboBox(this);
    format_->setObjectName("exportFormat");
    format_->addItem(QString(), QStringLiteral("hf"));
    format_->addItem(QString(), QStringLiteral("gguf"));
    precision_ = new QComboBox(this);
    precision_->setObjectName("exportPrecision");
    shardSize_ = new QLineEdit(QStringLiteral("5GB"), this);
    shardSize_->setObjectName("exportSize");
    template_ = new QComboBox(this);
    template_->setObjectName("exportTemplate");
    template_->addItem(QString(), QString());
    for (const auto& n : template_names()) template_->addItem(QString::fromStdString(n), QString::fromStdString(n));
    name_ = new QLineEdit(this);
    name_->setObjectName("exportName");
    threads_ = new QSpinBox(this);
    threads_->setObjectName("exportThreads");
    threads_->setRange(0, 4096);

    sourceBox_ = new QGroupBox(this);
    auto* source = new QFormLayout(sourceBox_);
    source->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto* modelCell = new QWidget(this);
    auto* mc = new QVBoxLayout(modelCell);
    mc->setContentsMargins(0, 0, 0, 0);
    mc->setSpacing(1);
    mc->addWidget(row({model_, modelPick_, modelBrowse_}));
    mc->addWidget(modelHint_);
    addRow(source, modelLabel_, modelCell, "model_name_or_path");
    addRow(source, adaptersLabel_, adapters_, "adapter_name_or_path");

    outputBox_ = new QGroupBox(this);
    outputForm_ = new QFormLayout(outputBox_);
    outputForm_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    addRow(outputForm_, targetLabel_, row({target_, targetBrowse_}), "export_dir");
    addRow(outputForm_, formatLabel_, format_, "export_format");
    addRow(outputForm_, precisionLabel_, precision_, "export_quantization");
    addRow(outputForm_, shardLabel_, shardSize_, "export_size");
    addRow(outputForm_, templateLabel_, template_, "template");
    addRow(outputForm_, nameLabel_, name_, "model_name");
    addRow(outputForm_, threadsLabel_, threads_, "threads");

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(sourceBox_);
    layout->addWidget(outputBox_);
}

void ExportForm::retranslate() {
    sourceBox_->setTitle(tr("What to export"));
    outputBox_->setTitle(tr("Where and how"));
    modelLabel_->setText(tr("Model"));
    model_->setToolTip(tr("<code>model_name_or_path</code><br>The model folder, or a full fine-tune's run or "
                          "checkpoint folder, whose weights are exported"));
    modelPick_->setToolTip(tr("Follow the model bar, or pick a full fine-tune from the saves folder"));
    modelBrowse_->setToolTip(tr("Choose a model folder or a full checkpoint"));
    adaptersLabel_->setText(tr("LoRA adapters"));
    adapters_->setToolTip(tr("<code>adapter_name_or_path</code><br>Adapters merged into the model, first to last. "
                             "Empty exports the model as it is."));
    adapters_->setDialogTitle(tr("Choose a LoRA adapter folder"));
    targetLabel_->setText(tr("Target folder"));
    target_->setToolTip(tr("<code>export_dir</code><br>Where the export is written; it must not lie inside the "
                           "model or an adapter. A folder that is not empty is replaced after you agree."));
    targetBrowse_->setToolTip(tr("Choose the target folder"));
    formatLabel_->setText(tr("Format"));
    format_->setItemText(0, tr("Hugging Face folder (safetensors)"));
    format_->setItemText(1, tr("GGUF (llama.cpp, Ollama)"));
    format_->setToolTip(tr("<code>export_format</code><br>A Hugging Face folder loads in transformers, vLLM and "
                           "Lathe; one GGUF file runs in llama.cpp, and the Modelfile beside it in Ollama"));
    precisionLabel_->setText(tr("Precision"));
    precision_->setToolTip(tr("<code>export_quantization</code><br>How the weights are stored: quantized types "
                              "(q8_0, q4_k_m, q4_0) are smaller and a little less exact"));
    for (int i = 0; i < precision_->count(); ++i)
        for (const Precision& p : kPrecisions)
            if (format_->currentData().toString() == p.format && precision_->itemData(i).toString() == p.value)
                precision_->setItemText(i, tr(p.label));
    shardLabel_->setText(tr("Max shard size"));
    shardSize_->setToolTip(tr("<code>export_size</code><br>Largest safetensors file, e.g. 2GB or 500MB; bigger "
                              "models are split into shards with an index (0 = one file)"));
    templateLabel_->setText(tr("Chat template"));
    template_->setItemText(0, tr("auto (from the model)"));
    template_->setToolTip(tr("<code>template</code><br>The chat format written into the tokenizer config and "
                             "the Modelfile, so that other programs prompt the model as it was trained"));
    nameLabel_->setText(tr("Model name"));
    name_->setPlaceholderText(tr("the target folder's name"));
    name_->setToolTip(tr("<code>model_name</code><br>The name in the model card, the GGUF metadata and the "
                         "GGUF file name"));
    threadsLabel_->setText(tr("CPU threads"));
    threads_->setSpecialValueText(tr("all cores"));
    threads_->setToolTip(tr("<code>threads</code><br>Threads for merging and quantizing"));
    updateModelHint();
}

void ExportForm::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

void ExportForm::fillPrecisions() {
    const QString format = format_->currentData().toString();
    QString current = precision_->currentData().toString();
    // A format's default gives way to the next format's default (bf16 for HF, f16 for GGUF); a
    // precision the user chose stays where the new format has it.
    for (const Precision& p : kPrecisions)
        if (precisionFormat_ == p.format) {
            if (current == p.value) current.clear();
            break;
        }
    precisionFormat_ = format;
    const bool was = updating_;
    updating_ = true;
    precision_->clear();
    for (const Precision& p : kPrecisions)
        if (format == p.format) precision_->addItem(tr(p.label), QString::fromUtf8(p.value));
    const int i = precision_->findData(current);
    precision_->setCurrentIndex(i < 0 ? 0 : i);
    updating_ = was;
}

void ExportForm::updateModelHint() {
    if (!modelAuto_) {
        modelHint_->setText(tr("Chosen here; the ▾ menu follows the model bar again."));
        return;
    }
    modelHint_->setText(holdsModel(bar_->checkpoint()) ? tr("Follows the model bar's checkpoint (a full fine-tune).")
                        : model_->text().isEmpty()     ? tr("Follows the model bar, which has no model folder yet.")
                                                       : tr("Follows the model bar."));
}

void ExportForm::followModelBar() {
    const bool was = updating_;
    updating_ = true;
    const QString ckpt = bar_->checkpoint();
    if (modelAuto_) model_->setText(holdsModel(ckpt) ? ckpt : bar_->modelPath());
    if (adaptersAuto_) adapters_->setPaths(holdsAdapter(ckpt) ? QStringList{ckpt} : QStringList{});
    if (templateAuto_) {
        const int i = template_->findData(bar_->templateName());
        template_->setCurrentIndex(i < 0 ? 0 : i);
    }
    followTarget();
    updateModelHint();
    updating_ = was;
    if (!updating_) emit changed();
}

QString ExportForm::modelLabel() const {
    const QString name = QFileInfo(QDir::cleanPath(model_->text().trimmed())).fileName();
    return name.isEmpty() ? bar_->modelLabel() : name;
}

// "starter", or "starter-2025-01-01-12-00-00" with that run's adapter ("...-checkpoint-30" for one of
// its checkpoints): the default model name, and with the format the default target folder.
QString ExportForm::exportLabel() const {
    QString label = modelLabel();
    const QStringList adapters = adapters_->paths();
    if (adapters.isEmpty()) return label;
    QDir last(QDir::cleanPath(adapters.last()));
    const QString name = last.dirName();
    if (name.startsWith("checkpoint-") && last.cdUp()) label += "-" + last.dirName();
    return label + "-" + name;
}

void ExportForm::followTarget() {
    const bool was = updating_;
    updating_ = true;  // one changed() for the caller's edit, not one per field
    const QString label = exportLabel();
    if (targetAuto_ && !savesRoot_.isEmpty())
        target_->setText(QDir(savesRoot_).absoluteFilePath(QStringLiteral("exports/%1-%2-%3")
                                                               .arg(label, format_->currentData().toString(),
                                                                    precision_->currentData().toString())));
    // The name follows as long as the target does; for a folder chosen by hand, the engine names the
    // export after that folder (the placeholder says so).
    if (nameAuto_) name_->setText(targetAuto_ ? label : QString());
    updating_ = was;
}

void ExportForm::setSavesRoot(const QString& root) {
    savesRoot_ = root;
    followTarget();
    if (!updating_) emit changed();
}

void ExportForm::fillModelMenu() {
    QMenu* menu = modelPick_->menu();
    menu->clear();
    QAction* follow = menu->addAction(tr("Follow the model bar"), this, [this] {
        modelAuto_ = true;
        followModelBar();
    });
    follow->setCheckable(true);
    follow->setChecked(modelAuto_);
    const auto full = runFolders(bar_, holdsModel);
    if (!full.isEmpty()) menu->addSection(tr("Full fine-tunes of this model"));
    for (const auto& [label, path] : full)
        menu->addAction(label, this, [this, path = path] {
            modelAuto_ = false;
            model_->setText(path);
            updateModelHint();
            followTarget();
        });
}

void ExportForm::offerAdapters() {
    adapters_->setSuggestions(runFolders(bar_, holdsAdapter));
    adapters_->setStartFolder(bar_->savesRoot());
}

ExportConfig ExportForm::config() const {
    ExportConfig c;
    c.model_name_or_path = model_->text().trimmed().toStdString();
    c.adapter_name_or_path = adapters_->paths().join(',').toStdString();
    c.export_dir = target_->text().trimmed().toStdString();
    c.export_format = format_->currentData().toString().toStdString();
    c.export_quantization = precision_->currentData().toString().toStdString();
    c.export_size = shardSize_->text().trimmed().toStdString();
    c.template_name = template_->currentData().toString().toStdString();
    c.model_name = name_->text().trimmed().toStdString();
    c.threads = threads_->value();
    c.export_overwrite = overwrite_;
    return c;
}

void ExportForm::setConfig(const ExportConfig& c) {
    updating_ = true;
    auto select = [](QComboBox* box, const QString& value) {
        int i = box->findData(value);
        if (i < 0) {  // a value this build does not list: kept, so that the check names it
            box->addItem(value, value);
            i = box->count() - 1;
        }
        box->setCurrentIndex(i);
    };
    modelAuto_ = adaptersAuto_ = templateAuto_ = false;
    model_->setText(QString::fromStdString(c.model_name_or_path));
    QStringList adapters;
    for (const std::string& a : c.adapters()) adapters << QString::fromStdString(a);
    adapters_->setPaths(adapters);
    select(format_, QString::fromStdString(c.export_format).toLower());
    fillPrecisions();
    select(precision_, QString::fromStdString(c.quantization()));
    shardSize_->setText(QString::fromStdString(c.export_size));
    select(template_, QString::fromStdString(c.template_name));
    name_->setText(QString::fromStdString(c.model_name));
    threads_->setValue(c.threads);
    overwrite_ = c.export_overwrite;
    targetAuto_ = c.export_dir.empty();
    nameAuto_ = c.export_dir.empty() && c.model_name.empty();
    target_->setText(QString::fromStdString(c.export_dir));
    followTarget();
    updateModelHint();
    updating_ = false;
    emit changed();
}

void ExportForm::setErrors(const QMap<QString, QString>& errors) {
    for (auto it = errors_.begin(); it != errors_.end(); ++it) {
        const QString msg = errors.value(it.key());
        it.value()->setText(msg);
        it.value()->setVisible(!msg.isEmpty());
    }
}

QString ExportForm::errorText(const QString& key) const {
    const QLabel* l = errors_.value(key);
    return l && l->isVisibleTo(this) ? l->text() : QString();
}

}  // namespace ui
}  // namespace lathe
