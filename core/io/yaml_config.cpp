#include "core/io/yaml_config.h"

#include "core/util/error.h"
#include "core/util/messages.h"

#include <yaml-cpp/yaml.h>

namespace lathe {

std::vector<YamlEntry> read_flat_yaml(const std::string& text, const std::string& origin) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw ConfigError(file_problem(origin, e.mark.line + 1, e.mark.column + 1, "yaml_invalid", {e.msg}));
    }
    std::vector<YamlEntry> out;
    if (root.IsNull()) return out;
    if (!root.IsMap()) throw ConfigError(file_problem(origin, -1, -1, "yaml_not_mapping"));
    for (const auto& item : root) {
        YamlEntry e;
        e.key = item.first.as<std::string>();
        e.at = origin + ":" + std::to_string(item.first.Mark().line + 1);
        const YAML::Node& node = item.second;
        if (node.IsNull()) e.value = "null";
        else if (node.IsScalar()) e.value = node.Scalar();
        else if (node.IsSequence()) {  // dataset: [a, b] -> "a,b"
            for (const auto& v : node) {
                if (!v.IsScalar()) {
                    Problem problem = file_problem(origin, item.first.Mark().line + 1, -1, "yaml_list_not_plain", {e.key});
                    problem.key = e.key;
                    throw ConfigError(std::move(problem));
                }
                e.value += (e.value.empty() ? "" : ",") + v.Scalar();
            }
        } else {
            e.is_mapping = true;
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::pair<std::string, std::string> split_assignment(const std::string& assignment) {
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError(plain_problem("override_not_assignment", {assignment}));
    return {assignment.substr(0, eq), assignment.substr(eq + 1)};
}

std::string write_flat_yaml(const std::vector<ConfigField>& fields) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    for (const ConfigField& f : fields) {
        out << YAML::Key << f.key << YAML::Value;
        if (f.quoted) out << YAML::DoubleQuoted << f.text;
        else out << f.text;
    }
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace lathe
