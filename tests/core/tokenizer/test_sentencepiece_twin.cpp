// Llama 2's tokenizer.model (SentencePiece) and its tokenizer.json twin (Hugging Face BPE with byte
// fallback) must give the same ids and the same text. The twin is built by Lathe's converter, as
// transformers' LlamaConverter built Llama 2's: the tokenizer.json in ../shared/tokenizers/llama2 holds
// a different vocabulary (Mistral's), so it cannot serve.
#include "tests/core/tokenizer/reference_fixture.h"

#include "core/io/json_file.h"
#include "core/tokenizer/sentencepiece_convert.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/tokenizer.h"

#include <QtTest>

using namespace lathe;

class TestSentencepieceTwin : public QObject {
    Q_OBJECT

    std::unique_ptr<Tokenizer> spm_, json_;

    // Texts beyond the fixture: rare scripts and symbols that fall back to bytes, long whitespace.
    static std::vector<std::string> extra_texts() {
        return {
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 and 🧑‍🚀 astronauts",
            "ꦲꦏ꧀ꦱꦫ ꦗꦮ (Javanese) and ᠮᠣᠩᠭᠣᠯ (Mongolian)",
            std::string(300, ' ') + "x" + std::string(200, '\n'),
            "Tab\there\tand\u00A0nbsp",
            "<unk> literal and <s>nested</s> specials",
            "मैं हिंदी भी बोलता हूँ। ภาษาไทย",
            "x",
        };
    }

private slots:
    void initTestCase() {
        const std::string dir = test::shared_tokenizer_dir("llama2");
        if (dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        spm_ = Tokenizer::from_dir(dir, TokenizerSource::SentencePieceModel);
        // The exported twin goes through a file and from_dir, as an exported model would.
        const std::string twin = test::scratch_dir() + "/llama2-twin";
        std::filesystem::create_directories(twin);
        write_json_file(twin + "/tokenizer.json", sentencepiece_to_tokenizer_json(dynamic_cast<const SpmTokenizer&>(*spm_)));
        write_file_atomic(twin + "/tokenizer_config.json", read_file(dir + "/tokenizer_config.json"));
        json_ = Tokenizer::from_dir(twin);
        QCOMPARE(json_->kind(), std::string("bpe-sentencepiece"));
    }

    void sameVocabulary() {
        QCOMPARE(json_->vocab_size(), spm_->vocab_size());
        for (int32_t id = 0; id < spm_->vocab_size(); ++id) QCOMPARE(json_->id_to_token(id), spm_->id_to_token(id));
        QCOMPARE(json_->special().bos_id, 1);
        QVERIFY(json_->special().add_bos && !json_->special().add_eos);
    }

    void sameIdsAndText() {
        std::vector<std::string> texts = extra_texts();
        for (const auto& c : test::reference_cases_for("llama2")) texts.push_back(c.text);
        QVERIFY(texts.size() >= 50);
        for (const auto& t : texts) {
            for (bool special : {false, true}) {
                const auto a = spm_->encode(t, special), b = json_->encode(t, special);
                const std::string msg = "\"" + t.substr(0, 60) + "\": spm " + test::format_ids(a) + " json " + test::format_ids(b);
                QVERIFY2(a == b, msg.c_str());
                for (bool skip : {false, true}) QCOMPARE(spm_->decode(a, skip), json_->decode(b, skip));
            }
        }
    }

    // For text without special tokens, the Hugging Face-style decode equals SentencePiece's own.
    void decodeMatchesSentencePiece() {
        const auto* spm = dynamic_cast<const SpmTokenizer*>(spm_.get());
        QVERIFY(spm);
        QVERIFY(spm->add_dummy_prefix());
        for (const auto& c : test::reference_cases_for("llama2")) {
            if (c.name.rfind("special_", 0) == 0) continue;  // "<s>" in text becomes a control id
            const auto ids = spm->encode(c.text);
            QCOMPARE(spm->decode(ids), spm->decode_native(ids));
            QCOMPARE(spm->decode(ids), c.text);
        }
    }
};

LATHE_TEST(TestSentencepieceTwin)
#include "test_sentencepiece_twin.moc"
