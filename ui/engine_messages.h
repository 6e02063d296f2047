// The engine's messages in the studio's language. The engine names each problem's wording by an id
// (core/util/messages.cpp) and gives its arguments; this table holds the same wordings for lupdate and the
// translators (context "EngineMessages" in resources/translations/lathe_ko.ts). A problem without an id,
// or with one this table lacks, keeps its English message.
#pragma once
#include <QString>
#include <QStringList>

#include <exception>

namespace lathe {
struct Problem;
}

namespace lathe {
namespace ui {

// "key: wording" in the current language, or the wording alone when the problem has no key.
QString engine_message(const lathe::Problem& problem);

// A run log line from the engine in the current language, after its level unless that is "info".
QString log_line(const QString& level, const lathe::Problem& line);

// What went wrong, for a message box or a log: engine_message of an Error's problem, else what().
QString error_message(const std::exception& e);

// The engine's ids this table does not word (a test keeps it empty).
QStringList unworded_engine_ids();

}  // namespace ui
}  // namespace lathe
