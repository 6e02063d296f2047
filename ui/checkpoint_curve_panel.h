// The Evaluate tab's "Checkpoint curve" page: every checkpoint of the model bar's run predicted on the same
// set (core/eval/checkpoint_curve.h), one metric plotted against the step with the best checkpoint marked,
// and every point in a table. A row (or "Use best") puts that checkpoint in the model bar. The page shows
// the run's saved checkpoint_curve.json as soon as the run is chosen.
#pragma once
#include "core/eval/checkpoint_curve.h"

#include <QString>
#include <QWidget>

class QComboBox;
class QCustomPlot;
class QCPGraph;
class QLabel;
class QPushButton;
class QTableWidget;

namespace lathe {
namespace ui {

class CheckpointCurvePanel : public QWidget {
    Q_OBJECT
public:
    explicit CheckpointCurvePanel(QWidget* parent = nullptr);

    // The run whose checkpoints a curve covers ("" = none chosen) and how many it has.
    void setRun(const QString& runDir, int checkpoints);
    QString runDir() const { return runDir_; }
    int checkpointCount() const { return checkpoints_; }
    // Replaces the points; `note` (e.g. why a saved curve could not be read) is shown under the plot.
    void setCurve(const CheckpointCurve& curve);
    void clear(const QString& note = QString());
    // A point that was just predicted (or reloaded), in any order.
    void addPoint(const CurvePoint& point);
    void setRunning(bool running);

    // The plotted metric's key ("predict_rouge-l") and the best point for it (-1: none).
    QString metricKey() const;
    void setMetric(const QString& key);
    int bestIndex() const;
    // "Best ROUGE-L: 42.00 at step 20 (checkpoint-20)", in the current language.
    QString bestText() const;
    QString noteText() const;
    const std::vector<CurvePoint>& points() const { return points_; }
    // The folder of point `index`'s weights.
    QString checkpointDir(int index) const;

    QPushButton* evaluateButton() const { return evaluate_; }
    QPushButton* useBestButton() const { return useBest_; }
    QComboBox* metricCombo() const { return metric_; }
    QTableWidget* pointsTable() const { return table_; }
    QCustomPlot* plot() const { return plot_; }

signals:
    void evaluateRequested();
    void useCheckpointRequested(const QString& dir);

protected:
    void changeEvent(QEvent* e) override;

private:
    void retranslate();
    void refresh();  // table, plot, best line and buttons from points_
    void updateButtons();

    QString runDir_;
    int checkpoints_ = 0;
    bool running_ = false;
    std::vector<CurvePoint> points_;  // by step
    QString note_;
    QLabel *runLine_, *metricLabel_, *bestLine_, *noteLine_;
    QPushButton *evaluate_, *useBest_;
    QComboBox* metric_;
    QCustomPlot* plot_;
    QCPGraph *line_, *best_;
    QTableWidget* table_;
};

}  // namespace ui
}  // namespace lathe
