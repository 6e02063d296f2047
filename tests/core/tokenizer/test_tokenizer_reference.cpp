// Lathe's tokenizers against reference ids for the real Llama 3, Qwen 3, Llama 2, Gemma 3 and DeepSeek-V3
// tokenizers.
#include "tests/core/tokenizer/reference_fixture.h"

#include "core/tokenizer/tokenizer.h"

#include <QtTest>

#include <thread>

using namespace lathe;

class TestTokenizerReference : public QObject {
    Q_OBJECT

    static std::string dir_or_skip(const std::string& name) { return test::shared_tokenizer_dir(name); }

    void check(const std::string& name, TokenizerSource source, const std::string& kind) {
        const std::string dir = dir_or_skip(name);
        if (dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        const auto cases = test::reference_cases_for(name);
        QVERIFY(cases.size() >= 40);
        auto tok = Tokenizer::from_dir(dir, source);
        QCOMPARE(tok->kind(), kind);
        const std::string failures = test::compare_with_reference(*tok, cases);
        QVERIFY2(failures.empty(), failures.c_str());
    }

private slots:
    void llama3() { check("llama3", TokenizerSource::Auto, "bpe-bytelevel"); }
    void qwen3() { check("qwen3", TokenizerSource::Auto, "bpe-bytelevel"); }
    void llama2TokenizerJson() { check("llama2", TokenizerSource::TokenizerJson, "bpe-sentencepiece"); }
    // Gemma 3's 262k pieces: SentencePiece-style BPE with byte fallback and no space prefix.
    void gemma3() { check("gemma3", TokenizerSource::Auto, "bpe-sentencepiece"); }
    // DeepSeek-V3's (and R1's): byte-level BPE with its own digit and CJK pre-tokenizer splits.
    void deepseekV3() { check("deepseek_v3", TokenizerSource::Auto, "bpe-bytelevel"); }

    // The shared tokenizer.model is Meta's Llama 2 model (its tokenizer.json is another vocabulary; see
    // the fixture's notes); SentencePiece itself is the reference, so check the ids everyone knows.
    void llama2SentencePieceModel() {
        const std::string dir = dir_or_skip("llama2");
        if (dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        auto tok = Tokenizer::from_dir(dir, TokenizerSource::SentencePieceModel);
        QCOMPARE(tok->kind(), std::string("sentencepiece"));
        QVERIFY(tok->encode("Hello world", true) == (std::vector<int32_t>{1, 15043, 3186}));
        QVERIFY(tok->encode("<s>Hello</s>") == (std::vector<int32_t>{1, 15043, 2}));
        QCOMPARE(tok->decode({1, 15043, 3186}), std::string("<s> Hello world"));
        QCOMPARE(tok->decode({1, 15043, 3186}, true), std::string("Hello world"));
    }

    void variants() {
        if (dir_or_skip("qwen3").empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        const auto& variants = test::reference_fixture().at("variants");
        QVERIFY(variants.size() >= 4);
        for (const auto& v : variants) {
            auto tok = Tokenizer::from_dir(test::write_variant_dir(v));
            const std::string failures = test::compare_with_reference(*tok, test::reference_cases(v.at("cases")));
            const std::string msg = v.at("name").get<std::string>() + ":\n" + failures;
            QVERIFY2(failures.empty(), msg.c_str());
        }
    }

    void specialTokensFromConfig() {
        const std::string l3 = dir_or_skip("llama3"), q3 = dir_or_skip("qwen3"), l2 = dir_or_skip("llama2");
        if (l3.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        auto llama3 = Tokenizer::from_dir(l3);
        QCOMPARE(llama3->special().bos, std::string("<|begin_of_text|>"));
        QCOMPARE(llama3->special().bos_id, 128000);
        QCOMPARE(llama3->special().eos_id, 128001);
        QVERIFY(!llama3->special().add_bos);  // this file's post-processor is ByteLevel only
        QCOMPARE(llama3->vocab_size(), 128256);
        QVERIFY(llama3->is_special(128009));
        QCOMPARE(llama3->id_to_token(128009), std::string("<|eot_id|>"));
        QCOMPARE(llama3->token_to_id("<|eot_id|>"), 128009);
        QVERIFY(llama3->chat_template().find("<|start_header_id|>") != std::string::npos);

        auto qwen3 = Tokenizer::from_dir(q3);
        QCOMPARE(qwen3->special().bos_id, -1);
        QCOMPARE(qwen3->special().eos, std::string("<|im_end|>"));
        QCOMPARE(qwen3->special().eos_id, 151645);
        QCOMPARE(qwen3->special().pad_id, 151643);
        QVERIFY(!qwen3->special().add_bos);
        QVERIFY(!qwen3->is_special(qwen3->token_to_id("<think>")));  // added but not special
        QVERIFY(qwen3->chat_template().find("<|im_start|>") != std::string::npos);

        for (auto source : {TokenizerSource::TokenizerJson, TokenizerSource::SentencePieceModel}) {
            auto llama2 = Tokenizer::from_dir(l2, source);
            QCOMPARE(llama2->special().bos_id, 1);
            QCOMPARE(llama2->special().eos_id, 2);
            QCOMPARE(llama2->special().unk_id, 0);
            QCOMPARE(llama2->special().pad_id, -1);
            QVERIFY(llama2->special().add_bos);
            QVERIFY(!llama2->special().add_eos);
            QCOMPARE(llama2->vocab_size(), 32000);
            QCOMPARE(llama2->id_to_token(13), std::string("<0x0A>"));
        }
    }

    // The BPE cache is shared between threads: two threads encoding the same texts must agree.
    void concurrentEncodeAgrees() {
        const std::string dir = dir_or_skip("llama3");
        if (dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        auto tok = Tokenizer::from_dir(dir);
        const auto cases = test::reference_cases_for("llama3");
        std::vector<std::vector<int32_t>> a(cases.size()), b(cases.size());
        auto run = [&](std::vector<std::vector<int32_t>>& out) {
            for (int round = 0; round < 20; ++round)
                for (size_t i = 0; i < cases.size(); ++i) out[i] = tok->encode(cases[i].text);
        };
        std::thread t1(run, std::ref(a)), t2(run, std::ref(b));
        t1.join();
        t2.join();
        for (size_t i = 0; i < cases.size(); ++i) {
            QVERIFY2(a[i] == cases[i].ids, cases[i].name.c_str());
            QVERIFY2(b[i] == cases[i].ids, cases[i].name.c_str());
        }
    }
};

LATHE_TEST(TestTokenizerReference)
#include "test_tokenizer_reference.moc"
