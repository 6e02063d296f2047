#include "widgets/loss_plot.h"

#include "widgets/icons.h"

#include <qcustomplot.h>

#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <algorithm>

namespace lathe {
namespace widgets {

namespace {

const QColor kOverlayColors[] = {QColor(0xe0, 0x8a, 0x1e), QColor(0x8e, 0x44, 0xad), QColor(0x16, 0xa0, 0x85),
                                 QColor(0xc0, 0x39, 0x2b), QColor(0x7f, 0x8c, 0x8d), QColor(0xd3, 0x54, 0x00)};

}  // namespace

LossPlot::LossPlot(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setMinimumHeight(180);
    plot_->yAxis2->setVisible(true);
    plot_->yAxis2->setTickLabels(true);
    plot_->legend->setVisible(true);
    plot_->legend->setFont(font());
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setNoAntialiasingOnDrag(true);

    raw_ = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    raw_->setPen(QPen(QColor(0x2f, 0x6f, 0xd6, 90), 1));
    smoothed_ = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    smoothed_->setPen(QPen(QColor(0x2f, 0x6f, 0xd6), 2));
    eval_ = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    eval_->setLineStyle(QCPGraph::lsNone);
    eval_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(0xe6, 0x5c, 0x00), 7));
    eval_->setPen(QPen(QColor(0xe6, 0x5c, 0x00)));
    lr_ = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    lr_->setPen(QPen(QColor(0x70, 0x70, 0x70), 1, Qt::DashLine));

    // A user who zoomed or dragged keeps the view; "Fit" hands it back to the data.
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { userZoomed_ = true; });
    connect(plot_, &QCustomPlot::mousePress, this, [this] { userZoomed_ = true; });

    smoothingLabel_ = new QLabel(this);
    smoothingSpin_ = new QDoubleSpinBox(this);
    smoothingSpin_->setRange(0.0, 0.99);
    smoothingSpin_->setSingleStep(0.05);
    smoothingSpin_->setDecimals(2);
    smoothingSpin_->setValue(smoothing_);
    connect(smoothingSpin_, &QDoubleSpinBox::valueChanged, this, &LossPlot::setSmoothing);
    fitButton_ = new QToolButton(this);
    fitButton_->setIcon(icon(IconKind::Refresh));
    fitButton_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    connect(fitButton_, &QToolButton::clicked, this, &LossPlot::fitToData);
    saveButton_ = new QToolButton(this);
    saveButton_->setIcon(icon(IconKind::Image));
    saveButton_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    connect(saveButton_, &QToolButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save plot as PNG"), QString(), tr("PNG images (*.png)"));
        if (!path.isEmpty()) savePng(path);
    });

    auto* bar = new QHBoxLayout;
    bar->addWidget(smoothingLabel_);
    bar->addWidget(smoothingSpin_);
    bar->addStretch(1);
    bar->addWidget(fitButton_);
    bar->addWidget(saveButton_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(plot_, 1);

    replotTimer_ = new QTimer(this);
    replotTimer_->setSingleShot(true);
    replotTimer_->setInterval(100);
    connect(replotTimer_, &QTimer::timeout, this, &LossPlot::replotNow);
    retranslate();
}

void LossPlot::retranslate() {
    plot_->xAxis->setLabel(tr("step"));
    plot_->yAxis->setLabel(tr("loss"));
    plot_->yAxis2->setLabel(tr("learning rate"));
    raw_->setName(mainTitle_.isEmpty() ? tr("loss") : tr("%1: loss").arg(mainTitle_));
    smoothed_->setName(tr("smoothed"));
    eval_->setName(tr("eval loss"));
    lr_->setName(tr("learning rate"));
    smoothingLabel_->setText(tr("Smoothing"));
    smoothingSpin_->setToolTip(tr("Weight of the exponential moving average drawn over the raw loss (0 = off)"));
    fitButton_->setText(tr("Fit"));
    fitButton_->setToolTip(tr("Show all data again after zooming or panning (mouse wheel zooms, dragging pans)"));
    saveButton_->setText(tr("Save PNG…"));
    saveButton_->setToolTip(tr("Save the plot as a PNG image"));
    scheduleReplot();
}

void LossPlot::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

QVector<double> LossPlot::smooth(const QVector<double>& values, double weight) {
    QVector<double> out;
    out.reserve(values.size());
    double last = 0;
    int n = 0;
    for (double v : values) {
        if (!std::isfinite(v)) {
            out.push_back(v);
            continue;
        }
        last = last * weight + (1 - weight) * v;
        ++n;
        const double debias = 1 - std::pow(weight, n);
        out.push_back(debias > 0 ? last / debias : v);
    }
    return out;
}

