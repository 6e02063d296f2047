// A conversation view: messages with a speaker label, the last one growing as text streams in.
// Takes plain text; redraws at most every 40 ms however fast pieces arrive.
#pragma once
#include <QString>
#include <QVector>
#include <QWidget>

class QTextBrowser;
class QTimer;

namespace lathe {
namespace widgets {

class ChatView : public QWidget {
    Q_OBJECT
public:
    enum class Role { User, Assistant, System, Notice };

    explicit ChatView(QWidget* parent = nullptr);

    // Returns the message's index (for appendText / setNote).
    int addMessage(Role role, const QString& speaker, const QString& text = QString());
    void appendText(int index, const QString& piece);
    // The label above a message (the studio words it again when its language changes).
    void setSpeaker(int index, const QString& speaker);
    QString speaker(int index) const { return messages_.value(index).speaker; }
    // A small grey line under the message ("24 tokens · 31.0 tokens/s").
    void setNote(int index, const QString& note);
    // Replaces a message's text (a streamed reply re-split as it grows).
    void setText(int index, const QString& text);
    // A muted block shown before the message's text under `caption` (a reasoning model's thought); an
    // empty caption removes it.
    void setAside(int index, const QString& caption, const QString& aside);
    QString aside(int index) const { return messages_.value(index).aside; }
    QString asideCaption(int index) const { return messages_.value(index).asideCaption; }
    QString note(int index) const { return messages_.value(index).note; }
    void clear();

    int count() const { return messages_.size(); }
    QString text(int index) const { return messages_.value(index).text; }
    Role role(int index) const { return messages_.value(index).role; }
    // The text as shown (for tests and copying).
    QString plainText() const;
    QTextBrowser* browser() const { return browser_; }

private:
    struct Entry {
        Role role;
        QString speaker, text, note;
        QString asideCaption, aside;
    };
    void scheduleRender();
    void render();

    QVector<Entry> messages_;
    QTextBrowser* browser_;
    QTimer* renderTimer_;
};

}  // namespace widgets
}  // namespace lathe
