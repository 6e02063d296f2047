// A loss curve plot: raw and smoothed loss, evaluation points and the learning rate on a second axis,
// plus other runs overlaid for comparison. Takes plain numbers; knows nothing about training.
// Points may arrive many times a second: they are buffered and the plot redraws at most every 100 ms.
#pragma once
#include <QMap>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QDoubleSpinBox;
class QLabel;
class QToolButton;
class QTimer;

namespace lathe {
namespace widgets {

struct CurveData {
    QVector<double> steps, loss;            // training loss per logged step
    QVector<double> lrSteps, lr;            // learning rate
    QVector<double> evalSteps, evalLoss;    // evaluation loss
};

class LossPlot : public QWidget {
    Q_OBJECT
public:
    explicit LossPlot(QWidget* parent = nullptr);

    // The main curve (a live run or a selected run dir); `title` names it in the legend.
    void setMainCurve(const QString& title, const CurveData& data);
    void clearMain(const QString& title = QString());
    void addLoss(double step, double loss, double lr);
    void addEval(double step, double loss);

    // Other runs drawn as thin lines, keyed by e.g. their folder.
    void setOverlay(const QString& key, const QString& title, const CurveData& data);
    void removeOverlay(const QString& key);
    void clearOverlays();
    QStringList overlayKeys() const { return overlays_.keys(); }

    // 0 (none) .. 0.99: TensorBoard-style exponential moving average with bias correction.
    void setSmoothing(double weight);
    double smoothing() const { return smoothing_; }

    bool savePng(const QString& path, int width = 0, int height = 0);
    void fitToData();

    // For tests: points in the main raw-loss / eval series, and times the plot was redrawn.
    int lossPointCount() const { return main_.steps.size(); }
    int evalPointCount() const { return main_.evalSteps.size(); }
    int replotCount() const { return replots_; }
    QCustomPlot* plot() const { return plot_; }

    static QVector<double> smooth(const QVector<double>& values, double weight);

protected:
    void changeEvent(QEvent* e) override;

private:
    void scheduleReplot();
    void replotNow();
    void rebuildMainGraphs();
    void retranslate();

    QCustomPlot* plot_;
    QCPGraph *raw_, *smoothed_, *eval_, *lr_;
    QMap<QString, QPair<QCPGraph*, QCPGraph*>> overlays_;  // key -> (loss, eval)
    CurveData main_;
    QString mainTitle_;
    double smoothing_ = 0.6;
    bool userZoomed_ = false;
    int replots_ = 0;
    QTimer* replotTimer_;
    QLabel* smoothingLabel_;
    QDoubleSpinBox* smoothingSpin_;
    QToolButton *fitButton_, *saveButton_;
};

}  // namespace widgets
}  // namespace lathe
