// Switching the studio's language at run time: the Korean catalogue is compiled into the program
// (resources/translations/lathe_ko.ts -> :/i18n/lathe_ko.qm); Qt's own dialogs follow when the system
// has qtbase_ko.qm. Widgets retranslate on QEvent::LanguageChange.
#pragma once
#include <QString>
#include <QStringList>

namespace lathe {
namespace ui {

QStringList available_languages();  // "en", "ko"
// Installs the catalogue of `code` ("en" removes translations). False when it is missing.
bool install_language(const QString& code);
QString current_language();

}  // namespace ui
}  // namespace lathe
