// Errors that cross a layer boundary. Each carries a message a user can act on:
// the file, the record or tensor, the field, what was expected and what was found. Where the thrower
// knows them, it also carries them as data (a Problem): the studio places the message next to the field
// named by `key` and words it in the interface's language from `id` and `args` (core/util/messages.h).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace lathe {

struct Problem {
    std::string key;                // the config key it is about ("learning_rate"), or ""
    std::string file;               // the file it is about, or ""
    int64_t record = -1;            // record or line in `file`, from 0, or -1
    int64_t line = -1;              // the line in `file` (a record's first line), from 1, or -1
    int64_t column = -1;            // the column (in characters) on `line`, from 1, or -1
    std::string id;                 // message id in core/util/messages.h, or "" (then only `message`)
    std::vector<std::string> args;  // the id's arguments, in order
    std::string message;            // the whole message, in English
    // Where an argument is itself a message (a run log line's "precision: {0}"): parts[i] is args[i] as
    // data, which the studio words in its language; a part with id "" is args[i] as it is. Empty or
    // shorter than args where no argument is.
    std::vector<Problem> parts;
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) { problem_.message = message; }
    explicit Error(Problem problem) : std::runtime_error(problem.message), problem_(std::move(problem)) {}
    const Problem& problem() const { return problem_; }
    // For a layer that knows which setting a lower layer's error is about: `catch (Error& e)`, set the
    // key when it has none, `throw;`. The message stays as it is.
    void set_key(const std::string& key) {
        if (problem_.key.empty()) problem_.key = key;
    }
    // For a reader's entry point (a safetensors, GGUF, tokenizer or config file): an error its parser gave as
    // text only gets the file and message id `id`, whose wording ("{0}") is that text after "file: ", so that
    // the studio can say in its language which kind of file failed and place it. The message stays.
    // A "file:line:column: " start (a JSON parser's) becomes the problem's line and column.
    void set_file_id(const std::string& file, const std::string& id);

private:
    Problem problem_;
};

// A file could not be read or written, or its bytes are not what the format says.
class IoError : public Error {
public:
    using Error::Error;
};

// A model folder, config or tensor does not fit the architecture.
class ModelError : public Error {
public:
    using Error::Error;
};

class TokenizerError : public Error {
public:
    using Error::Error;
};

// A setting is unknown, out of range or contradicts another one.
class ConfigError : public Error {
public:
    using Error::Error;
};

// A dataset, record or field is missing or malformed.
class DataError : public Error {
public:
    using Error::Error;
};

// Cooperative cancellation (abort button, Ctrl-C): not a failure, so not an Error; a `catch (const Error&)`
// that reports failures lets it pass.
class Cancelled : public std::exception {
public:
    const char* what() const noexcept override { return "cancelled"; }
};

}  // namespace lathe
