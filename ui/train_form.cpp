#include "ui/train_form.h"

#include "core/train/train_config.h"
#include "core/util/error.h"
#include "ui/dataset_checklist.h"
#include "widgets/collapsible_section.h"
#include "widgets/icons.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QToolButton>
#include <QVBoxLayout>

namespace lathe {
namespace ui {

namespace {

QString trField(const char* text) { return QCoreApplication::translate("lathe::ui::TrainForm", text); }

QString errorStyle() { return QStringLiteral("color:#c0392b;"); }

int comboIndexOf(QComboBox* box, const QString& value) { return box->findData(value); }

}  // namespace

TrainForm::TrainForm(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto& forms = forms_;
    for (const auto& spec : train_fields()) {
        if (!sections_.contains(spec.group)) {
            auto* section = new widgets::CollapsibleSection(this);
            auto* body = new QWidget(section);
            auto* form = new QFormLayout(body);
            form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
            form->setContentsMargins(12, 0, 0, 6);
            section->setBody(body);
            section->setExpanded(spec.group == FieldGroup::Basic || spec.group == FieldGroup::Lora);
            sections_.insert(spec.group, section);
            forms.insert(spec.group, form);
            layout->addWidget(section);
        }
        Field f;
        f.spec = &spec;
        f.label = new QLabel(this);
        f.editor = makeEditor(spec);
        f.error = new QLabel(this);
        f.error->setStyleSheet(errorStyle());
        f.error->setWordWrap(true);
        f.error->setVisible(false);
        f.error->setObjectName(QStringLiteral("error_%1").arg(spec.key));
        f.editor->setObjectName(QStringLiteral("field_%1").arg(spec.key));
        auto* cell = new QWidget(this);
        auto* cellLayout = new QVBoxLayout(cell);
        cellLayout->setContentsMargins(0, 0, 0, 0);
        cellLayout->setSpacing(1);
        cellLayout->addWidget(f.editor);
        cellLayout->addWidget(f.error);
        forms[spec.group]->addRow(f.label, cell);
        fields_.insert(spec.key, f);
    }
    layout->addStretch(1);
    for (const std::string& s : stage_names())
        if (parse_stage(s) != Stage::Ppo) availableStages_ << QString::fromStdString(s);  // the tab narrows it (setAvailableStages)
    retranslate();
    refreshDatasets();
    updateGroupVisibility();
}

QWidget* TrainForm::makeEditor(const FieldSpec& spec) {
    const QString key = spec.key;
    auto notify = [this, key] {
        if (!updating_) emit changed(key);
    };
    switch (spec.kind) {
        case FieldKind::Int: {
            auto* box = new QSpinBox(this);
            box->setRange(spec.min, spec.max);
            box->setAccelerated(true);
            connect(box, &QSpinBox::valueChanged, this, notify);
            return box;
        }
        case FieldKind::Double:
        case FieldKind::Text: {
            auto* edit = new QLineEdit(this);
            connect(edit, &QLineEdit::textChanged, this, notify);
            return edit;
        }
        case FieldKind::Bool: {
            auto* box = new QCheckBox(this);
            connect(box, &QCheckBox::toggled, this, notify);
            return box;
        }
        case FieldKind::Choice:
        case FieldKind::EditableChoice: {
            auto* box = new QComboBox(this);
            box->setEditable(spec.kind == FieldKind::EditableChoice);
            for (const auto& c : spec.choices) box->addItem(QString::fromUtf8(c.value), QString::fromUtf8(c.value));
            if (spec.kind == FieldKind::Choice)
                connect(box, &QComboBox::currentIndexChanged, this, [this, key, notify] {
                    if (key == "stage") refreshDatasets();
                    if (key == "stage" || key == "pref_loss") updateGroupVisibility();
                    notify();
                });
            else
                connect(box, &QComboBox::currentTextChanged, this, notify);
            return box;
        }
        case FieldKind::Dir: {
            auto* cell = new QWidget(this);
            auto* row = new QHBoxLayout(cell);
            row->setContentsMargins(0, 0, 0, 0);
            auto* edit = new QLineEdit(cell);
            edit->setObjectName("edit");
            auto* browse = new QToolButton(cell);
            browse->setIcon(widgets::icon(widgets::IconKind::Folder));
            browse->setObjectName("browse");
            row->addWidget(edit, 1);
            row->addWidget(browse);
            connect(edit, &QLineEdit::textChanged, this, [this, key, notify] {
                if (key == "dataset_dir") refreshDatasets();
                notify();
            });
            connect(browse, &QToolButton::clicked, this, [this, edit] {
                const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a folder"), edit->text());
                if (!dir.isEmpty()) edit->setText(dir);
            });
            return cell;
        }
        case FieldKind::Datasets: {
            auto* cell = new QWidget(this);
            auto* col = new QVBoxLayout(cell);
            col->setContentsMargins(0, 0, 0, 0);
            datasets_ = new DatasetChecklist(cell);
            previewButton_ = new QPushButton(cell);
            previewButton_->setIcon(widgets::icon(widgets::IconKind::Preview));
            previewButton_->setObjectName("previewDataset");
            col->addWidget(datasets_);
            col->addWidget(previewButton_, 0, Qt::AlignLeft);
            connect(previewButton_, &QPushButton::clicked, this, &TrainForm::previewRequested);
            connect(datasets_, &DatasetChecklist::changed, this, notify);
            return cell;
        }
    }
    return new QWidget(this);
}

void TrainForm::retranslate() {
    for (auto& f : fields_) {
        f.label->setText(trField(f.spec->label));
        const QString tip = QStringLiteral("<b>%1</b> <code>%2</code><br>%3")
                                .arg(trField(f.spec->label).toHtmlEscaped(), f.spec->key,
                                     trField(f.spec->tooltip).toHtmlEscaped());
        f.label->setToolTip(tip);
        f.editor->setToolTip(tip);
        if (auto* box = qobject_cast<QComboBox*>(f.editor)) {
            for (int i = 0; i < box->count(); ++i)
                for (const auto& c : f.spec->choices)
                    if (c.label && box->itemData(i).toString() == c.value) box->setItemText(i, trField(c.label));
        }
    }
    for (auto it = sections_.begin(); it != sections_.end(); ++it) it.value()->setTitle(trField(field_group_title(it.key())));
    if (previewButton_) {
        previewButton_->setText(tr("Preview records…"));
        previewButton_->setToolTip(tr("Page through the records as they will be trained: the template, the "
                                      "trained tokens highlighted, and the token counts"));
    }
    refreshDatasets();
}

void TrainForm::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

QWidget* TrainForm::editor(const QString& key) const {
    auto it = fields_.find(key);
    if (it == fields_.end()) return nullptr;
    if (it->spec->kind == FieldKind::Dir) return it->editor->findChild<QLineEdit*>("edit");
    if (it->spec->kind == FieldKind::Datasets) return datasets_->list();
    return it->editor;
}

QString TrainForm::value(const QString& key) const {
    auto it = fields_.find(key);
    if (it == fields_.end()) return {};
    QWidget* w = editor(key);
    switch (it->spec->kind) {
        case FieldKind::Int: return QString::number(static_cast<QSpinBox*>(w)->value());
        case FieldKind::Double:
        case FieldKind::Text:
        case FieldKind::Dir: return static_cast<QLineEdit*>(w)->text().trimmed();
        case FieldKind::Bool: return static_cast<QCheckBox*>(w)->isChecked() ? "true" : "false";
        case FieldKind::Choice: return static_cast<QComboBox*>(w)->currentData().toString();
        case FieldKind::EditableChoice: return static_cast<QComboBox*>(w)->currentText().trimmed();
        case FieldKind::Datasets: return datasets_->selected().join(',');
    }
    return {};
}

void TrainForm::setValue(const QString& key, const QString& value) {
    auto it = fields_.find(key);
    if (it == fields_.end()) return;
    QWidget* w = editor(key);
    switch (it->spec->kind) {
        case FieldKind::Int: static_cast<QSpinBox*>(w)->setValue(value.toInt()); break;
        case FieldKind::Double:
        case FieldKind::Text:
        case FieldKind::Dir: static_cast<QLineEdit*>(w)->setText(value); break;
        case FieldKind::Bool: static_cast<QCheckBox*>(w)->setChecked(value == "true"); break;
        case FieldKind::Choice: {
            auto* box = static_cast<QComboBox*>(w);
            int i = comboIndexOf(box, value);
            if (i < 0) {  // a value from a loaded file that this build does not list: keep it, validation speaks
                box->addItem(value, value);
                i = box->count() - 1;
            }
            box->setCurrentIndex(i);
            break;
        }
        case FieldKind::EditableChoice: static_cast<QComboBox*>(w)->setCurrentText(value); break;
        case FieldKind::Datasets: {
            QStringList names;
            for (const QString& n : value.split(',', Qt::SkipEmptyParts)) names << n.trimmed();
            setDatasetSelection(names);
            break;
        }
    }
}

void TrainForm::applyTo(TrainConfig& config, QMap<QString, QString>* errors) const {
    for (auto it = fields_.begin(); it != fields_.end(); ++it) {
        try {
            config.set(it.key().toStdString(), value(it.key()).toStdString());
        } catch (const Error& e) {
            if (errors) errors->insert(it.key(), QString::fromStdString(e.what()));
        }
    }
}

void TrainForm::setFrom(const TrainConfig& config) {
    updating_ = true;
    // Stage first: it decides which datasets are listed.
    setValue("stage", QString::fromStdString(config.stage));
    setValue("dataset_dir", QString::fromStdString(config.dataset_dir));
    for (auto it = fields_.begin(); it != fields_.end(); ++it)
        setValue(it.key(), QString::fromStdString(config.get(it.key().toStdString())));
    updating_ = false;
    refreshDatasets();
    updateGroupVisibility();
    emit changed(QString());
}

void TrainForm::setErrors(const QMap<QString, QString>& errors) {
    for (auto it = fields_.begin(); it != fields_.end(); ++it) {
        const QString msg = errors.value(it.key());
        it->error->setText(msg);
        it->error->setVisible(!msg.isEmpty());
        // A field with a problem opens its section so that the message is seen.
        if (!msg.isEmpty()) sections_[it->spec->group]->setExpanded(true);
    }
}

bool TrainForm::isFieldShown(const QString& key) const {
    auto it = fields_.find(key);
    // isHidden, not isVisibleTo: a folded section's fields still count as shown (setErrors unfolds it).
    return it != fields_.end() && sections_[it->spec->group]->isVisibleTo(this) && !it->label->isHidden();
}

QString TrainForm::fieldLabel(const QString& key) const {
    auto it = fields_.find(key);
    return it == fields_.end() || it->label->text().isEmpty() ? key : it->label->text();
}

QString TrainForm::errorText(const QString& key) const {
    auto it = fields_.find(key);
    return it == fields_.end() || !it->error->isVisibleTo(this) ? QString() : it->error->text();
}

void TrainForm::setContext(const QString& method, int quantizationBit, bool newModel) {
    method_ = method;
    quantizationBit_ = quantizationBit;
    newModel_ = newModel;
    updateGroupVisibility();
}

void TrainForm::setAvailableStages(const QStringList& stages) {
    availableStages_ = stages;
    auto* box = static_cast<QComboBox*>(editor("stage"));
    auto* model = qobject_cast<QStandardItemModel*>(box->model());
    auto* view = qobject_cast<QListView*>(box->view());
    for (int i = 0; i < box->count(); ++i) {
        const bool ok = stages.contains(box->itemData(i).toString());
        if (auto* item = model ? model->item(i) : nullptr) {
            item->setEnabled(ok);
            item->setToolTip(ok ? QString() : tr("Not available in this build yet"));
        }
        // Hidden from the list, except a stage a loaded config chose: it stays visible, with its problem.
        if (view) view->setRowHidden(i, !ok && i != box->currentIndex());
    }
}

void TrainForm::updateGroupVisibility() {
    const QString stage = value("stage");
    const std::optional<Method> method = method_from_name(method_.toStdString());
    sections_[FieldGroup::Lora]->setVisible(method == Method::Lora);
    sections_[FieldGroup::Qlora]->setVisible(method == Method::Lora && quantizationBit_ > 0);
    sections_[FieldGroup::Freeze]->setVisible(method == Method::Freeze);
    const std::string st = stage.toStdString(), loss = value("pref_loss").toStdString();
    bool anyPreference = false;
    for (auto& f : fields_) {
        if (f.spec->group != FieldGroup::Preference) continue;
        const bool applies = field_applies(f.spec->key, st, loss);
        forms_[FieldGroup::Preference]->setRowVisible(f.label, applies);
        anyPreference |= applies;
    }
    widgets::CollapsibleSection* pref = sections_[FieldGroup::Preference];
    const bool wasShown = !pref->isHidden();
    pref->setVisible(anyPreference);
    // Switching to a preference stage opens its settings: they are what that stage is about.
    if (anyPreference && !wasShown) pref->setExpanded(true);
    sections_[FieldGroup::NewModel]->setVisible(newModel_);
}

void TrainForm::setDatasetSelection(const QStringList& names) {
    if (datasets_) datasets_->setSelected(names);
}

void TrainForm::refreshDatasets() {
    if (!datasets_) return;
    datasets_->setSource(value("dataset_dir"), value("stage"));
}

QString TrainForm::datasetProblem() const { return datasets_ ? datasets_->problem() : QString(); }

QListWidget* TrainForm::datasetList() const { return datasets_ ? datasets_->list() : nullptr; }

}  // namespace ui
}  // namespace lathe
