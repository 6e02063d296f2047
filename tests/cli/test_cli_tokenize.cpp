// lathe-cli tokenize prints the reference tokenizers' ids (tests/data/tokenizer/reference_ids.json),
// with and without --add-special, from --text (this file) and --text-file (test_cli_tokenize_file.cpp),
// on folders holding only tokenizer files. Each run starts a process and loads a tokenizer (about a
// second), so the cases are a sample.
#include "tests/cli/test_cli_tokenize.h"

#include "core/tokenizer/tokenizer.h"

#include <QtTest>

#include <filesystem>

using namespace lathe;

class TestCliTokenize : public QObject {
    Q_OBJECT
private slots:
    // Arguments carry Korean, emoji sequences and added tokens written as text.
    void textArgumentMatchesReference() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama3");
        const std::vector<test::TokenizeCase> cases = {
            {"korean", true}, {"emoji_zwj", false}, {"special_adjacent_text", true}};
        for (const char* tok : test::kCliTokenizers)
            for (const auto& tc : cases) {
                const auto c = test::find_reference_case(tok, tc.name);
                test::check_tokenize(tok, c, {"--text", c.text}, tc.with_special);
                if (QTest::currentTestFailed()) return;
            }
    }

    // A folder with nothing but tokenizer files (no config.json, no weights) is enough.
    void tokenizerOnlyFolders() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        const std::string json_dir = test::scratch_dir() + "/tokenize-json-only";
        test::copy_tokenizer_json(test::shared_tokenizer_dir("llama3"), json_dir);
        QVERIFY(!file_exists(json_dir + "/config.json"));
        const auto c = test::find_reference_case("llama3", "mixed_ko_en");
        auto r = test::run_cli({"tokenize", "--model", json_dir, "--text", c.text});
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(r.out, test::ids_line(c.ids));

        // SentencePiece tokenizer.model alone: the same ids as the library gives in process.
        const std::string spm_dir = test::scratch_dir() + "/tokenize-spm-only";
        std::filesystem::create_directories(spm_dir);
        write_file_atomic(spm_dir + "/tokenizer.model", read_file(test::shared_tokenizer_dir("llama2") + "/tokenizer.model"));
        auto tok = Tokenizer::from_dir(spm_dir);
        QCOMPARE(tok->kind(), std::string("sentencepiece"));
        const std::string text = "Hello 세계 🍕\nnew line";
        for (bool special : {false, true}) {
            std::vector<std::string> args = {"tokenize", "--model", spm_dir, "--text", text};
            if (special) args.push_back("--add-special");
            r = test::run_cli(args);
            QVERIFY2(r.code == 0, r.why().c_str());
            QCOMPARE(r.out, test::ids_line(tok->encode(text, special)));
        }
        QVERIFY(tok->special().add_bos);  // so --add-special made a difference above
    }
};

LATHE_TEST(TestCliTokenize)
#include "test_cli_tokenize.moc"
