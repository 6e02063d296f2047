#include "widgets/token_view.h"

namespace lathe {
namespace widgets {

TokenView::TokenView(QWidget* parent) : QTextBrowser(parent) {
    setReadOnly(true);
    QFont mono("monospace");
    mono.setStyleHint(QFont::TypeWriter);
    setFont(mono);
}

void TokenView::setSpans(const QVector<TokenSpan>& spans, int separatorAt, const QString& separatorTitle) {
    trained_ = 0;
    spans_ = spans.size();
    QString html = QStringLiteral("<html><body style='white-space:pre-wrap'>");
    for (int i = 0; i < spans.size(); ++i) {
        if (i == separatorAt)
            html += QStringLiteral("<hr><b>%1</b><br>").arg(separatorTitle.toHtmlEscaped());
        const TokenSpan& s = spans[i];
        trained_ += s.trained;
        QString text = s.text.toHtmlEscaped();
        // Newlines get a visible mark so that template whitespace can be checked.
        text.replace('\n', QStringLiteral("<span style='color:#999'>↵</span><br>"));
        // Alternate two shades so that token boundaries show; trained tokens in green, prompt in grey.
        const bool odd = i % 2;
        const QString bg = s.trained ? (odd ? "#b9ecc6" : "#d4f5dc") : (odd ? "#e6e6e6" : "#f2f2f2");
        const QString fg = s.trained ? "#0b5a22" : "#555555";
        html += QStringLiteral("<span style='background:%1; color:%2'>%3</span>").arg(bg, fg, text);
    }
    html += QStringLiteral("</body></html>");
    setHtml(html);
}

}  // namespace widgets
}  // namespace lathe
