// The flat YAML files the configs are (LLaMA-Factory style `key: value` lines), read into text entries
// that TrainConfig and ExportConfig parse by their key tables, and the `key=value` overrides of the
// command line.
#pragma once
#include "core/util/config_keys.h"

#include <string>
#include <utility>
#include <vector>

namespace lathe {

struct YamlEntry {
    std::string key;
    std::string value;        // a scalar as written, "null", or a list of scalars joined by commas
    std::string at;          // "origin:line", for messages
    bool is_mapping = false;  // a nested mapping (value empty): the caller decides what that means
};

// Throws ConfigError with origin:line:column for invalid YAML, and naming the line for a top level that
// is not a mapping or a list holding anything but plain values.
std::vector<YamlEntry> read_flat_yaml(const std::string& text, const std::string& origin);

// A config file's text: `key: value` lines in the order given, string values double-quoted.
std::string write_flat_yaml(const std::vector<ConfigField>& fields);

// "key=value" -> {key, value}; throws ConfigError for anything else.
std::pair<std::string, std::string> split_assignment(const std::string& assignment);

}  // namespace lathe
