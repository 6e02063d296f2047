// The key tables of the flat YAML configs (TrainConfig, ExportConfig, CorpusConfig): each key names a member
// of the config struct, and values are read from and written as YAML scalars by one set of rules and
// messages; core/io/yaml_config.h writes the fields out.
#pragma once
#include <algorithm>
#include <string>
#include <variant>
#include <vector>

namespace lathe {

struct Problem;  // core/util/error.h

// A setting that is on, off, or decided for the machine at hand ("auto" in YAML).
enum class Toggle { Auto, On, Off };

// Text -> value for key `key`; throws ConfigError "<origin>: <key>: expected ..., got '<value>'". Strings
// take "null" and "~" as empty; booleans true/false, yes/no, on/off, 1/0; integers also as "1e3" or
// "100.0" (whole and within 32 bits); numbers in the "C" notation whatever the locale. TrainConfig,
// ExportConfig and CorpusConfig all read and write their values with these.
void read_config_value(const std::string& key, const std::string& value, const std::string& origin, std::string& out);
void read_config_value(const std::string& key, const std::string& value, const std::string& origin, bool& out);
void read_config_value(const std::string& key, const std::string& value, const std::string& origin, int& out);
void read_config_value(const std::string& key, const std::string& value, const std::string& origin, double& out);
// auto, or a boolean as above.
void read_config_value(const std::string& key, const std::string& value, const std::string& origin, Toggle& out);

// `p` placed at a config origin: "file" or "file:line" (a YAML entry's), its message prefixed by it.
Problem from_origin(Problem p, const std::string& origin);

// The ConfigError for a key no table knows: "<origin>: unknown key 'lr' (did you mean 'learning_rate'?)".
[[noreturn]] void throw_unknown_config_key(const std::string& key, const std::vector<std::string>& known,
                                           const std::string& origin);

// Value -> text that reads back to the same value (doubles in the fewest digits that do).
std::string config_value_text(const std::string& v);
std::string config_value_text(bool v);
std::string config_value_text(int v);
std::string config_value_text(double v);
std::string config_value_text(Toggle v);  // auto | true | false

template <class C>
struct ConfigKey {
    const char* name;
    std::variant<std::string C::*, bool C::*, int C::*, double C::*, Toggle C::*> member;
};

// One key as a config file writes it: its value's text, quoted when the value is a string.
struct ConfigField {
    std::string key;
    std::string text;
    bool quoted = false;
};

template <class C>
const ConfigKey<C>* find_config_key(const std::vector<ConfigKey<C>>& table, const std::string& name) {
    const auto it = std::find_if(table.begin(), table.end(), [&](const ConfigKey<C>& k) { return name == k.name; });
    return it == table.end() ? nullptr : &*it;
}

template <class C>
void assign_config_key(C& c, const ConfigKey<C>& k, const std::string& value, const std::string& origin) {
    std::visit([&](auto member) { read_config_value(k.name, value, origin, c.*member); }, k.member);
}

template <class C>
std::string config_key_text(const C& c, const ConfigKey<C>& k) {
    return std::visit([&](auto member) { return config_value_text(c.*member); }, k.member);
}

template <class C>
bool config_key_is_text(const ConfigKey<C>& k) {
    return std::holds_alternative<std::string C::*>(k.member);
}

// The fields of `c` in table order; with `defaults`, only those whose text differs from it.
template <class C>
std::vector<ConfigField> config_fields(const C& c, const std::vector<ConfigKey<C>>& table, const C* defaults = nullptr) {
    std::vector<ConfigField> out;
    for (const ConfigKey<C>& k : table) {
        std::string text = config_key_text(c, k);
        if (defaults && text == config_key_text(*defaults, k)) continue;
        out.push_back({k.name, std::move(text), config_key_is_text(k)});
    }
    return out;
}

template <class C>
std::vector<std::string> config_key_names(const std::vector<ConfigKey<C>>& table) {
    std::vector<std::string> out;
    for (const ConfigKey<C>& k : table) out.emplace_back(k.name);
    return out;
}

}  // namespace lathe
