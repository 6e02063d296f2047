#include "core/train/method.h"

#include "core/util/error.h"
#include "core/util/messages.h"

namespace lathe {

const std::vector<std::string>& method_names() {
    static const std::vector<std::string> names = {"full", "freeze", "lora"};
    return names;
}

const char* method_name(Method m) { return method_names().at(static_cast<size_t>(m)).c_str(); }

std::optional<Method> method_from_name(const std::string& name) {
    const auto& names = method_names();
    for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<Method>(i);
    return std::nullopt;
}

Method parse_method(const std::string& name) {
    if (auto m = method_from_name(name)) return *m;
    throw ConfigError(config_problem("finetuning_type", "not_one_of", {name, "full, freeze, lora"}));
}

}  // namespace lathe
