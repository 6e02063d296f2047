#include "widgets/histogram_plot.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

namespace lathe {
namespace widgets {

HistogramPlot::HistogramPlot(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setMinimumHeight(160);
    bars_ = new QCPBars(plot_->xAxis, plot_->yAxis);
    bars_->setPen(QPen(QColor(0x2f, 0x6f, 0xd6)));
    bars_->setBrush(QColor(0x2f, 0x6f, 0xd6, 120));
    bars_->setWidth(0.8);
    plot_->xAxis->setTickLabelRotation(40);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);
}

void HistogramPlot::setData(const QVector<double>& edges, const QVector<double>& counts, const QString& unit) {
    int first = 0, last = int(counts.size()) - 1;
    while (first <= last && counts[first] == 0) ++first;
    while (last >= first && counts[last] == 0) --last;
    QVector<double> keys, values;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    total_ = 0;
    double top = 0;
    for (int i = first; i <= last; ++i) {
        keys << double(keys.size() + 1);
        values << counts[i];
        total_ += counts[i];
        top = std::max(top, counts[i]);
        const QString range = i + 1 < edges.size() ? QString("%1-%2").arg(edges[i]).arg(edges[i + 1] - 1)
                                                   : QString("%1+").arg(edges[i]);
        ticker->addTick(keys.back(), range);
    }
    bars_->setData(keys, values);
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->setLabel(unit);
    plot_->xAxis->setRange(0.3, keys.size() + 0.7);
    plot_->yAxis->setRange(0, top > 0 ? top * 1.1 : 1);
    plot_->replot();
}

void HistogramPlot::clear() { setData({}, {}, QString()); }

int HistogramPlot::barCount() const { return bars_->data()->size(); }

}  // namespace widgets
}  // namespace lathe
