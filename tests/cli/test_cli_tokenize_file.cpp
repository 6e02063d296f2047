// lathe-cli tokenize --text-file: the file's bytes as they are (newlines, CR LF, wide characters,
// nothing at all) give the reference ids, with and without --add-special.
#include "tests/cli/test_cli_tokenize.h"

#include <QtTest>

using namespace lathe;

class TestCliTokenizeFile : public QObject {
    Q_OBJECT
private slots:
    void textFileMatchesReference() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama3");
        const std::vector<test::TokenizeCase> cases = {{"newlines", true}, {"crlf", false}, {"emoji_flags", false},
                                                       {"empty", true}};
        for (const char* tok : test::kCliTokenizers)
            for (const auto& tc : cases) {
                const auto c = test::find_reference_case(tok, tc.name);
                const std::string file = test::scratch_dir() + "/tokenize-" + tc.name + ".txt";
                write_file_atomic(file, c.text);  // no newline added
                test::check_tokenize(tok, c, {"--text-file", file}, tc.with_special);
                if (QTest::currentTestFailed()) return;
            }
    }

    // The reference texts really hold what the cases are picked for.
    void casesHoldNewlinesAndWideCharacters() {
        QVERIFY(test::contains(test::find_reference_case("llama3", "newlines").text, "\n"));
        QVERIFY(test::contains(test::find_reference_case("llama3", "crlf").text, "\r\n"));
        QVERIFY(test::find_reference_case("llama3", "empty").text.empty());
        QVERIFY(test::contains(test::find_reference_case("llama3", "korean").text, "\xEC"));  // Hangul lead byte
        QVERIFY(test::contains(test::find_reference_case("llama3", "emoji_zwj").text, "\u200D"));  // zero-width joiner
        QVERIFY(test::contains(test::find_reference_case("llama3", "emoji_flags").text, "\xF0\x9F\x87"));  // regional indicators
    }
};

LATHE_TEST(TestCliTokenizeFile)
#include "test_cli_tokenize_file.moc"
