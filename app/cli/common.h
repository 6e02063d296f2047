// Pieces several lathe-cli commands share.
#pragma once
#include <set>
#include <string>
#include <vector>

namespace lathe::cli {

// --help text printer: prints `text` and returns 0 when argv holds --help.
bool wants_help(int argc, char** argv);

// "1,2,3" or "1 2 3" -> ids; throws ConfigError naming the bad item.
std::vector<int> parse_id_list(const std::string& text);

std::string human_bytes(double bytes);   // "1.23 GB"
std::string human_count(double n);       // "124.4M"

// "[=====>    ]  42%  what" on stderr, redrawn in place (for a terminal); long `what` keeps its end.
void draw_fraction_bar(double fraction, const std::string& what);

}  // namespace lathe::cli
