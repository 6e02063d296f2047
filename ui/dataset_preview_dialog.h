// Pages through the training records exactly as they will be trained: the rendered template with
// the trained tokens highlighted, and the token counts. Reading and tokenizing happen off the UI thread.
#pragma once
#include <QDialog>

#include <memory>

class QLabel;
class QPushButton;
class QSpinBox;

namespace lathe {
struct TrainConfig;
class DatasetPreview;
}  // namespace lathe

namespace lathe {
namespace widgets {
class TokenView;
}  // namespace widgets
}  // namespace lathe

namespace lathe {
namespace ui {

class DatasetPreviewDialog : public QDialog {
    Q_OBJECT
public:
    DatasetPreviewDialog(const TrainConfig& config, QWidget* parent = nullptr);
    ~DatasetPreviewDialog() override;

    // For tests: whether the records are loaded, how many, and the shown record's numbers.
    bool isReady() const { return preview_ != nullptr; }
    int recordCount() const;
    void showRecord(int index);
    QString statusText() const;
    widgets::TokenView* tokenView() const { return view_; }

signals:
    void ready();

private:
    QLabel *header_, *status_;
    widgets::TokenView* view_;
    QPushButton *prev_, *next_;
    QSpinBox* index_;
    std::shared_ptr<DatasetPreview> preview_;
};

}  // namespace ui
}  // namespace lathe
