// Small string helpers the engine, the CLI and the studio share.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// `s` in double quotes, as messages name a tensor or file part: tensor "lm_head.weight".
std::string in_quotes(std::string_view s);

// `s` with A-Z turned into a-z (setting values: "NFKC" reads as "nfkc"); other bytes as they are.
std::string lower_ascii(std::string_view s);

// `s` without leading and trailing spaces and tabs (or the bytes in `chars`).
std::string trim(std::string_view s, std::string_view chars = " \t");

// A comma list as LLaMA-Factory's keys take them ("dataset", "lora_target", "adapter_name_or_path"):
// items trimmed, empty ones dropped ("x,, y ," -> {"x", "y"}).
std::vector<std::string> split_list(std::string_view list);

// The candidate closest to `word` by edit distance, or "" when none is close enough to be a typo of it:
// what "did you mean" hints offer for an unknown key or module name.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace lathe
