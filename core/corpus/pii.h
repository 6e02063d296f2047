// Personal data in text: e-mail addresses, phone numbers (Korean and international), Korean resident
// registration numbers, payment card numbers (Luhn-checked), IP addresses and URLs. Hand-written
// scanners rather than one regular expression per kind: each looks only where its kind can start ('@',
// "http", "www.", a digit), so a clean text costs one pass.
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

enum class PiiKind { Email, Phone, Rrn, Card, Ip, Url };
constexpr size_t kPiiKinds = 6;

const char* pii_kind_name(PiiKind kind);    // "email", "phone", "rrn", "card", "ip", "url"
const char* pii_placeholder(PiiKind kind);  // "[EMAIL]", "[PHONE]", "[RRN]", "[CARD]", "[IP]", "[URL]"

struct PiiSpan {
    size_t begin = 0, end = 0;  // bytes [begin, end)
    PiiKind kind = PiiKind::Email;
};

// The personal data in `text`, sorted and not overlapping (where two kinds overlap, the one that starts
// first wins, then the longer).
std::vector<PiiSpan> find_pii(std::string_view text);

// `text` with each span replaced by its placeholder.
std::string mask_pii(std::string_view text, const std::vector<PiiSpan>& spans);

// Luhn's checksum over the digits of `digits` (other characters skipped).
bool luhn_valid(std::string_view digits);

using PiiCounts = std::array<size_t, kPiiKinds>;

}  // namespace lathe
