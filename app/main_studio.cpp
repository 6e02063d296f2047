#include "ui/main_window.h"

#include <QApplication>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Lathe");
    QApplication::setApplicationName("Lathe");
    lathe::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
