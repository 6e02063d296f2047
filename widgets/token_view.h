// Shows a token sequence with the trained tokens highlighted and token boundaries visible, as a
// training record looks to the loss. Takes plain pieces of text.
#pragma once
#include <QString>
#include <QTextBrowser>
#include <QVector>

namespace lathe {
namespace widgets {

struct TokenSpan {
    QString text;
    bool trained = false;
};

class TokenView : public QTextBrowser {
    Q_OBJECT
public:
    explicit TokenView(QWidget* parent = nullptr);
    // `separatorAt` >= 0 starts a second block there (e.g. the rejected answer of a preference pair),
    // headed by `separatorTitle`.
    void setSpans(const QVector<TokenSpan>& spans, int separatorAt = -1, const QString& separatorTitle = QString());
    int trainedCount() const { return trained_; }
    int spanCount() const { return spans_; }

private:
    int trained_ = 0, spans_ = 0;
};

}  // namespace widgets
}  // namespace lathe
