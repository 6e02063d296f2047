// Training a SentencePiece model on a corpus written here, then loading and round-tripping it.
#include "tests/registry.h"

#include "core/tokenizer/hf_tokenizer.h"
#include "core/tokenizer/sentencepiece_convert.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/sentencepiece_trainer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "tests/core/tokenizer/made_up_corpus.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include <sys/wait.h>

using namespace lathe;

namespace {

// A few thousand lines of English and Korean built from fixed words (deterministic).
std::string write_corpus(const std::string& path) {
    const std::vector<std::string> words = {
        "the", "model", "learns", "from", "data", "and", "tokens", "training", "loss", "falls", "quickly",
        "language", "fine-tuning", "adapter", "weights", "batch", "of", "text", "is", "small", "large",
        "모델이", "데이터를", "학습합니다", "토큰", "손실이", "줄어듭니다", "한국어", "문장", "작은", "큰",
    };
    std::mt19937 rng(7);
    std::string corpus;
    for (int line = 0; line < 3000; ++line) {
        const int n = 4 + static_cast<int>(rng() % 8);
        for (int w = 0; w < n; ++w) corpus += (w ? " " : "") + words[rng() % words.size()];
        corpus += line % 3 == 0 ? ".\n" : "\n";
    }
    write_file_atomic(path, corpus);
    return corpus;
}

}  // namespace

class TestSentencepieceTrainer : public QObject {
    Q_OBJECT

    std::string corpus_path_;

    void round_trip(const std::string& model_type, int vocab_size, bool byte_fallback) {
        // Spaces and commas in the output path must survive SentencePiece's argument parser.
        const std::string out_dir = test::scratch_dir() + "/trained " + model_type + ", v1";
        SentencePieceTrainOptions o;
        o.input_files = {corpus_path_};
        o.model_prefix = out_dir + "/tokenizer";
        o.vocab_size = vocab_size;
        o.model_type = model_type;
        o.byte_fallback = byte_fallback;
        o.character_coverage = 1.0;
        o.user_defined_symbols = {"<|im_start|>", "<|im_end|>"};
        o.num_threads = 2;
        if (model_type == "unigram") o.extra_args = {"--hard_vocab_limit=false"};
        train_sentencepiece(o);
        QVERIFY(file_exists(out_dir + "/tokenizer.model"));
        QVERIFY(file_exists(out_dir + "/tokenizer.vocab"));

        auto tok = Tokenizer::from_dir(out_dir);
        QCOMPARE(tok->kind(), std::string("sentencepiece"));
        QVERIFY(tok->vocab_size() <= vocab_size);
        QVERIFY(tok->vocab_size() > 50);
        QCOMPARE(tok->special().bos_id, 1);
        QCOMPARE(tok->special().eos_id, 2);
        QVERIFY(tok->special().add_bos);

        std::vector<std::string> texts = {"the model learns from data", "한국어 문장 모델이 학습합니다."};
        if (byte_fallback) texts.push_back("Zebra 🦓 얼룩말 at 3.14\n\n  indented  ");  // unseen characters become bytes
        for (const auto& t : texts) {
            const auto ids = tok->encode(t, true);
            QCOMPARE(ids.front(), 1);
            QCOMPARE(tok->decode(ids, true), t);
        }
        // User-defined pieces are split out first; the text after one gets SentencePiece's "▁" prefix
        // (Llama's "legacy" behaviour, as in transformers), hence the space after <|im_start|>.
        const std::string chat = "<|im_start|>user small batch<|im_end|>";
        const auto chat_ids = tok->encode(chat);
        QCOMPARE(chat_ids.front(), tok->token_to_id("<|im_start|>"));
        QCOMPARE(chat_ids.back(), tok->token_to_id("<|im_end|>"));
        QVERIFY(!tok->is_special(chat_ids.front()));
        QCOMPARE(tok->decode(chat_ids, true), std::string("<|im_start|> user small batch<|im_end|>"));
        texts.push_back(chat);
        const auto& spm = dynamic_cast<const SpmTokenizer&>(*tok);
        QCOMPARE(spm.model_info().model_type, model_type == "bpe" ? 2 : 1);
        QCOMPARE(spm.model_info().normalizer_name, std::string("identity"));
        if (model_type == "bpe") {
            // The exported tokenizer.json tokenizes exactly as the model.
            auto twin = HfTokenizer::from_json(sentencepiece_to_tokenizer_json(spm), "converted");
            for (const auto& t : texts) {
                const std::string msg = "text: " + t;
                QVERIFY2(twin->encode(t, true) == tok->encode(t, true), msg.c_str());
                QCOMPARE(twin->decode(tok->encode(t, true)), tok->decode(tok->encode(t, true)));
            }
        } else {
            QVERIFY_THROWS_EXCEPTION(TokenizerError, sentencepiece_to_tokenizer_json(spm));
        }
        // Frequent words become single pieces.
        QCOMPARE(tok->encode("the").size(), size_t(1));
    }

private slots:
    void initTestCase() {
        corpus_path_ = test::scratch_dir() + "/corpus.txt";
        write_corpus(corpus_path_);
    }

