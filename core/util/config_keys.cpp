#include "core/util/config_keys.h"

#include "core/util/error.h"
#include "core/util/strings.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lathe {

namespace {

[[noreturn]] void expected(const std::string& key, const std::string& value, const std::string& origin, const char* what) {
    throw ConfigError((origin.empty() ? "" : origin + ": ") + key + ": expected " + what + ", got '" + value + "'");
}

}  // namespace

void read_config_value(const std::string&, const std::string& value, const std::string&, std::string& out) {
    out = value == "null" || value == "~" ? std::string() : value;
}

void read_config_value(const std::string& key, const std::string& value, const std::string& origin, bool& out) {
    const std::string l = lower_ascii(value);
    if (l == "true" || l == "yes" || l == "on" || l == "1") out = true;
    else if (l == "false" || l == "no" || l == "off" || l == "0") out = false;
    else expected(key, value, origin, "true or false");
}

void read_config_value(const std::string& key, const std::string& value, const std::string& origin, int& out) {
    size_t used = 0;
    int v = 0;
    try {
        v = std::stoi(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size()) expected(key, value, origin, "an integer");
    out = v;
}

void read_config_value(const std::string& key, const std::string& value, const std::string& origin, double& out) {
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size() || !std::isfinite(v)) expected(key, value, origin, "a number");
    out = v;
}

void throw_unknown_config_key(const std::string& key, const std::vector<std::string>& known, const std::string& origin) {
    const std::string hint = closest_match(key, known);
    throw ConfigError((origin.empty() ? "" : origin + ": ") + "unknown key '" + key + "'" +
                      (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
}

std::string config_value_text(const std::string& v) { return v; }
std::string config_value_text(bool v) { return v ? "true" : "false"; }
std::string config_value_text(int v) { return std::to_string(v); }

std::string config_value_text(double v) {
    char buf[32];
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

}  // namespace lathe
