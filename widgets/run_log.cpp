#include "widgets/run_log.h"

#include <QEvent>
#include <QStringList>
#include <QTextCursor>
#include <QTime>

namespace lathe {
namespace ui {

RunLog::RunLog(bool timestamps, QWidget* parent) : QPlainTextEdit(parent), timestamps_(timestamps) {
    setReadOnly(true);
}

void RunLog::appendLine(std::function<QString()> text) {
    Line line{timestamps_ ? QTime::currentTime().toString("HH:mm:ss ") : QString(), std::move(text)};
    appendPlainText(line.time + line.text());
    lines_.push_back(std::move(line));
    const int limit = maximumBlockCount();
    if (limit > 0 && lines_.size() > limit) lines_.erase(lines_.begin(), lines_.end() - limit);
}

void RunLog::clearLines() {
    lines_.clear();
    clear();
}

void RunLog::reword() {
    if (lines_.isEmpty()) return;
    QStringList text;
    for (const Line& l : lines_) text << l.time + l.text();
    setPlainText(text.join('\n'));
    moveCursor(QTextCursor::End);
}

void RunLog::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) reword();
    QPlainTextEdit::changeEvent(e);
}

}  // namespace ui
}  // namespace lathe
