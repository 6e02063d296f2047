#include "core/tokenizer/pcre_regex.h"

#include "core/tokenizer/json_place.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace lathe {

namespace {

std::string pcre_message(int code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    return reinterpret_cast<const char*>(buf);
}

// Per-thread scratch space: one match slot (only the whole match is used) and a JIT stack large
// enough for long runs of whitespace under the (?!\S) look-ahead.
struct MatchScratch {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    pcre2_match_context* context = pcre2_match_context_create(nullptr);
    MatchScratch() {
        if (stack && context) pcre2_jit_stack_assign(context, nullptr, stack);
    }
    ~MatchScratch() {
        pcre2_match_context_free(context);
        pcre2_jit_stack_free(stack);
        pcre2_match_data_free(data);
    }
};

MatchScratch& scratch() {
    thread_local MatchScratch s;
    return s;
}

}  // namespace

PcreRegex::PcreRegex(const std::string& pattern, const std::string& where) : pattern_(pattern), where_(where) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                          &error, &offset, nullptr);
    if (!code_) {
        throw TokenizerError(tokenizer_json_problem(where, "tokenizer_regex_invalid",
                                                    {std::to_string(offset), pcre_message(error), pattern}));
    }
    jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
}

PcreRegex PcreRegex::literal(std::string_view literal, const std::string& where) {
    // \Q...\E quotes everything except a literal "\E", which is closed, escaped and reopened.
    std::string quoted = "\\Q";
    for (size_t i = 0; i < literal.size(); ++i) {
        if (literal.compare(i, 2, "\\E") == 0) {
            quoted += "\\E\\\\E\\Q";
            ++i;
        } else {
            quoted += literal[i];
        }
    }
    quoted += "\\E";
    return PcreRegex(quoted, where);
}

PcreRegex PcreRegex::from_pattern_json(const nlohmann::json& p, const std::string& where) {
    if (p.is_object() && p.contains("String")) return literal(p.at("String").get<std::string>(), where);
    if (p.is_object() && p.contains("Regex")) return PcreRegex(p.at("Regex").get<std::string>(), where);
    throw TokenizerError(tokenizer_json_problem(where, "tokenizer_pattern_form", {p.dump()}));
}

PcreRegex::~PcreRegex() { pcre2_code_free(code_); }

PcreRegex::PcreRegex(PcreRegex&& other) noexcept
    : pattern_(std::move(other.pattern_)), where_(std::move(other.where_)), code_(other.code_), jit_(other.jit_) {
    other.code_ = nullptr;
}

void PcreRegex::find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
    // PCRE2 is told not to re-check UTF-8 below; ill-formed input would be undefined behaviour there.
    if (!utf8::is_valid(text)) throw TokenizerError(file_problem(where_, -1, -1, "regex_text_not_utf8"));
    auto& s = scratch();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
        int rc = jit_ ? pcre2_jit_match(code_, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, s.data, s.context)
                      : pcre2_match(code_, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, s.data, s.context);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
            rc = pcre2_match(code_, subject, text.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, s.data, nullptr);
        }
        if (rc == PCRE2_ERROR_NOMATCH) return;
        if (rc < 0) throw TokenizerError(file_problem(where_, -1, -1, "regex_match_failed", {pcre_message(rc)}));
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.data);
        size_t begin = ov[0], end = ov[1];
        if (end > begin) {
            out.emplace_back(begin, end);
            pos = end;
        } else {
            // Empty matches are not pieces; step over one whole character.
            pos = begin + 1;
            while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
        }
    }
}

void PcreRegex::replace_all(std::string& text, std::string_view content) const {
    std::vector<std::pair<size_t, size_t>> m;
    find_all(text, m);
    if (m.empty()) return;
    std::string out;
    out.reserve(text.size() + m.size() * content.size());
    size_t last = 0;
    for (auto [b, e] : m) {
        out.append(text, last, b - last);
        out += content;
        last = e;
    }
    out.append(text, last, std::string::npos);
    text = std::move(out);
}

}  // namespace lathe
