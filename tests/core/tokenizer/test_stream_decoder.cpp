// StreamDecoder emits only complete, final text: chunks joined equal a one-shot decode.
#include "tests/core/tokenizer/reference_fixture.h"

#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/utf8.h"

#include <QtTest>

using namespace lathe;

class TestStreamDecoder : public QObject {
    Q_OBJECT

    // Streams `ids` and checks every chunk; returns the chunks.
    static std::vector<std::string> stream(const Tokenizer& tok, const std::vector<int32_t>& ids, bool skip) {
        StreamDecoder d(tok, skip);
        std::vector<std::string> chunks;
        for (int32_t id : ids) chunks.push_back(d.push(id));
        chunks.push_back(d.flush());
        return chunks;
    }

private slots:
    void chunksJoinToFullDecode() {
        for (const std::string name : {"llama3", "qwen3", "llama2"}) {
            const std::string dir = test::shared_tokenizer_dir(name);
            if (dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
            std::vector<std::unique_ptr<Tokenizer>> toks;
            toks.push_back(Tokenizer::from_dir(dir));
            if (name == "llama2") toks.push_back(Tokenizer::from_dir(dir, TokenizerSource::SentencePieceModel));
            for (const auto& tok : toks) {
                for (const auto& c : test::reference_cases_for(name)) {
                    for (bool skip : {false, true}) {
                        const auto chunks = stream(*tok, c.ids_special, skip);
                        std::string joined;
                        for (size_t i = 0; i + 1 < chunks.size(); ++i) {
                            const std::string msg = name + "/" + c.name + ": chunk " + std::to_string(i) + " \"" + chunks[i] + "\"";
                            QVERIFY2(utf8::is_valid(chunks[i]), msg.c_str());
                            QVERIFY2(!utf8::ends_with_replacement(chunks[i]), msg.c_str());
                            joined += chunks[i];
                        }
                        joined += chunks.back();
                        const std::string msg = name + "/" + c.name + " (" + tok->kind() + ")";
                        QVERIFY2(joined == tok->decode(c.ids_special, skip), msg.c_str());
                    }
                }
            }
        }
    }

    // An emoji split over byte tokens appears only once its last byte has arrived.
    void holdsIncompleteCharacters() {
        const std::string dir = test::shared_tokenizer_dir("llama3");
        if (dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        auto tok = Tokenizer::from_dir(dir);
        const std::string text = "a🍕";
        const auto ids = tok->encode(text);
        QVERIFY2(ids.size() >= 3, test::format_ids(ids).c_str());  // "a" + several byte tokens
        StreamDecoder d(*tok);
        QCOMPARE(d.push(ids[0]), std::string("a"));
        for (size_t i = 1; i + 1 < ids.size(); ++i) QCOMPARE(d.push(ids[i]), std::string());
        QCOMPARE(d.push(ids.back()), std::string("🍕"));
        QCOMPARE(d.flush(), std::string());
    }

    // SentencePiece drops the space of the first word only; later words keep theirs.
    void keepsWordSpacesAfterTheFirst() {
        const std::string dir = test::shared_tokenizer_dir("llama2");
        if (dir.empty()) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        auto tok = Tokenizer::from_dir(dir);
        const auto ids = tok->encode("Hello big world", true);
        StreamDecoder d(*tok);
        std::vector<std::string> chunks;
        for (int32_t id : ids) chunks.push_back(d.push(id));
        QCOMPARE(chunks.front(), std::string());  // <s>, skipped
        std::string joined;
        for (const auto& c : chunks) joined += c;
        QCOMPARE(joined, std::string("Hello big world"));
        QVERIFY(std::find(chunks.begin(), chunks.end(), std::string(" world")) != chunks.end());
    }
};

LATHE_TEST(TestStreamDecoder)
#include "test_stream_decoder.moc"
