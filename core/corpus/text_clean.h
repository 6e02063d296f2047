// The text-level cleaning of the data workshop: Unicode normalisation (NFC/NFKC through ICU) and the
// clean-up of control characters, odd spaces and blank lines. Each returns whether it changed anything.
#pragma once
#include <string>
#include <string_view>

namespace lathe {

enum class UnicodeForm { Nfc, Nfkc };

// Rewrites `text` in `form`; false when it already was (the common case costs one quick check).
// `text` must be valid UTF-8.
bool normalize_unicode(std::string& text, UnicodeForm form);

// Drops control characters (C0 except tab and newline, DEL, C1), zero-width spaces and byte order marks,
// turns CR LF and CR into LF and Unicode spaces (no-break, ideographic, en/em...) into ' ', folds runs
// of spaces inside a line into one (leading indentation stays), strips spaces at line ends, keeps at most
// one blank line in a row, and trims the text. False when nothing changed.
bool clean_whitespace(std::string& text);

// The byte offset of the first ill-formed UTF-8 sequence in `s`, or npos.
size_t first_invalid_utf8(std::string_view s);

// Number of code points (for character bounds and histograms).
size_t count_chars(std::string_view s);

// `s` cut to about `max_chars` characters at a character boundary, with "..." when cut (for reports).
std::string snippet(std::string_view s, size_t max_chars);

}  // namespace lathe
