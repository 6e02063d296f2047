// Minimal flag parsing for lathe-cli: --name value, --name=value, boolean --flag. No command takes
// positional arguments, so a stray word (a value without its flag, a typo) is an error, not ignored.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>

namespace lathe::cli {

// "12" -> 12 for the option or key named `what` ("--port", "top_k"); throws ConfigError naming it and the text.
int parse_int(const std::string& what, const std::string& text);
double parse_double(const std::string& what, const std::string& text);

class Args {
public:
    // `flags` lists the boolean options (they take no value); every other --option takes one.
    Args(int argc, char** argv, int first, const std::set<std::string>& flags,
         const std::set<std::string>& options);

    bool has(const std::string& name) const;
    std::optional<std::string> get(const std::string& name) const;
    std::string require(const std::string& name) const;
    int get_int(const std::string& name, int fallback) const;
    double get_double(const std::string& name, double fallback) const;

private:
    std::map<std::string, std::string> values_;
};

}  // namespace lathe::cli
