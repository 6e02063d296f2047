// The engine's message ids and their English wording. A Problem (core/util/error.h) names one of these
// with its arguments; the English message is format_message(id, args), prefixed by "key: " when the
// problem is about a config key, and the studio words the same id in its own language
// (ui/engine_messages.cpp, which a test keeps in step with this table).
#pragma once
#include "core/util/error.h"

#include <functional>
#include <string>
#include <vector>

namespace lathe {

struct MessageForm {
    const char* id;
    const char* english;  // {0}, {1}, ... stand for the arguments
};

const std::vector<MessageForm>& message_forms();

// The English wording of `id` with `args` in place of {0}, {1}, ...; throws std::out_of_range for an
// unknown id (a programming error, caught by the tests).
std::string format_message(const std::string& id, const std::vector<std::string>& args = {});

// A problem that is about no key or file of its own: message "<wording>".
Problem plain_problem(const std::string& id, std::vector<std::string> args = {});

// A problem about config key `key`: message "key: <wording>".
Problem config_problem(const std::string& key, const std::string& id, std::vector<std::string> args = {});

// A problem in `file` at `line` and `column` (from 1; <= 0 where not known): message
// "file:line:column: <wording>" (or "file:line: ", or "file: ").
Problem file_problem(const std::string& file, int64_t line, int64_t column, const std::string& id,
                     std::vector<std::string> args = {});

// "file record R (line L)": where a dataset record is, in every message about one.
std::string record_place(const std::string& file, int64_t record, int64_t line);

// A problem with record `record` (from 0) of `file`, which starts on `line`: message
// "file record R (line L): <wording>".
Problem record_problem(const std::string& file, int64_t record, int64_t line, const std::string& id,
                       std::vector<std::string> args = {});

// Run log lines and summaries as data (the engine's events carry them; the studio words them in its
// language): `note` words `id` with arguments that are names or numbers, `composed` with arguments of
// which some are notes themselves, `verbatim` is an argument kept as it is (a name, a path, a number).
Problem note(const std::string& id, std::vector<std::string> args = {});
Problem composed(const std::string& id, std::vector<Problem> args);
// `composed` about `file`: message "file: <wording>", placed at the file as file_problem places its own.
Problem composed_in_file(const std::string& file, const std::string& id, std::vector<Problem> args);
// `composed` about config key `key`: message "key: <wording>", as config_problem's.
Problem composed_for_key(const std::string& key, const std::string& id, std::vector<Problem> args);
Problem verbatim(std::string text);
// `items` joined by "; " (id "joined"), or by line breaks (id "joined_lines"); verbatim("") when empty.
Problem joined(std::vector<Problem> items);
Problem joined_lines(std::vector<Problem> items);

// Where a step sends its run log lines: level "info" or "warning", the line as data.
using NoteSink = std::function<void(const std::string& level, const Problem& note)>;

}  // namespace lathe
