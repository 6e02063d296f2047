#pragma once
#include <QMainWindow>

class QTabWidget;

namespace lathe::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    QTabWidget* tabs() const { return tabs_; }

private:
    QTabWidget* tabs_ = nullptr;
};

}  // namespace lathe::ui
