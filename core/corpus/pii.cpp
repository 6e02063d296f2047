#include "core/corpus/pii.h"

#include <algorithm>

namespace lathe {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_email_local(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'; }
bool is_domain_char(char c) { return is_alnum(c) || c == '-'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool starts_with_ci(std::string_view s, size_t at, std::string_view prefix) {
    if (at + prefix.size() > s.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[at + i]) != prefix[i]) return false;
    return true;
}

// The domain starting at `at`: labels of [A-Za-z0-9-] joined by single dots, at least two labels, the
// last alphabetic and two letters or more. Returns its end, or `at` when there is none.
size_t domain_end(std::string_view s, size_t at) {
    size_t i = at, end = at;
    int labels = 0;
    for (;;) {
        const size_t label = i;
        while (i < s.size() && is_domain_char(s[i])) ++i;
        if (i == label) break;
        ++labels;
        bool alpha_tld = i - label >= 2;
        for (size_t k = label; k < i && alpha_tld; ++k) alpha_tld = is_alpha(s[k]);
        if (labels >= 2 && alpha_tld) end = i;
        if (i + 1 < s.size() && s[i] == '.' && is_domain_char(s[i + 1])) {
            ++i;
            continue;
        }
        break;
    }
    return end;
}

void find_emails(std::string_view s, std::vector<PiiSpan>& out) {
    for (size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
        size_t begin = at;
        while (begin > 0 && is_email_local(s[begin - 1])) --begin;
        while (begin < at && (s[begin] == '.' || s[begin] == '-')) ++begin;
        if (begin == at) continue;
        const size_t end = domain_end(s, at + 1);
        if (end == at + 1) continue;
        out.push_back({begin, end, PiiKind::Email});
    }
}

void find_urls(std::string_view s, std::vector<PiiSpan>& out) {
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = lower(s[i]);
        if (c != 'h' && c != 'w') continue;
        if (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == '.' || s[i - 1] == '/')) continue;
        size_t start_of_host = 0;
        if (starts_with_ci(s, i, "https://")) start_of_host = i + 8;
        else if (starts_with_ci(s, i, "http://")) start_of_host = i + 7;
        else if (starts_with_ci(s, i, "www.")) start_of_host = i;
        else continue;
        const size_t host_end = domain_end(s, start_of_host);
        size_t end = host_end;
        if (end == start_of_host) {
            // http://localhost:8080/ or an IP: any host characters, when the scheme was written.
            if (start_of_host == i) continue;
            while (end < s.size() && (is_domain_char(s[end]) || s[end] == '.')) ++end;
            if (end == start_of_host) continue;
        }
        // Port, path, query and fragment: printable ASCII up to a space, a quote or an angle bracket.
        while (end < s.size()) {
            const unsigned char b = static_cast<unsigned char>(s[end]);
            if (b <= 0x20 || b >= 0x7F || b == '"' || b == '\'' || b == '<' || b == '>' || b == '`') break;
            ++end;
        }
        // Punctuation that ends the sentence is not part of the URL; a ')' is when the URL opened one.
        while (end > start_of_host) {
            const char last = s[end - 1];
            if (last == '.' || last == ',' || last == ';' || last == ':' || last == '!' || last == '?' || last == ']' ||
                last == '}') {
                --end;
            } else if (last == ')') {
                const auto body = s.substr(i, end - i);
                if (std::count(body.begin(), body.end(), '(') >= std::count(body.begin(), body.end(), ')')) break;
                --end;
            } else {
                break;
            }
        }
        out.push_back({i, end, PiiKind::Url});
        i = end;
    }
}

// A run of digits and separators that may be one number: starts at a digit, '+' or '(' followed by a digit;
// separators are single '-', '.', ' ' or ')' (") " counts as one) between digit groups.
struct NumberRun {
    size_t begin = 0, end = 0;
    bool plus = false, paren = false;
    std::vector<std::string_view> groups;
    std::vector<char> seps;  // seps[k] sits between groups[k] and groups[k + 1]
};

