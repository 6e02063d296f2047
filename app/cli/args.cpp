#include "app/cli/args.h"

#include "core/util/error.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace lathe::cli {

Args::Args(int argc, char** argv, int first, const std::set<std::string>& flags,
           const std::set<std::string>& options) {
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || a.size() == 2) throw ConfigError("unexpected argument '" + a + "'");
        std::string name = a.substr(2);
        std::string value;
        bool has_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        if (flags.count(name)) {
            if (has_value) throw ConfigError("--" + name + " takes no value");
            values_[name] = "1";
        } else if (options.count(name)) {
            if (!has_value) {
                if (i + 1 >= argc) throw ConfigError("--" + name + " needs a value");
                value = argv[++i];
            }
            values_[name] = value;
        } else {
            throw ConfigError("unknown option --" + name);
        }
    }
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

std::optional<std::string> Args::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Args::require(const std::string& name) const {
    auto v = get(name);
    if (!v) throw ConfigError("missing --" + name);
    return *v;
}

int parse_int(const std::string& what, const std::string& text) {
    char* end = nullptr;
    errno = 0;
    long x = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end) throw ConfigError(what + ": expected an integer, got '" + text + "'");
    if (errno == ERANGE || x < INT_MIN || x > INT_MAX)
        throw ConfigError(what + ": expected an integer, got '" + text + "' (out of range)");
    return static_cast<int>(x);
}

double parse_double(const std::string& what, const std::string& text) {
    char* end = nullptr;
    double x = std::strtod(text.c_str(), &end);
    if (text.empty() || *end) throw ConfigError(what + ": expected a number, got '" + text + "'");
    return x;
}

int Args::get_int(const std::string& name, int fallback) const {
    auto v = get(name);
    return v ? parse_int("--" + name, *v) : fallback;
}

double Args::get_double(const std::string& name, double fallback) const {
    auto v = get(name);
    return v ? parse_double("--" + name, *v) : fallback;
}

}  // namespace lathe::cli
