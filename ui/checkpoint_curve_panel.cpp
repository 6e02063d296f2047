#include "ui/checkpoint_curve_panel.h"

#include "widgets/icons.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace lathe {
namespace ui {

namespace {

// The metrics a curve plots, in the table's column order (after Step and Checkpoint).
struct Metric {
    const char* key;
    const char* label;
};
const Metric kMetrics[] = {
    {"predict_bleu-4", QT_TRANSLATE_NOOP("lathe::ui::CheckpointCurvePanel", "BLEU-4")},
    {"predict_rouge-1", QT_TRANSLATE_NOOP("lathe::ui::CheckpointCurvePanel", "ROUGE-1")},
    {"predict_rouge-2", QT_TRANSLATE_NOOP("lathe::ui::CheckpointCurvePanel", "ROUGE-2")},
    {"predict_rouge-l", QT_TRANSLATE_NOOP("lathe::ui::CheckpointCurvePanel", "ROUGE-L")},
    {"predict_exact_match", QT_TRANSLATE_NOOP("lathe::ui::CheckpointCurvePanel", "Exact match")},
    {"predict_f1", QT_TRANSLATE_NOOP("lathe::ui::CheckpointCurvePanel", "F1")},
    {"predict_reward", QT_TRANSLATE_NOOP("lathe::ui::CheckpointCurvePanel", "Reward")},
};
constexpr int kMetricCount = static_cast<int>(sizeof kMetrics / sizeof kMetrics[0]);
constexpr int kFirstMetricColumn = 2;

QString label(const Metric& m) { return QCoreApplication::translate("lathe::ui::CheckpointCurvePanel", m.label); }

}  // namespace

CheckpointCurvePanel::CheckpointCurvePanel(QWidget* parent) : QWidget(parent) {
    runLine_ = new QLabel(this);
    runLine_->setObjectName("curveRun");
    runLine_->setTextFormat(Qt::PlainText);
    runLine_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    evaluate_ = new QPushButton(widgets::icon(widgets::IconKind::Start), QString(), this);
    evaluate_->setObjectName("curveEvaluate");
    metricLabel_ = new QLabel(this);
    metric_ = new QComboBox(this);
    metric_->setObjectName("curveMetric");
    for (const Metric& m : kMetrics) metric_->addItem(QString(), QString::fromLatin1(m.key));
    metric_->setCurrentIndex(3);  // ROUGE-L, as "worst first" sorts
    metricLabel_->setBuddy(metric_);
    useBest_ = new QPushButton(this);
    useBest_->setObjectName("curveUseBest");
    auto* bar = new QHBoxLayout;
    bar->addWidget(evaluate_);
    bar->addWidget(runLine_, 1);
    bar->addWidget(metricLabel_);
    bar->addWidget(metric_);
    bar->addWidget(useBest_);

    plot_ = new QCustomPlot(this);
    plot_->setObjectName("curvePlot");
    plot_->setMinimumHeight(160);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    line_ = plot_->addGraph();
    line_->setPen(QPen(QColor(0x2f, 0x6f, 0xd6), 2));
    line_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(0x2f, 0x6f, 0xd6), QColor(Qt::white), 7));
    best_ = plot_->addGraph();
    best_->setLineStyle(QCPGraph::lsNone);
    best_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(0xe6, 0x5c, 0x00), 11));
    bestLine_ = new QLabel(this);
    bestLine_->setObjectName("curveBest");
    bestLine_->setTextFormat(Qt::PlainText);
    noteLine_ = new QLabel(this);
    noteLine_->setObjectName("curveNote");
    noteLine_->setWordWrap(true);
    noteLine_->setTextFormat(Qt::PlainText);
    noteLine_->setStyleSheet("color:#9a6700;");
    noteLine_->setVisible(false);

    table_ = new QTableWidget(0, kFirstMetricColumn + kMetricCount, this);
    table_->setObjectName("curvePoints");
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->setVisible(false);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(plot_, 3);
    layout->addWidget(bestLine_);
    layout->addWidget(noteLine_);
    layout->addWidget(table_, 2);

    connect(evaluate_, &QPushButton::clicked, this, &CheckpointCurvePanel::evaluateRequested);
    connect(metric_, &QComboBox::currentIndexChanged, this, &CheckpointCurvePanel::refresh);
    connect(useBest_, &QPushButton::clicked, this, [this] {
        const int best = bestIndex();
        if (best >= 0) emit useCheckpointRequested(checkpointDir(best));
    });
    connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (row >= 0 && row < static_cast<int>(points_.size())) emit useCheckpointRequested(checkpointDir(row));
    });
    retranslate();
    refresh();
}

void CheckpointCurvePanel::setRun(const QString& runDir, int checkpoints) {
    runDir_ = runDir;
    checkpoints_ = checkpoints;
    retranslate();
    updateButtons();
}

void CheckpointCurvePanel::setCurve(const CheckpointCurve& curve) {
    points_ = curve.points;
    note_.clear();
    refresh();
}

void CheckpointCurvePanel::clear(const QString& note) {
    points_.clear();
    note_ = note;
    refresh();
}

void CheckpointCurvePanel::addPoint(const CurvePoint& point) {
    auto same = std::find_if(points_.begin(), points_.end(), [&](const CurvePoint& p) { return p.step == point.step; });
    if (same != points_.end()) *same = point;
    else points_.push_back(point);
    sort_by_step(points_);
    refresh();
}

void CheckpointCurvePanel::setRunning(bool running) {
    running_ = running;
    updateButtons();
}

QString CheckpointCurvePanel::metricKey() const { return metric_->currentData().toString(); }

