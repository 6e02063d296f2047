#include "app/cli/common.h"

#include "core/util/error.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace lathe::cli {

bool wants_help(int argc, char** argv) {
    for (int i = 2; i < argc; ++i)
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) return true;
    return false;
}

int first_override(int argc, char** argv) {
    if (argc < 3) return argc;
    const std::string first = argv[2];
    std::error_code ec;
    const bool is_file = std::filesystem::exists(first, ec);
    return first.find('=') != std::string::npos && first.rfind("--", 0) != 0 && !is_file ? 2 : 3;
}

std::vector<int> parse_id_list(const std::string& text) {
    std::vector<int> ids;
    std::string item;
    std::istringstream in(text);
    auto flush = [&] {
        if (item.empty()) return;
        char* end = nullptr;
        long v = std::strtol(item.c_str(), &end, 10);
        if (*end || v < 0 || v > 0x7fffffff) throw ConfigError("--prompt-ids: '" + item + "' is not a token id");
        ids.push_back(static_cast<int>(v));
        item.clear();
    };
    for (char c : text) {
        if (c == ',' || c == ' ' || c == '\t' || c == '\n') flush();
        else item += c;
    }
    flush();
    if (ids.empty()) throw ConfigError("--prompt-ids: no ids given");
    return ids;
}

std::string human_bytes(double b) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000 && u < 4) {
        b /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", b, units[u]);
    return buf;
}

std::string human_count(double n) {
    char buf[32];
    if (n >= 1e9) std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
    else if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
    else if (n >= 1e3) std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
    else std::snprintf(buf, sizeof buf, "%.0f", n);
    return buf;
}

void draw_fraction_bar(double fraction, const std::string& what) {
    const int width = 30;
    const int filled = static_cast<int>(width * std::min(1.0, std::max(0.0, fraction)));
    std::string bar(size_t(filled), '=');
    if (filled < width) bar += '>' + std::string(size_t(width - filled - 1), ' ');
    const std::string text = what.size() > 60 ? "..." + what.substr(what.size() - 57) : what;
    std::fprintf(stderr, "\r\033[K[%s] %3.0f%%  %s", bar.c_str(), 100 * fraction, text.c_str());
    std::fflush(stderr);
}

}  // namespace lathe::cli
