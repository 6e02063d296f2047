// A run's log whose lines follow the interface's language: each line is a function that words it, called
// when the line arrives and again on every language change (the engine's lines are data, the tabs' own
// lines tr() of the values they show). Keeps as many lines as the view keeps blocks.
#pragma once
#include <QPlainTextEdit>
#include <QString>
#include <QVector>

#include <functional>

namespace lathe {
namespace ui {

class RunLog : public QPlainTextEdit {
    Q_OBJECT
public:
    // `timestamps`: each line starts with the time it arrived ("HH:mm:ss ").
    explicit RunLog(bool timestamps, QWidget* parent = nullptr);

    void appendLine(std::function<QString()> text);
    void clearLines();
    void reword();  // every line again, in the current language (done on LanguageChange)

protected:
    void changeEvent(QEvent* e) override;

private:
    struct Line {
        QString time;
        std::function<QString()> text;
    };
    bool timestamps_;
    QVector<Line> lines_;
};

}  // namespace ui
}  // namespace lathe
