#include "ui/language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace lathe {
namespace ui {

namespace {

QTranslator& appTranslator() {
    static QTranslator t;
    return t;
}

QTranslator& qtTranslator() {
    static QTranslator t;
    return t;
}

QString& current() {
    static QString code = "en";
    return code;
}

}  // namespace

QStringList available_languages() { return {"en", "ko"}; }

QString current_language() { return current(); }

bool install_language(const QString& code) {
    QCoreApplication::removeTranslator(&appTranslator());
    QCoreApplication::removeTranslator(&qtTranslator());
    if (code == "en" || code.isEmpty()) {
        current() = "en";
        QLocale::setDefault(QLocale(QLocale::English));
        return true;
    }
    if (!appTranslator().load(QStringLiteral(":/i18n/lathe_%1.qm").arg(code))) return false;
    QCoreApplication::installTranslator(&appTranslator());
    if (qtTranslator().load(QLocale(code), "qtbase", "_", QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(&qtTranslator());
    QLocale::setDefault(QLocale(code));
    current() = code;
    return true;
}

}  // namespace ui
}  // namespace lathe