void CheckpointCurvePanel::setMetric(const QString& key) {
    const int i = metric_->findData(key);
    if (i >= 0) metric_->setCurrentIndex(i);
}

int CheckpointCurvePanel::bestIndex() const { return best_point(points_, metricKey().toStdString()); }

QString CheckpointCurvePanel::bestText() const {
    const int best = bestIndex();
    const QString name = label(kMetrics[std::clamp(metric_->currentIndex(), 0, kMetricCount - 1)]);
    if (best < 0)
        return points_.empty() ? tr("No checkpoint evaluated yet.") : tr("No point has %1.").arg(name);
    const CurvePoint& p = points_[best];
    return tr("Best %1: %2 at step %3 (%4)")
        .arg(name)
        .arg(p.results.at(metricKey().toStdString()), 0, 'f', 2)
        .arg(p.step)
        .arg(p.checkpoint == "." ? tr("final weights") : QString::fromStdString(p.checkpoint));
}
QString CheckpointCurvePanel::noteText() const { return noteLine_->isVisibleTo(this) ? noteLine_->text() : QString(); }

QString CheckpointCurvePanel::checkpointDir(int index) const {
    if (index < 0 || index >= static_cast<int>(points_.size())) return QString();
    const QString name = QString::fromStdString(points_[index].checkpoint);
    return name.isEmpty() || name == "." ? runDir_ : QDir(runDir_).filePath(name);
}

void CheckpointCurvePanel::updateButtons() {
    evaluate_->setEnabled(!running_ && !runDir_.isEmpty() && checkpoints_ > 0);
    useBest_->setEnabled(!running_ && bestIndex() >= 0);
}

void CheckpointCurvePanel::refresh() {
    const std::string key = metricKey().toStdString();
    const int best = bestIndex();
    bool reward = false;
    for (const auto& p : points_) reward = reward || p.results.count("predict_reward");
    table_->setColumnHidden(kFirstMetricColumn + kMetricCount - 1, !reward);

    table_->setRowCount(static_cast<int>(points_.size()));
    QVector<double> xs, ys;
    for (int row = 0; row < static_cast<int>(points_.size()); ++row) {
        const CurvePoint& p = points_[row];
        auto set = [&](int column, const QString& text, Qt::Alignment align) {
            auto* item = new QTableWidgetItem(text);
            item->setTextAlignment(align | Qt::AlignVCenter);
            QFont f = item->font();
            f.setBold(row == best);
            item->setFont(f);
            table_->setItem(row, column, item);
        };
        set(0, QString::number(p.step), Qt::AlignRight);
        set(1, p.checkpoint == "." ? tr("final") : QString::fromStdString(p.checkpoint), Qt::AlignLeft);
        for (int m = 0; m < kMetricCount; ++m) {
            const auto it = p.results.find(kMetrics[m].key);
            set(kFirstMetricColumn + m, it == p.results.end() ? QStringLiteral("–") : QString::number(it->second, 'f', 2),
                Qt::AlignRight);
        }
        const auto it = p.results.find(key);
        if (it != p.results.end()) {
            xs << static_cast<double>(p.step);
            ys << it->second;
        }
    }
    line_->setData(xs, ys, true);
    if (best >= 0) best_->setData({static_cast<double>(points_[best].step)}, {points_[best].results.at(key)}, true);
    else best_->data()->clear();
    if (!xs.isEmpty()) {
        const auto [lo, hi] = std::minmax_element(ys.begin(), ys.end());
        const double pad = std::max(1e-6, (*hi - *lo) * 0.1 + (*hi == *lo ? 1.0 : 0.0));
        plot_->xAxis->setRange(xs.front() - std::max(1.0, (xs.back() - xs.front()) * 0.05),
                               xs.back() + std::max(1.0, (xs.back() - xs.front()) * 0.05));
        plot_->yAxis->setRange(*lo - pad, *hi + pad);
    }
    plot_->yAxis->setLabel(metric_->currentText());
    plot_->replot();

    bestLine_->setText(bestText());
    noteLine_->setText(note_);
    noteLine_->setVisible(!note_.isEmpty());
    updateButtons();
}

void CheckpointCurvePanel::retranslate() {
    evaluate_->setText(tr("Evaluate every checkpoint"));
    evaluate_->setToolTip(tr("Predict the chosen datasets with each checkpoint of the run, with the settings on the "
                             "left (A/B and the output folder do not apply). Points already in the run's "
                             "checkpoint_curve.json with the same settings are kept."));
    metricLabel_->setText(tr("&Metric:"));
    useBest_->setText(tr("Use best"));
    useBest_->setToolTip(tr("Put the best checkpoint for this metric in the model bar (or double-click a row)"));
    for (int m = 0; m < kMetricCount; ++m) metric_->setItemText(m, label(kMetrics[m]));
    QStringList headers = {tr("Step"), tr("Checkpoint")};
    for (const Metric& m : kMetrics) headers << label(m);
    table_->setHorizontalHeaderLabels(headers);
    plot_->xAxis->setLabel(tr("step"));
    if (runDir_.isEmpty())
        runLine_->setText(tr("Choose a run's checkpoint in the model bar to evaluate its checkpoints."));
    else if (checkpoints_ == 0)
        runLine_->setText(tr("%1 has no checkpoints (train with save_steps to keep them).").arg(runDir_));
    else
        runLine_->setText(tr("%1 · %n checkpoint(s)", nullptr, checkpoints_).arg(runDir_));
    runLine_->setToolTip(runLine_->text());
    refresh();
}

void CheckpointCurvePanel::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

}  // namespace ui
}  // namespace lathe
