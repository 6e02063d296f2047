// An ordered list of folders with Add (offered folders or any other), Remove, Up and Down: the order is
// the order they are used in (adapters are merged first to last). Knows nothing about what the folders
// hold; the caller offers the candidates.
#pragma once
#include <QPair>
#include <QStringList>
#include <QWidget>

class QListWidget;
class QToolButton;

namespace lathe {
namespace widgets {

class PathListEdit : public QWidget {
    Q_OBJECT
public:
    explicit PathListEdit(QWidget* parent = nullptr);

    QStringList paths() const;
    void setPaths(const QStringList& paths);  // emits no changed()
    void addPath(const QString& path);       // appended unless listed already; emits changed()
    // Folders offered in Add's menu, as (label, path); "Other folder…" is always there.
    void setSuggestions(const QList<QPair<QString, QString>>& suggestions);
    void setDialogTitle(const QString& title) { dialogTitle_ = title; }
    void setStartFolder(const QString& dir) { startFolder_ = dir; }

    QListWidget* list() const { return list_; }
    QToolButton* addButton() const { return add_; }
    QToolButton* removeButton() const { return remove_; }

signals:
    // The user added, removed or moved a folder.
    void changed();
    // Add's menu is about to open: a moment to setSuggestions() from what is on disk now.
    void suggestionsWanted();

protected:
    void changeEvent(QEvent* e) override;

private:
    void retranslate();
    void fillAddMenu();
    void move(int delta);
    void updateButtons();

    QListWidget* list_;
    QToolButton *add_, *remove_, *up_, *down_;
    QList<QPair<QString, QString>> suggestions_;
    QString dialogTitle_, startFolder_;
};

}  // namespace widgets
}  // namespace lathe