bool read_number(std::string_view s, size_t at, NumberRun& run) {
    run = NumberRun();
    run.begin = at;
    size_t i = at;
    if (s[i] == '+') run.plus = true, ++i;
    else if (s[i] == '(') run.paren = true, ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    for (;;) {
        const size_t g = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        run.groups.push_back(s.substr(g, i - g));
        run.end = i;
        if (i + 1 >= s.size()) break;
        char sep = s[i];
        size_t next = i + 1;
        if (sep == ')' && next < s.size() && s[next] == ' ') ++next;
        if (sep == ' ' && next < s.size() && s[next] == '(') sep = '(', ++next;  // +1 (555) 123-4567
        if (sep != '-' && sep != '.' && sep != ' ' && sep != ')' && sep != '(') break;
        if (next >= s.size() || !is_digit(s[next])) break;
        run.seps.push_back(sep);
        i = next;
    }
    return true;
}

bool all_seps(const NumberRun& r, char c) {
    return std::all_of(r.seps.begin(), r.seps.end(), [c](char s) { return s == c; });
}

bool sizes_are(const NumberRun& r, std::initializer_list<size_t> sizes) {
    if (r.groups.size() != sizes.size()) return false;
    size_t k = 0;
    for (size_t n : sizes)
        if (r.groups[k++].size() != n) return false;
    return true;
}

int two_digits(std::string_view g, size_t at) { return (g[at] - '0') * 10 + (g[at + 1] - '0'); }

bool is_ipv4(const NumberRun& r) {
    if (r.plus || r.paren || r.groups.size() != 4 || !all_seps(r, '.')) return false;
    for (auto g : r.groups) {
        if (g.size() > 3 || (g.size() > 1 && g[0] == '0')) return false;
        if (std::stoi(std::string(g)) > 255) return false;
    }
    return true;
}

// YYMMDD-GNNNNNN with a real month and day and G in 1-8 (1-4 citizens, 5-8 registered foreigners).
bool is_rrn(const NumberRun& r) {
    std::string_view a, b;
    if (!r.plus && !r.paren && sizes_are(r, {6, 7}) && r.seps[0] == '-') a = r.groups[0], b = r.groups[1];
    else return false;
    const int month = two_digits(a, 2), day = two_digits(a, 4);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && b[0] >= '1' && b[0] <= '8';
}

size_t digit_count(const NumberRun& r) {
    size_t n = 0;
    for (auto g : r.groups) n += g.size();
    return n;
}

// 13-19 digits, written as one run or in groups of four (Amex 4-6-5) separated by one kind of ' ' or '-',
// passing Luhn's check.
bool is_card(std::string_view s, const NumberRun& r) {
    if (r.plus || r.paren) return false;
    const size_t n = digit_count(r);
    if (n < 13 || n > 19) return false;
    if (r.groups.size() > 1) {
        const char sep = r.seps[0];
        if ((sep != ' ' && sep != '-') || !all_seps(r, sep)) return false;
        const bool fours = std::all_of(r.groups.begin(), r.groups.end() - 1, [](auto g) { return g.size() == 4; }) &&
                           r.groups.back().size() >= 1 && r.groups.back().size() <= 4;
        if (!fours && !sizes_are(r, {4, 6, 5})) return false;
    }
    return luhn_valid(s.substr(r.begin, r.end - r.begin));
}

bool is_phone(const NumberRun& r) {
    const size_t n = digit_count(r);
    if (r.plus) {  // +82 10-1234-5678, +1 (555) 123-4567, +447911123456
        return n >= 8 && n <= 15 && r.groups[0].size() <= 4;
    }
    const bool seps_ok = !r.seps.empty() && (all_seps(r, '-') || all_seps(r, '.') || all_seps(r, ' ') ||
                                             (r.seps[0] == ')' && std::all_of(r.seps.begin() + 1, r.seps.end(), [](char c) { return c == '-' || c == ' '; })));
    const std::string_view first = r.groups[0];
    if (r.groups.size() == 1) {  // 01012345678: Korean mobile numbers are often written whole
        return !r.paren && (n == 10 || n == 11) && first[0] == '0' && first[1] == '1' &&
               std::string_view("016789").find(first[2]) != std::string_view::npos;
    }
    if (!seps_ok) return false;
    if (r.groups.size() == 3) {
        const auto& a = r.groups[0];
        const auto& b = r.groups[1];
        const auto& c = r.groups[2];
        if (c.size() != 4) return false;
        // Korean: 010-1234-5678, 02-123-4567, 031-1234-5678 (area and mobile prefixes start with 0).
        if (a[0] == '0' && a.size() >= 2 && a.size() <= 3 && (b.size() == 3 || b.size() == 4)) return true;
        // North American: (555) 123-4567, 555-123-4567, 555.123.4567.
        if (a.size() == 3 && b.size() == 3 && a[0] >= '2') return true;
        return false;
    }
    if (r.groups.size() == 2 && !r.paren) {  // Korean representative numbers: 1588-1234
        const auto& a = r.groups[0];
        return a.size() == 4 && r.groups[1].size() == 4 && a[0] == '1' && (a[1] == '5' || a[1] == '6' || a[1] == '8') &&
               r.seps[0] == '-';
    }
    return false;
}

