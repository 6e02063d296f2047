// Errors that cross a layer boundary. Each carries a message a user can act on:
// the file, the record or tensor, the field, what was expected and what was found.
#pragma once
#include <stdexcept>
#include <string>

namespace lathe {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
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

// Cooperative cancellation (abort button, Ctrl-C); not a failure.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

}  // namespace lathe
