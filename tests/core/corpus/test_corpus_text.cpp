// The data workshop's record-level steps on texts with known answers: Unicode normalisation, whitespace
// clean-up, UTF-8 checks, personal data (both languages), the quality rules and the script share.
#include "tests/registry.h"

#include "core/corpus/pii.h"
#include "core/corpus/quality.h"
#include "core/corpus/text_clean.h"

#include <QtTest>

#include <string>
#include <vector>

using namespace lathe;

namespace {

std::string masked(const std::string& text) { return mask_pii(text, find_pii(text)); }

std::vector<std::string> kinds(const std::string& text) {
    std::vector<std::string> out;
    for (const PiiSpan& s : find_pii(text)) out.emplace_back(pii_kind_name(s.kind));
    return out;
}

// `n` words drawn from `list` by a fixed pseudo-random sequence: varied text with no repeated passages.
std::string words(int n, const char* list[], int list_size, uint32_t seed = 7) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        out += std::string(i ? " " : "") + list[(seed >> 8) % uint32_t(list_size)];
    }
    return out;
}

const char* kVaried[] = {"the",     "river",  "carried", "small",   "boats",  "toward",  "harbour",  "where",
                         "fishers", "sorted", "nets",    "under",   "grey",   "morning", "light",    "while",
                         "gulls",   "circled", "above",  "wooden",  "piers",  "quietly", "waiting",  "patiently",
                         "north",   "winds",  "brought", "colder",  "rain",   "across",  "valleys",  "and",
                         "farmers", "gathered", "late",  "apples",  "before", "frost",   "settled",  "over"};

}  // namespace

class TestCorpusText : public QObject {
    Q_OBJECT

private slots:
    void nfkcFoldsCompatibilityForms() {
        std::string s = "\xEF\xBC\xA6\xEF\xBD\x95\xEF\xBD\x8C\xEF\xBD\x8C ﬁ ①";  // "Ｆｕｌｌ ﬁ ①"
        QVERIFY(normalize_unicode(s, UnicodeForm::Nfkc));
        QCOMPARE(s, std::string("Full fi 1"));
        std::string again = s;
        QVERIFY(!normalize_unicode(again, UnicodeForm::Nfkc));
        // NFC composes Hangul jamo into syllables and leaves compatibility forms alone.
        std::string jamo = "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB";  // ᄒ ᅡ ᆫ -> 한
        QVERIFY(normalize_unicode(jamo, UnicodeForm::Nfc));
        QCOMPARE(jamo, std::string("한"));
        std::string wide = "\xEF\xBC\xA6";
        QVERIFY(!normalize_unicode(wide, UnicodeForm::Nfc));
    }

    void whitespaceCleanUp() {
        std::string s = "\xEF\xBB\xBF  Title\xC2\xA0\xC2\xA0here \r\n\r\n\r\n\r\nbody\x01 text\xE2\x80\x8B   end   \n\tcode  line\n\n";
        QVERIFY(clean_whitespace(s));
        QCOMPARE(s, std::string("  Title here\n\nbody text end\n\tcode line"));
        std::string clean = "already clean\n\nline two";
        QVERIFY(!clean_whitespace(clean));
        std::string empty = " \t\r\n\xE3\x80\x80";
        QVERIFY(clean_whitespace(empty));
        QVERIFY(empty.empty());
    }

    void invalidUtf8IsFoundAtItsByte() {
        QCOMPARE(first_invalid_utf8("plain ascii"), std::string::npos);
        QCOMPARE(first_invalid_utf8("한국어 text"), std::string::npos);
        QCOMPARE(first_invalid_utf8(std::string("ab\xFF" "cd")), size_t(2));
        QCOMPARE(first_invalid_utf8(std::string("ok \xC0\xAF")), size_t(3));          // overlong '/'
        QCOMPARE(first_invalid_utf8(std::string("x\xED\xA0\x80")), size_t(1));        // a surrogate
        QCOMPARE(first_invalid_utf8(std::string("\xEA\xB0")), size_t(0));             // cut short
        QCOMPARE(count_chars("한국 ab"), size_t(5));
        QCOMPARE(snippet("한국어입니다", 3), std::string("한국어..."));
    }