void find_numbers(std::string_view s, std::vector<PiiSpan>& out) {
    NumberRun run;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (!is_digit(c) && c != '+' && c != '(') continue;
        if (i > 0) {
            const char p = s[i - 1];
            // Inside a word, a longer number, a version or a decimal: not a start.
            if (is_alnum(p) || p == '.' || p == '_' || p == '/' || (p == '-' && is_digit(c)) || p == '+') {
                if (is_digit(c))
                    while (i + 1 < s.size() && (is_digit(s[i + 1]) || s[i + 1] == '.')) ++i;
                continue;
            }
        }
        if (!read_number(s, i, run)) continue;
        // Spaces also separate neighbouring numbers ("010-1234-5678 900101-1234567"): the longest prefix of
        // the run's groups that is one kind wins, and scanning resumes after it.
        bool found = false;
        PiiKind kind = PiiKind::Phone;
        NumberRun prefix;
        for (size_t k = run.groups.size(); k >= 1 && !found; --k) {
            prefix = run;
            prefix.groups.resize(k);
            prefix.seps.resize(k - 1);
            prefix.end = size_t(prefix.groups.back().data() + prefix.groups.back().size() - s.data());
            // The character after must end the number: not a letter (Hangul particles are fine).
            if (prefix.end < s.size() && (is_alpha(s[prefix.end]) || s[prefix.end] == '_' || s[prefix.end] == '@'))
                continue;
            if (k < run.groups.size() && run.seps[k - 1] != ' ' && run.seps[k - 1] != ')' && run.seps[k - 1] != '(')
                continue;  // "12-34" is not "12" followed by a number
            found = true;
            if (is_ipv4(prefix)) kind = PiiKind::Ip;
            else if (is_rrn(prefix)) kind = PiiKind::Rrn;
            else if (is_card(s, prefix)) kind = PiiKind::Card;
            else if (is_phone(prefix)) kind = PiiKind::Phone;
            else found = false;
        }
        if (!found) {
            const std::string_view g = run.groups.front();
            i = size_t(g.data() + g.size() - s.data()) - 1;
            continue;
        }
        run = prefix;
        out.push_back({run.begin, run.end, kind});
        i = run.end - 1;
    }
}

}  // namespace

const char* pii_kind_name(PiiKind kind) {
    static const char* names[] = {"email", "phone", "rrn", "card", "ip", "url"};
    return names[static_cast<int>(kind)];
}

const char* pii_placeholder(PiiKind kind) {
    static const char* names[] = {"[EMAIL]", "[PHONE]", "[RRN]", "[CARD]", "[IP]", "[URL]"};
    return names[static_cast<int>(kind)];
}

bool luhn_valid(std::string_view digits) {
    int sum = 0, n = 0;
    for (size_t i = digits.size(); i-- > 0;) {
        if (!is_digit(digits[i])) continue;
        int d = digits[i] - '0';
        if (n++ % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return n > 0 && sum % 10 == 0;
}

std::vector<PiiSpan> find_pii(std::string_view text) {
    std::vector<PiiSpan> found;
    find_urls(text, found);
    find_emails(text, found);
    find_numbers(text, found);
    if (found.size() < 2) return found;
    std::sort(found.begin(), found.end(), [](const PiiSpan& a, const PiiSpan& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
    });
    std::vector<PiiSpan> out;
    for (const PiiSpan& s : found)
        if (out.empty() || s.begin >= out.back().end) out.push_back(s);
    return out;
}

std::string mask_pii(std::string_view text, const std::vector<PiiSpan>& spans) {
    std::string out;
    out.reserve(text.size());
    size_t at = 0;
    for (const PiiSpan& s : spans) {
        out.append(text.substr(at, s.begin - at));
        out += pii_placeholder(s.kind);
        at = s.end;
    }
    out.append(text.substr(at));
    return out;
}

}  // namespace lathe
