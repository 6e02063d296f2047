// A bar chart of counts over bins with given lower edges (the last bin open-ended), for length
// distributions on a doubling scale: each bar is labelled by its range ("64-127"). Plain numbers in.
#pragma once
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPBars;

namespace lathe {
namespace widgets {

class HistogramPlot : public QWidget {
    Q_OBJECT
public:
    explicit HistogramPlot(QWidget* parent = nullptr);

    // counts[i] items fell in [edges[i], edges[i + 1]); empty bins at both ends are left out.
    void setData(const QVector<double>& edges, const QVector<double>& counts, const QString& unit);
    void clear();
    int barCount() const;
    double total() const { return total_; }
    QCustomPlot* plot() const { return plot_; }

private:
    QCustomPlot* plot_;
    QCPBars* bars_;
    double total_ = 0;
};

}  // namespace widgets
}  // namespace lathe