    void emailsUrlsAndAddresses() {
        QCOMPARE(masked("mail john.doe+tag@mail.example.co.kr, please."), std::string("mail [EMAIL], please."));
        QCOMPARE(masked("not an email: a@b, @home, x@y.z1"), std::string("not an email: a@b, @home, x@y.z1"));
        QCOMPARE(masked("see https://example.org/a?b=1&c=(2). next"), std::string("see [URL]. next"));
        QCOMPARE(masked("(www.example.com)"), std::string("([URL])"));
        QCOMPARE(masked("홈페이지 https://lathe.dev에서 확인"), std::string("홈페이지 [URL]에서 확인"));
        QCOMPARE(masked("server 10.0.0.254 and 256.1.1.1 and v1.2.3.4"),
                 std::string("server [IP] and 256.1.1.1 and v1.2.3.4"));
    }

    void phoneNumbersKoreanAndInternational() {
        QCOMPARE(masked("전화 010-1234-5678로 연락"), std::string("전화 [PHONE]로 연락"));
        QCOMPARE(masked("서울 02-123-4567, 경기 031 1234 5678"), std::string("서울 [PHONE], 경기 [PHONE]"));
        QCOMPARE(masked("mobile 01012345678."), std::string("mobile [PHONE]."));
        QCOMPARE(masked("call +82 10-1234-5678 or +1 (555) 123-4567"), std::string("call [PHONE] or [PHONE]"));
        QCOMPARE(masked("US (555) 123-4567 and 555.123.4567"), std::string("US [PHONE] and [PHONE]"));
        QCOMPARE(masked("고객센터 1588-1234"), std::string("고객센터 [PHONE]"));
        // Dates, prices, years and versions are not phone numbers.
        const std::string plain = "on 2024-01-15 it cost 12,000 won in 1999; build 3.11.2; ISBN 978-3-16";
        QCOMPARE(masked(plain), plain);
    }

    void residentNumbersAndCards() {
        QCOMPARE(masked("주민번호 900101-1234567"), std::string("주민번호 [RRN]"));
        QCOMPARE(masked("외국인 851231-5234567"), std::string("외국인 [RRN]"));
        const std::string no_rrn = "code 901301-1234567 and 900101-9234567";  // month 13; gender digit 9
        QCOMPARE(masked(no_rrn), no_rrn);
        QVERIFY(luhn_valid("4111111111111111"));
        QVERIFY(!luhn_valid("4111111111111112"));
        QCOMPARE(masked("card 4111 1111 1111 1111 ok"), std::string("card [CARD] ok"));
        QCOMPARE(masked("card 5500-0000-0000-0004"), std::string("card [CARD]"));
        QCOMPARE(masked("amex 3782 822463 10005"), std::string("amex [CARD]"));
        const std::string bad = "order 4111 1111 1111 1112";  // Luhn fails
        QCOMPARE(masked(bad), bad);
        QCOMPARE(kinds("a@b.com 010-1234-5678 900101-1234567 4111111111111111 8.8.8.8 http://x.io"),
                 (std::vector<std::string>{"email", "phone", "rrn", "card", "ip", "url"}));
    }

