#include "core/corpus/text_clean.h"

#include "core/tokenizer/utf8.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>

namespace lathe {

namespace {

const icu::Normalizer2& normalizer(UnicodeForm form) {
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* n = form == UnicodeForm::Nfc ? icu::Normalizer2::getNFCInstance(err)
                                                         : icu::Normalizer2::getNFKCInstance(err);
    if (U_FAILURE(err) || !n) throw Error(plain_problem("icu_normalizer_unavailable", {u_errorName(err)}));
    return *n;
}

// Spaces folded into ' ': no-break, Ogham, en quad..hair, narrow no-break, medium mathematical, ideographic.
bool is_odd_space(char32_t c) {
    return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Removed outright: C0 controls but tab and newline, DEL, C1, zero-width space/joiners' neighbours that
// carry no meaning in text (ZWSP, word joiner, BOM), soft hyphen.
bool is_dropped(char32_t c) {
    if (c < 0x20) return c != '\t' && c != '\n';
    return c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x200B || c == 0x2060 || c == 0xFEFF || c == 0xAD;
}

}  // namespace

bool normalize_unicode(std::string& text, UnicodeForm form) {
    const icu::Normalizer2& n = normalizer(form);
    UErrorCode err = U_ZERO_ERROR;
    const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
    if (n.isNormalizedUTF8(piece, err) && U_SUCCESS(err)) return false;
    err = U_ZERO_ERROR;
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
    n.normalizeUTF8(0, piece, sink, nullptr, err);
    if (U_FAILURE(err)) throw Error(plain_problem("unicode_normalization_failed", {u_errorName(err)}));
    if (out == text) return false;
    text.swap(out);
    return true;
}

bool clean_whitespace(std::string& text) {
    // Pass 1, per character: drop controls, map odd spaces to ' ' and CR/CR LF to LF.
    std::string mapped;
    mapped.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const unsigned char b = static_cast<unsigned char>(text[i]);
        if (b >= 0x20 && b < 0x7F) {
            mapped.push_back(char(b));
            ++i;
            continue;
        }
        const size_t start = i;
        const char32_t c = b < 0x80 ? (++i, char32_t(b)) : utf8::next(text, i);
        if (c == '\r') {
            if (i < text.size() && text[i] == '\n') ++i;
            mapped.push_back('\n');
        } else if (is_odd_space(c)) {
            mapped.push_back(' ');
        } else if (!is_dropped(c)) {
            mapped.append(text, start, i - start);
        }
    }
    // Pass 2, per line: indentation kept, runs of spaces folded, line ends stripped, one blank line at most.
    std::string out;
    out.reserve(mapped.size());
    int blank_run = 0;
    size_t pos = 0;
    while (pos <= mapped.size()) {
        size_t eol = mapped.find('\n', pos);
        if (eol == std::string::npos) eol = mapped.size();
        size_t end = eol;
        while (end > pos && (mapped[end - 1] == ' ' || mapped[end - 1] == '\t')) --end;
        if (end == pos) {
            ++blank_run;
        } else {
            if (!out.empty()) out.append(blank_run > 0 ? 2 : 1, '\n');
            blank_run = 0;
            size_t k = pos;
            while (k < end && (mapped[k] == ' ' || mapped[k] == '\t')) out.push_back(mapped[k++]);
            bool space = false;
            for (; k < end; ++k) {
                if (mapped[k] == ' ') {
                    space = true;
                    continue;
                }
                if (space) out.push_back(' ');
                space = false;
                out.push_back(mapped[k]);
            }
        }
        if (eol == mapped.size()) break;
        pos = eol + 1;
    }
    if (out == text) return false;
    text.swap(out);
    return true;
}

size_t first_invalid_utf8(std::string_view s) {
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            ++i;
            continue;
        }
        size_t len = 0;
        char32_t cp = 0;
        if (b >= 0xC2 && b <= 0xDF) len = 2, cp = b & 0x1F;
        else if ((b & 0xF0) == 0xE0) len = 3, cp = b & 0x0F;
        else if (b >= 0xF0 && b <= 0xF4) len = 4, cp = b & 0x07;
        else return i;
        if (i + len > n) return i;
        for (size_t k = 1; k < len; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (c & 0x3F);
        }
        // Overlong forms, surrogates and code points past U+10FFFF are ill-formed too.
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return std::string_view::npos;
}

size_t count_chars(std::string_view s) {
    size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

std::string snippet(std::string_view s, size_t max_chars) {
    size_t chars = 0, i = 0;
    while (i < s.size()) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (chars == max_chars) return std::string(s.substr(0, i)) + "...";
            ++chars;
        }
        ++i;
    }
    return std::string(s);
}

}  // namespace lathe
