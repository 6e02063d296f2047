#include "core/util/config_keys.h"

#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <locale>
#include <optional>
#include <sstream>

namespace lathe {

namespace {


[[noreturn]] void expected(const std::string& key, const std::string& value, const std::string& origin, const char* what) {
    // Read from a file: placed there, the key named in the wording; set directly: placed at the key.
    if (origin.empty()) throw ConfigError(config_problem(key, "config_value_expected", {what, value}));
    throw ConfigError(from_origin(plain_problem("config_key_value_expected", {key, what, value}), origin));
}

// true/yes/on/1 or false/no/off/0, in any case; nullopt for anything else.
std::optional<bool> parse_bool(const std::string& value) {
    const std::string l = lower_ascii(value);
    if (l == "true" || l == "yes" || l == "on" || l == "1") return true;
    if (l == "false" || l == "no" || l == "off" || l == "0") return false;
    return std::nullopt;
}

// Numbers in the "C" notation whatever the process locale (the studio runs under Qt, which sets the
// user's locale: strtod would stop at the '.' of "0.1" under a German LC_NUMERIC).
bool parse_c_number(const std::string& text, double& out) {
    std::istringstream in(text);
    in.imbue(std::locale::classic());
    if (!(in >> out)) return false;
    char rest;
    return !(in >> rest);
}

}  // namespace

Problem from_origin(Problem p, const std::string& origin) {
    p.message = origin + ": " + p.message;
    const size_t colon = origin.rfind(':');
    const bool numbered = colon != std::string::npos && colon + 1 < origin.size() &&
                          origin.find_first_not_of("0123456789", colon + 1) == std::string::npos;
    p.file = numbered ? origin.substr(0, colon) : origin;
    if (numbered) p.line = std::stoll(origin.substr(colon + 1));
    return p;
}

void read_config_value(const std::string&, const std::string& value, const std::string&, std::string& out) {
    out = value == "null" || value == "~" ? std::string() : value;
}

void read_config_value(const std::string& key, const std::string& value, const std::string& origin, bool& out) {
    const std::optional<bool> b = parse_bool(value);
    if (!b) expected(key, value, origin, "true or false");
    out = *b;
}

void read_config_value(const std::string& key, const std::string& value, const std::string& origin, int& out) {
    char* end = nullptr;
    long v = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end) {
        double d = 0;  // "1e3" or "100.0", as YAML writers and LLaMA-Factory's examples have them
        if (!parse_c_number(value, d) || d != std::floor(d)) expected(key, value, origin, "an integer");
        if (std::abs(d) > std::numeric_limits<int>::max()) expected(key, value, origin, "an integer that fits in 32 bits");
        v = static_cast<long>(d);
    }
    if (v > std::numeric_limits<int>::max() || v < std::numeric_limits<int>::min())
        expected(key, value, origin, "an integer that fits in 32 bits");
    out = static_cast<int>(v);
}

void read_config_value(const std::string& key, const std::string& value, const std::string& origin, double& out) {
    double v = 0;
    if (!parse_c_number(value, v) || !std::isfinite(v)) expected(key, value, origin, "a number");
    out = v;
}

void read_config_value(const std::string& key, const std::string& value, const std::string& origin, Toggle& out) {
    if (lower_ascii(value) == "auto") {
        out = Toggle::Auto;
        return;
    }
    const std::optional<bool> b = parse_bool(value);
    if (!b) expected(key, value, origin, "auto, true or false");
    out = *b ? Toggle::On : Toggle::Off;
}

void throw_unknown_config_key(const std::string& key, const std::vector<std::string>& known, const std::string& origin) {
    const std::string hint = closest_match(key, known);
    const Problem p = hint.empty() ? plain_problem("unknown_config_key", {key})
                                   : plain_problem("unknown_config_key_did_you_mean", {key, hint});
    throw ConfigError(origin.empty() ? p : from_origin(p, origin));
}

std::string config_value_text(const std::string& v) { return v; }
std::string config_value_text(bool v) { return v ? "true" : "false"; }
std::string config_value_text(int v) { return std::to_string(v); }
std::string config_value_text(Toggle v) { return v == Toggle::Auto ? "auto" : v == Toggle::On ? "true" : "false"; }

// The shortest text that reads back as the same double, in the "C" notation, so that a saved config
// reloads to exactly its settings (5e-05 stays "5e-05"; a computed 0.30000000000000004 keeps its last digit).
std::string config_value_text(double v) {
    std::string s;
    for (int precision = 6; precision <= 17; ++precision) {
        std::ostringstream out;
        out.imbue(std::locale::classic());
        out.precision(precision);
        out << v;
        s = out.str();
        double back = 0;
        if (parse_c_number(s, back) && back == v) break;
    }
    return s;
}

}  // namespace lathe
