#include "ui/dataset_preview_dialog.h"

#include "core/train/record_preview.h"
#include "core/train/train_config.h"
#include "ui/engine_messages.h"
#include "widgets/token_view.h"

#include <QDialogButtonBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace lathe {
namespace ui {

namespace {

struct Loaded {
    std::shared_ptr<DatasetPreview> preview;
    QString error;
};

}  // namespace

DatasetPreviewDialog::DatasetPreviewDialog(const TrainConfig& config, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Dataset preview"));
    header_ = new QLabel(tr("Reading the datasets and the tokenizer…"), this);
    header_->setWordWrap(true);
    view_ = new widgets::TokenView(this);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    prev_ = new QPushButton(tr("Previous"), this);
    next_ = new QPushButton(tr("Next"), this);
    index_ = new QSpinBox(this);
    index_->setEnabled(false);
    prev_->setEnabled(false);
    next_->setEnabled(false);
    auto* legend = new QLabel(tr("<span style='background:#d4f5dc;color:#0b5a22'>&nbsp;trained tokens&nbsp;</span> "
                                 "<span style='background:#f2f2f2;color:#555'>&nbsp;prompt (not trained)&nbsp;</span> "
                                 "— shades alternate at token boundaries"),
                              this);
    auto* nav = new QHBoxLayout;
    nav->addWidget(prev_);
    nav->addWidget(index_);
    nav->addWidget(next_);
    nav->addStretch(1);
    nav->addWidget(legend);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(header_);
    layout->addWidget(view_, 1);
    layout->addWidget(status_);
    layout->addLayout(nav);
    layout->addWidget(box);
    resize(820, 600);

    connect(prev_, &QPushButton::clicked, this, [this] { index_->setValue(index_->value() - 1); });
    connect(next_, &QPushButton::clicked, this, [this] { index_->setValue(index_->value() + 1); });
    connect(index_, &QSpinBox::valueChanged, this, [this](int v) { showRecord(v - 1); });

    auto* watcher = new QFutureWatcher<Loaded>(this);
    connect(watcher, &QFutureWatcher<Loaded>::finished, this, [this, watcher] {
        watcher->deleteLater();
        const Loaded l = watcher->result();
        if (!l.preview) {
            header_->setText(tr("Cannot preview: %1").arg(l.error));
            header_->setStyleSheet("color:#c0392b;");
            return;
        }
        preview_ = l.preview;
        header_->setText(tr("Template: %1 · %2 records\n%3")
                             .arg(QString::fromStdString(preview_->template_name()))
                             .arg(preview_->size())
                             .arg(engine_message(preview_->summary())));  // in the studio's language
        index_->setRange(1, std::max<int>(1, static_cast<int>(preview_->size())));
        index_->setEnabled(true);
        showRecord(0);
        emit ready();
    });
    watcher->setFuture(QtConcurrent::run([config]() -> Loaded {
        try {
            return {std::make_shared<DatasetPreview>(config), QString()};
        } catch (const std::exception& e) {
            return {nullptr, QString::fromStdString(e.what())};
        }
    }));
}

DatasetPreviewDialog::~DatasetPreviewDialog() = default;

int DatasetPreviewDialog::recordCount() const { return preview_ ? static_cast<int>(preview_->size()) : 0; }

QString DatasetPreviewDialog::statusText() const { return status_->text(); }

void DatasetPreviewDialog::showRecord(int index) {
    if (!preview_ || index < 0 || index >= recordCount()) return;
    if (index_->value() != index + 1) {
        index_->setValue(index + 1);  // comes back here through valueChanged
        return;
    }
    const RecordPreview r = preview_->record(static_cast<size_t>(index));
    prev_->setEnabled(index > 0);
    next_->setEnabled(index + 1 < recordCount());
    if (!r.error.empty()) {
        view_->setSpans({});
        status_->setText(tr("Record %1 (%2) cannot be encoded: %3")
                             .arg(index + 1)
                             .arg(QString::fromStdString(r.source), QString::fromStdString(r.error)));
        return;
    }
    QVector<widgets::TokenSpan> spans;
    for (const auto& p : r.pieces) spans.push_back({QString::fromStdString(p.text), p.trained});
    view_->setSpans(spans, r.rejected_from > 0 ? static_cast<int>(r.rejected_from) : -1, tr("Rejected answer"));
    if (r.tokenized) {
        status_->setText(tr("Record %1 of %2 · %3 · %4 tokens, %5 trained%6")
                             .arg(index + 1)
                             .arg(recordCount())
                             .arg(QString::fromStdString(r.source))
                             .arg(r.tokens)
                             .arg(r.trained_tokens)
                             .arg(r.truncated ? tr(" · truncated to the cutoff length") : QString()));
    } else {
        status_->setText(tr("Record %1 of %2 · %3 · token counts appear once the new model's tokenizer exists "
                            "(it is trained at Start)")
                             .arg(index + 1)
                             .arg(recordCount())
                             .arg(QString::fromStdString(r.source)));
    }
}

}  // namespace ui
}  // namespace lathe
