// Pieces several lathe-cli commands share.
#pragma once
#include <set>
#include <string>
#include <vector>

namespace lathe::cli {

// --help text printer: prints `text` and returns 0 when argv holds --help.
bool wants_help(int argc, char** argv);

// The index of the first key=value override in argv: 3 after CONFIG.yaml, or 2 when argv[2] is itself a
// key=value pair and no file has that name (the command then starts from the defaults, as
// `lathe-cli data data_files=a.txt output_dir=out` does without a YAML file).
int first_override(int argc, char** argv);

// The config a command starts from: CONFIG.yaml (argv[2]) or the defaults (first_override(...) == 2).
template <class Config>
Config config_from_args(int argc, char** argv) {
    return first_override(argc, argv) == 2 ? Config{} : Config::from_yaml_file(argv[2]);
}

// "1,2,3" or "1 2 3" -> ids; throws ConfigError naming the bad item.
std::vector<int> parse_id_list(const std::string& text);

std::string human_bytes(double bytes);   // "1.23 GB"
std::string human_count(double n);       // "124.4M"

// "[=====>    ]  42%  what" on stderr, redrawn in place (for a terminal); long `what` keeps its end.
void draw_fraction_bar(double fraction, const std::string& what);

}  // namespace lathe::cli