void LossPlot::setMainCurve(const QString& title, const CurveData& data) {
    main_ = data;
    mainTitle_ = title;
    userZoomed_ = false;
    raw_->setName(title.isEmpty() ? tr("loss") : tr("%1: loss").arg(title));
    rebuildMainGraphs();
    scheduleReplot();
}

void LossPlot::clearMain(const QString& title) { setMainCurve(title, CurveData{}); }

void LossPlot::addLoss(double step, double loss, double lr) {
    main_.steps.push_back(step);
    main_.loss.push_back(loss);
    main_.lrSteps.push_back(step);
    main_.lr.push_back(lr);
    raw_->addData(step, loss);
    lr_->addData(step, lr);
    // The smoothed value of the newest point depends only on the ones before it.
    const auto s = smooth(main_.loss, smoothing_);
    smoothed_->addData(step, s.back());
    scheduleReplot();
}

void LossPlot::addEval(double step, double loss) {
    main_.evalSteps.push_back(step);
    main_.evalLoss.push_back(loss);
    eval_->addData(step, loss);
    scheduleReplot();
}

void LossPlot::rebuildMainGraphs() {
    raw_->setData(main_.steps, main_.loss, true);
    smoothed_->setData(main_.steps, smooth(main_.loss, smoothing_), true);
    eval_->setData(main_.evalSteps, main_.evalLoss, true);
    lr_->setData(main_.lrSteps, main_.lr, true);
    smoothed_->setVisible(smoothing_ > 0);
}

void LossPlot::setOverlay(const QString& key, const QString& title, const CurveData& data) {
    removeOverlay(key);
    const QColor color = kOverlayColors[overlays_.size() % (sizeof kOverlayColors / sizeof kOverlayColors[0])];
    QCPGraph* loss = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    loss->setPen(QPen(color, 1.5));
    loss->setName(title);
    loss->setData(data.steps, smoothing_ > 0 ? smooth(data.loss, smoothing_) : data.loss, true);
    QCPGraph* eval = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    eval->setLineStyle(QCPGraph::lsNone);
    eval->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, color, 7));
    eval->setPen(QPen(color));
    eval->setData(data.evalSteps, data.evalLoss, true);
    eval->removeFromLegend();
    loss->setProperty("rawLoss", QVariant::fromValue(data.loss));
    overlays_.insert(key, {loss, eval});
    userZoomed_ = false;
    scheduleReplot();
}

void LossPlot::removeOverlay(const QString& key) {
    auto it = overlays_.find(key);
    if (it == overlays_.end()) return;
    plot_->removeGraph(it->first);
    plot_->removeGraph(it->second);
    overlays_.erase(it);
    scheduleReplot();
}

void LossPlot::clearOverlays() {
    for (const QString& k : overlays_.keys()) removeOverlay(k);
}

void LossPlot::setSmoothing(double weight) {
    smoothing_ = std::clamp(weight, 0.0, 0.99);
    if (smoothingSpin_->value() != smoothing_) smoothingSpin_->setValue(smoothing_);
    rebuildMainGraphs();
    for (auto& [loss, eval] : overlays_) {
        const auto raw = loss->property("rawLoss").value<QVector<double>>();
        QVector<double> keys;
        for (auto it = loss->data()->constBegin(); it != loss->data()->constEnd(); ++it) keys.push_back(it->key);
        loss->setData(keys, smoothing_ > 0 ? smooth(raw, smoothing_) : raw, true);
    }
    scheduleReplot();
}

void LossPlot::fitToData() {
    userZoomed_ = false;
    replotNow();
}

void LossPlot::scheduleReplot() {
    if (!replotTimer_->isActive()) replotTimer_->start();
}

void LossPlot::replotNow() {
    replotTimer_->stop();
    if (!userZoomed_) {
        plot_->rescaleAxes();
        // Keep a margin so that the curve never touches the frame.
        plot_->yAxis->scaleRange(1.1, plot_->yAxis->range().center());
        plot_->yAxis2->scaleRange(1.1, plot_->yAxis2->range().center());
        // A learning rate is never negative: a flat schedule's range (one value, or a run's last rate of 0)
        // is widened around it, which would label the axis with negative rates.
        if (plot_->yAxis2->range().lower < 0) plot_->yAxis2->setRangeLower(0);
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
    ++replots_;
}

bool LossPlot::savePng(const QString& path, int width, int height) {
    replotNow();
    return plot_->savePng(path, width, height);
}

}  // namespace widgets
}  // namespace lathe
