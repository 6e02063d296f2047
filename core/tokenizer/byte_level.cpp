#include "core/tokenizer/byte_level.h"

#include "core/tokenizer/utf8.h"

#include <array>

namespace lathe::byte_level {

namespace {

struct Tables {
    std::array<std::string, 256> byte_to_text;  // UTF-8 of each byte's code point
    std::array<int, 324> char_to_byte;          // code point -> byte; every code point used is < 324

    Tables() {
        char_to_byte.fill(-1);
        // Printable Latin-1 bytes keep their own code point; the other 68 take 256, 257, ... in order.
        auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE); };
        int extra = 0;
        for (int b = 0; b < 256; ++b) {
            const int cp = printable(b) ? b : 256 + extra++;
            utf8::append(byte_to_text[b], static_cast<char32_t>(cp));
            char_to_byte[cp] = b;
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

}  // namespace

void encode(std::string_view bytes, std::string& out) {
    const auto& t = tables();
    for (unsigned char b : bytes) out += t.byte_to_text[b];
}

void decode_token(std::string_view token, std::string& out) {
    const auto& t = tables();
    const size_t mark = out.size();
    for (size_t i = 0; i < token.size();) {
        const char32_t c = utf8::next(token, i);
        if (c >= t.char_to_byte.size() || t.char_to_byte[c] < 0) {
            out.resize(mark);
            out.append(token);
            return;
        }
        out += static_cast<char>(t.char_to_byte[c]);
    }
}

}  // namespace lathe::byte_level