    void qualityRulesEachCatchTheirCase() {
        QualityScratch s;
        const std::string good = words(120, kVaried, 40) + ".";
        QCOMPARE(quality_failure(good, s), nullptr);
        QCOMPARE(quality_failure("한국어 문장은 이렇게 잘 통과해야 합니다. 어절 단위로 나뉜 단어들이 있습니다.", s), nullptr);
        QCOMPARE(std::string(quality_failure("1234 5678 !!!! ????", s)), std::string("no_letters"));
        QCOMPARE(std::string(quality_failure("Lorem ipsum dolor sit amet", s)), std::string("lorem_ipsum"));
        QCOMPARE(std::string(quality_failure("a 1 2 3 4 5 6 7 8 9", s)), std::string("alpha_words"));
        QCOMPARE(std::string(quality_failure("a b c d e f g h i j k l m n", s)), std::string("mean_word_length"));
        QCOMPARE(std::string(quality_failure("#tag #more #yes and words here", s)), std::string("symbol_ratio"));
        QCOMPARE(std::string(quality_failure("ab123456 cd789012 ef345678 gh901234 ij567890", s)),
                 std::string("digit_ratio"));
        QCOMPARE(std::string(quality_failure("-one item\n-two item\n-three item\n-four item", s)),
                 std::string("bullet_lines"));
        QCOMPARE(std::string(quality_failure("first line goes on and on and on...\nsecond line goes on and on again...\nthird is fine and plain here", s)),
                 std::string("ellipsis_lines"));
        QCOMPARE(std::string(quality_failure("same line here\nsame line here\nsame line here\nother one", s)),
                 std::string("repeated_lines"));
        std::string spam;
        for (int i = 0; i < 40; ++i) spam += "buy now ";
        QCOMPARE(std::string(quality_failure(spam + good, s)), std::string("top_ngram"));
        const std::string passage = words(30, kVaried, 40, 11);
        QCOMPARE(std::string(quality_failure(passage + " " + passage + " " + words(20, kVaried, 40, 99), s)),
                 std::string("duplicate_ngrams"));
    }

    void boilerplateLinesGo() {
        std::string s = "기사 본문입니다.\n저작권자 © 연합뉴스 무단 전재 및 재배포 금지\nPlease enable JavaScript to view\n끝.";
        QVERIFY(strip_boilerplate_lines(s));
        QCOMPARE(s, std::string("기사 본문입니다.\n끝."));
        std::string plain = "nothing to strip";
        QVERIFY(!strip_boilerplate_lines(plain));
    }

    // Random text built from the pieces the scanners look at: nothing crashes, spans are ordered and
    // inside the text, masking and cleaning keep UTF-8 valid, cleaning and normalising are idempotent.
    void randomTextKeepsTheInvariants() {
        const char* pieces[] = {" ", "  ", "\t", "\r\n", "\n\n\n", "\xC2\xA0", "\xE2\x80\x8B", "\xE3\x80\x80", "한국",
                                "어", "abc", "Z", "0", "12", "010", "-", ".", "+", "(", ")", "@", "x.com", "http://",
                                "www.", "/", "#", "...", "\xE2\x80\xA6", "4111", "\x01", "\xEF\xBC\xA1", "ﬁ", "_"};
        const int n_pieces = int(sizeof pieces / sizeof *pieces);
        uint32_t seed = 12345;
        QualityScratch scratch;
        for (int round = 0; round < 3000; ++round) {
            std::string t;
            const int len = 1 + int(seed % 40);
            for (int k = 0; k < len; ++k) {
                seed = seed * 1664525u + 1013904223u;
                t += pieces[(seed >> 8) % uint32_t(n_pieces)];
            }
            const auto spans = find_pii(t);
            for (size_t k = 0; k < spans.size(); ++k) {
                QVERIFY(spans[k].begin < spans[k].end && spans[k].end <= t.size());
                if (k) QVERIFY(spans[k - 1].end <= spans[k].begin);
            }
            QCOMPARE(first_invalid_utf8(mask_pii(t, spans)), std::string::npos);
            std::string cleaned = t;
            clean_whitespace(cleaned);
            QCOMPARE(first_invalid_utf8(cleaned), std::string::npos);
            std::string again = cleaned;
            QVERIFY2(!clean_whitespace(again), t.c_str());
            std::string nfkc = t;
            normalize_unicode(nfkc, UnicodeForm::Nfkc);
            std::string nfkc2 = nfkc;
            QVERIFY(!normalize_unicode(nfkc2, UnicodeForm::Nfkc));
            (void)quality_failure(t, scratch);
            std::string stripped = t;
            strip_boilerplate_lines(stripped);
            QVERIFY(script_share(t, Script::Hangul) <= 1.0);
        }
    }

    void scriptShares() {
        QCOMPARE(script_share("한국어 text", Script::Hangul), 3.0 / 7.0);
        QCOMPARE(script_share("hello", Script::Latin), 1.0);
        QCOMPARE(script_share("漢字とかな", Script::Cjk), 1.0);
        QCOMPARE(script_share("12345", Script::Latin), 0.0);
    }
};

LATHE_TEST(TestCorpusText)
#include "test_corpus_text.moc"
