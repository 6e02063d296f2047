// UTF-8 helpers shared by the tokenizers: decoding with the replacement rules of Rust's
// String::from_utf8_lossy (which Hugging Face's decoders use), and the Unicode classes that added
// tokens' lstrip/rstrip/single_word look at.
#pragma once
#include <string>
#include <string_view>

namespace lathe::utf8 {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes the code point at s[i] and advances i. An ill-formed sequence yields U+FFFD and advances
// past its maximal valid prefix (at least one byte), as from_utf8_lossy and WHATWG decoders do.
char32_t next(std::string_view s, size_t& i);

void append(std::string& out, char32_t cp);

bool is_valid(std::string_view s);

// `s` with every ill-formed sequence replaced by U+FFFD.
std::string to_valid(std::string_view s);

// `s` itself when valid, else its repaired copy kept in `storage`. Python strings are always valid
// Unicode; tokenizers take invalid bytes as U+FFFD rather than fail.
std::string_view valid_view(std::string_view s, std::string& storage);

// Whether `s` ends with U+FFFD: the mark of an incomplete character when streaming.
bool ends_with_replacement(std::string_view s);

// Unicode White_Space (what Rust's regex \s matches).
bool is_whitespace(char32_t c);

// Unicode word character (what Rust's regex \w matches): letters, marks, decimal digits,
// connector punctuation, join controls.
bool is_word_char(char32_t c);

}  // namespace lathe::utf8