    void trainsBpe() { round_trip("bpe", 400, true); }
    void trainsUnigram() { round_trip("unigram", 150, false); }

    // SentencePiece lives in a dlopen'ed module so that its bundled protobuf never meets LibTorch's;
    // this process has both: train, load and encode, then use the ids as a tensor.
    void coexistsWithLibTorch() {
        const at::Tensor before = torch::arange(4, torch::kInt32);
        SentencePieceTrainOptions o;
        o.input_files = {corpus_path_};
        o.model_prefix = test::scratch_dir() + "/with-torch/tokenizer";
        o.vocab_size = 400;  // 256 byte pieces + the corpus characters + merges
        o.num_threads = 1;
        train_sentencepiece(o);
        auto tok = SpmTokenizer::load(o.model_prefix + ".model");
        const std::vector<int32_t> ids = tok->encode("the model learns", true);
        const at::Tensor t = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()));
        QCOMPARE(t.size(0), static_cast<int64_t>(ids.size()));
        QCOMPARE(t[0].item<int64_t>(), int64_t(1));
        QCOMPARE(before.sum().item<int32_t>(), 6);
    }

    void rejectsBadOptions() {
        auto message = [](const SentencePieceTrainOptions& o) {
            try {
                train_sentencepiece(o);
            } catch (const ConfigError& e) {
                return std::string(e.what());
            }
            return std::string();
        };
        SentencePieceTrainOptions o;
        o.input_files = {corpus_path_};
        o.model_prefix = test::scratch_dir() + "/bad/tokenizer";
        o.vocab_size = 0;
        QVERIFY(message(o).find("vocab_size must be positive, found 0") != std::string::npos);
        o.vocab_size = 100;
        o.model_type = "wordpiece";
        QVERIFY(message(o).find("model_type must be bpe, unigram, char or word, found \"wordpiece\"") != std::string::npos);
        o.model_type = "bpe";
        o.input_files = {test::scratch_dir() + "/missing.txt"};
        QVERIFY(message(o).find("input file not found: " + test::scratch_dir() + "/missing.txt") != std::string::npos);
        o.input_files = {corpus_path_};
        o.user_defined_symbols = {"a,b"};
        QVERIFY(message(o).find("user-defined symbol \"a,b\"") != std::string::npos);
    }

    // Abort stops SentencePiece (which has no way to stop) within a second: its child process is killed,
    // Cancelled is thrown, nothing is written under the output name or left in the temp folder.
    void cancelStopsTrainingAtOnce() {
        namespace fs = std::filesystem;
        const std::string dir = test::scratch_dir() + "/spm-cancel";
        fs::remove_all(dir);
        fs::create_directories(dir + "/tmp");
        write_file_atomic(dir + "/corpus.txt", test::made_up_corpus(11));
        const char* old_tmp = std::getenv("TMPDIR");
        const std::string saved_tmp = old_tmp ? old_tmp : "";
        ::setenv("TMPDIR", (dir + "/tmp").c_str(), 1);
        SentencePieceTrainOptions o;
        o.input_files = {dir + "/corpus.txt"};
        o.model_prefix = dir + "/out/tokenizer";
        o.vocab_size = 16000;
        o.num_threads = 1;
        std::atomic<bool> cancel{false};
        using Clock = std::chrono::steady_clock;
        Clock::time_point asked;
        std::thread aborter([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            asked = Clock::now();
            cancel = true;
        });
        bool cancelled = false;
        try {
            CancelScope scope(&cancel);
            train_sentencepiece(o);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        const auto stopped = Clock::now();
        aborter.join();
        if (old_tmp) ::setenv("TMPDIR", saved_tmp.c_str(), 1);
        else ::unsetenv("TMPDIR");
        QVERIFY2(cancelled, "no Cancelled: the training was not stopped (or finished within 0.5 s: lengthen the corpus)");
        const double late = std::chrono::duration<double>(stopped - asked).count();
        QVERIFY2(late < 1.0, std::to_string(late).c_str());
        QVERIFY(!file_exists(o.model_prefix + ".model"));
        QVERIFY(!file_exists(o.model_prefix + ".vocab"));
        QVERIFY2(fs::is_empty(dir + "/tmp"), "the staging folder is left behind");
        int status = 0;
        QCOMPARE(int(::waitpid(-1, &status, WNOHANG)), -1);  // the child was reaped: no zombie, none running
    }

    void reportsSentencePieceFailure() {
        SentencePieceTrainOptions o;
        o.input_files = {corpus_path_};
        o.model_prefix = test::scratch_dir() + "/too-big/tokenizer";
        o.vocab_size = 50000;  // far more pieces than this corpus holds
        o.model_type = "unigram";
        o.num_threads = 2;
        try {
            train_sentencepiece(o);
            QFAIL("expected a TokenizerError");
        } catch (const TokenizerError& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.rfind("SentencePiece training failed: ", 0) == 0, msg.c_str());
            QVERIFY2(msg.find("Vocabulary size") != std::string::npos, msg.c_str());
        }
        QVERIFY(!file_exists(o.model_prefix + ".model"));
    }
};

LATHE_TEST(TestSentencepieceTrainer)
#include "test_sentencepiece_trainer.moc"
