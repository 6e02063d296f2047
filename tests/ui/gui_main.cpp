// The UI test area's entry point (tests/test_main.cpp calls it under LATHE_TEST_GUI): a QApplication
// for real widgets, settings kept in the test's scratch folder, then the registered classes as usual.
#include "tests/registry.h"

#include <QApplication>
#include <QGuiApplication>
#include <QSettings>
#include <QTest>

#include <cstdio>

namespace lathe::test {
int run_registered(int argc, char** argv);  // tests/test_main.cpp: one class by name, or all
}  // namespace lathe::test

int lathe_test_gui_main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("LatheTest");
    QApplication::setApplicationName("LatheUiTests");
    // Never read or write the developer's own studio settings.
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope,
                       QString::fromStdString(lathe::test::scratch_dir()) + "/settings");
    return lathe::test::run_registered(argc, argv);
}

// The area runs each file as a CTest test named after it; this one checks the GUI harness itself.
class TestUiGuiMain : public QObject {
    Q_OBJECT
private slots:
    void widgetsRunUnderAQApplicationWithIsolatedSettings() {
        QVERIFY(qobject_cast<QApplication*>(QCoreApplication::instance()));
        QSettings s;
        QVERIFY2(s.fileName().startsWith(QString::fromStdString(lathe::test::scratch_dir())), qPrintable(s.fileName()));
        QCOMPARE(QGuiApplication::platformName(), QString("offscreen"));
    }
};

LATHE_TEST(TestUiGuiMain)
#include "gui_main.moc"
