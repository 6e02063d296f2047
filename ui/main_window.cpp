#include "ui/main_window.h"

#include "widgets/placeholder_page.h"

#include <QTabWidget>

namespace lathe::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("Lathe"));
    tabs_ = new QTabWidget(this);
    tabs_->addTab(new widgets::PlaceholderPage(tr("Train"), tr("Training is not available in this build yet."), tabs_),
                  tr("Train"));
    tabs_->addTab(new widgets::PlaceholderPage(tr("Evaluate & Predict"),
                                               tr("Evaluation is not available in this build yet."), tabs_),
                  tr("Evaluate && Predict"));
    tabs_->addTab(new widgets::PlaceholderPage(tr("Chat"), tr("Chat is not available in this build yet."), tabs_),
                  tr("Chat"));
    tabs_->addTab(new widgets::PlaceholderPage(tr("Export"), tr("Export is not available in this build yet."), tabs_),
                  tr("Export"));
    setCentralWidget(tabs_);
    resize(1200, 800);
}

}  // namespace lathe::ui
