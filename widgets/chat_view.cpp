#include "widgets/chat_view.h"

#include <QScrollBar>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

namespace lathe {
namespace widgets {

ChatView::ChatView(QWidget* parent) : QWidget(parent) {
    browser_ = new QTextBrowser(this);
    browser_->setOpenExternalLinks(false);
    browser_->setReadOnly(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(browser_);
    renderTimer_ = new QTimer(this);
    renderTimer_->setSingleShot(true);
    renderTimer_->setInterval(40);
    connect(renderTimer_, &QTimer::timeout, this, &ChatView::render);
}

int ChatView::addMessage(Role role, const QString& speaker, const QString& text) {
    messages_.push_back({role, speaker, text, QString(), QString(), QString()});
    scheduleRender();
    return messages_.size() - 1;
}

void ChatView::appendText(int index, const QString& piece) {
    if (index < 0 || index >= messages_.size()) return;
    messages_[index].text += piece;
    scheduleRender();
}

void ChatView::setSpeaker(int index, const QString& speaker) {
    if (index < 0 || index >= messages_.size()) return;
    messages_[index].speaker = speaker;
    scheduleRender();
}

void ChatView::setNote(int index, const QString& note) {
    if (index < 0 || index >= messages_.size()) return;
    messages_[index].note = note;
    scheduleRender();
}

void ChatView::setText(int index, const QString& text) {
    if (index < 0 || index >= messages_.size()) return;
    messages_[index].text = text;
    scheduleRender();
}

void ChatView::setAside(int index, const QString& caption, const QString& aside) {
    if (index < 0 || index >= messages_.size()) return;
    messages_[index].asideCaption = caption;
    messages_[index].aside = caption.isEmpty() ? QString() : aside;
    scheduleRender();
}

void ChatView::clear() {
    messages_.clear();
    render();
}

QString ChatView::plainText() const {
    QString out;
    for (const auto& m : messages_) out += m.speaker + ": " + m.text + "\n";
    return out;
}

void ChatView::scheduleRender() {
    if (!renderTimer_->isActive()) renderTimer_->start();
}

void ChatView::render() {
    QScrollBar* bar = browser_->verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 4;
    QString html = QStringLiteral("<html><body style='margin:4px'>");
    for (const auto& m : messages_) {
        QString bg = "#ffffff", fg = "#1a1a1a";
        switch (m.role) {
            case Role::User: bg = "#e8f0fe"; break;
            case Role::Assistant: bg = "#f3f3f3"; break;
            case Role::System: bg = "#fff6e0"; break;
            case Role::Notice: bg = "#ffffff"; fg = "#8a8a8a"; break;
        }
        QString body = m.text.toHtmlEscaped();
        body.replace('\n', "<br>");
        html += QStringLiteral("<table width='100%' cellpadding='6' style='margin-bottom:6px; background:%1'><tr><td>"
                               "<b style='color:#555'>%2</b><br>")
                    .arg(bg, m.speaker.toHtmlEscaped());
        if (!m.asideCaption.isEmpty()) {
            QString aside = m.aside.toHtmlEscaped();
            aside.replace('\n', "<br>");
            html += QStringLiteral("<table cellpadding='4' style='margin:2px 0 6px 0; border-left:3px solid #c8c8c8'><tr><td>"
                                   "<small style='color:#7a7a7a'><i>%1</i><br>%2</small></td></tr></table>")
                        .arg(m.asideCaption.toHtmlEscaped(), aside);
        }
        html += QStringLiteral("<span style='color:%1'>%2</span>").arg(fg, body);
        if (!m.note.isEmpty())
            html += QStringLiteral("<br><small style='color:#888'>%1</small>").arg(m.note.toHtmlEscaped());
        html += QStringLiteral("</td></tr></table>");
    }
    html += QStringLiteral("</body></html>");
    browser_->setHtml(html);
    if (atBottom) bar->setValue(bar->maximum());
}

}  // namespace widgets
}  // namespace lathe
