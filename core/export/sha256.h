// SHA-256 (FIPS 180-4), for the fingerprint by which llama.cpp's converter names a BPE pre-tokenizer.
#pragma once
#include <string>
#include <string_view>

namespace lathe {

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace lathe
