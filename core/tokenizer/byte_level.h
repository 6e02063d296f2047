// GPT-2's byte-level alphabet: every byte maps to a printable code point (space -> "Ġ", newline -> "Ċ"),
// so byte-level BPE vocabularies (GPT-2, Llama 3, Qwen) are plain strings.
#pragma once
#include <string>
#include <string_view>

namespace lathe::byte_level {

// Appends the mapped characters of `bytes` to `out`.
void encode(std::string_view bytes, std::string& out);

// Appends the bytes behind one token to `out`. As Hugging Face's ByteLevel decoder does, a token with
// any character outside the alphabet (an added token such as "<|im_start|>" stays within it; one with
// a real space does not) contributes its raw UTF-8 bytes instead.
void decode_token(std::string_view token, std::string& out);

}  // namespace lathe::byte_level
