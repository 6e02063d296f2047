// generate(): the KV-cached loop gives the ids of a full recomputation; stop ids, stop strings, the
// token budget and cancellation end it as documented; streamed text joins to the result, never shows
// a stop string and never splits a UTF-8 character.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/json_file.h"
#include "core/model/generate.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "tests/core/model/test_generate_models.h"
#include "tests/core/model/tiny_models.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <filesystem>

using namespace lathe;

namespace {

// With the llama3 tokenizer, ids 0..93 are the printable ASCII characters '!'..'~', one byte each:
// a model with this vocabulary writes plain text whose characters map one to one onto its ids.
constexpr int64_t kAsciiVocab = 94;

CausalLM random_test_model(const std::string& model_type = "llama", int64_t vocab = kAsciiVocab, uint64_t seed = 7) {
    auto c = test::tiny_config(model_type);
    c.vocab_size = vocab;
    CausalLM m(c);
    m->init_weights(seed, 0.2);  // large weights: peaked, varied predictions
    m->eval();
    return m;
}

// The reference: every step recomputes the whole sequence without a cache.
std::vector<int32_t> full_recompute(CausalLMImpl& model, const std::vector<int32_t>& prompt, int64_t n,
                                    const SamplingParams& params) {
    torch::NoGradGuard no_grad;
    Sampler sampler(params);
    std::vector<int32_t> seq = prompt, out;
    for (int64_t step = 0; step < n; ++step) {
        auto input = torch::tensor(std::vector<int64_t>(seq.begin(), seq.end()), torch::kLong).unsqueeze(0);  // (1, T)
        auto logits = model.forward(input).select(1, input.size(1) - 1).reshape(-1);                       // (V)
        const auto id = static_cast<int32_t>(sampler.next(logits, seq));
        seq.push_back(id);
        out.push_back(id);
    }
    return out;
}

SamplingParams greedy(double penalty = 1.0) {
    SamplingParams p;
    p.repetition_penalty = penalty;
    return p;
}

// generate() with a callback that records every streamed piece.
struct Streamed {
    GenerateResult result;
    std::vector<std::string> chunks;
    std::string joined() const {
        std::string s;
        for (const auto& c : chunks) s += c;
        return s;
    }
};

Streamed run_generate(CausalLMImpl& model, const Tokenizer* tok, const std::vector<int32_t>& prompt, const GenerateOptions& o,
             const std::atomic<bool>* cancel = nullptr) {
    Streamed s;
    s.result = generate(model, tok, prompt, o, [&](const std::string& text, int32_t) { s.chunks.push_back(text); }, cancel);
    return s;
}

std::unique_ptr<Tokenizer> shared_tokenizer(const std::string& name) {
    const std::string dir = test::shared_tokenizer_dir(name);
    return dir.empty() ? nullptr : Tokenizer::from_dir(dir);
}

using lathe::test::error_of;

// Where generation with `stops` must cut `text` (one character per token): at the first length where a
// stop string is complete, before the earliest stop string found by then. npos: never.
size_t expected_cut(const std::string& text, const std::vector<std::string>& stops) {
    for (size_t n = 1; n <= text.size(); ++n) {
        size_t cut = std::string::npos;
        for (const auto& s : stops) cut = std::min(cut, text.substr(0, n).find(s));
        if (cut != std::string::npos) return cut;
    }
    return std::string::npos;
}

const std::vector<int32_t> kPrompt = {40, 7, 66, 12, 3};

}  // namespace

class TestGenerate : public QObject {
    Q_OBJECT
private slots:
    void kvCacheMatchesFullRecomputation() {
        for (const std::string type : {"llama", "qwen2", "qwen3"}) {
            for (double penalty : {1.0, 1.3}) {
                auto m = random_test_model(type, 97);
                GenerateOptions o;
                o.sampling = greedy(penalty);
                o.max_new_tokens = 24;
                auto r = generate(*m, nullptr, kPrompt, o);
                const std::string msg = type + " penalty " + std::to_string(penalty);
                QVERIFY2(r.ids == full_recompute(*m, kPrompt, 24, o.sampling), msg.c_str());
                QCOMPARE(r.finish, FinishReason::Length);
                QCOMPARE(r.prompt_tokens, int64_t(5));
                QVERIFY(r.text.empty());  // no tokenizer, no text
            }
        }
    }

    void seededSamplingIsReproducible() {
        auto m = random_test_model();
        GenerateOptions o;
        o.sampling.temperature = 1.0;
        o.sampling.top_k = 40;
        o.sampling.top_p = 0.95;
        o.max_new_tokens = 24;
        o.sampling.seed = 1;
        auto a = generate(*m, nullptr, kPrompt, o).ids;
        QCOMPARE(generate(*m, nullptr, kPrompt, o).ids, a);
        QCOMPARE(full_recompute(*m, kPrompt, 24, o.sampling), a);  // the cache changes nothing here either
        o.sampling.seed = 2;
        QVERIFY(generate(*m, nullptr, kPrompt, o).ids != a);
    }

    // A stop id ends generation; it is the last of the ids but its text is not in the result.
    void stopIdEndsGenerationAndStaysOutOfText() {
        auto tok = shared_tokenizer("llama3");
        if (!tok) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        auto m = random_test_model();
        GenerateOptions o;
        o.max_new_tokens = 24;
        const auto free_run = generate(*m, tok.get(), kPrompt, o);
        const auto& all = free_run.ids;
        QCOMPARE(free_run.text, tok->decode(all));
        // The first id that did not occur before, after the first one.
        size_t k = 1;
        while (k < all.size() && std::count(all.begin(), all.begin() + long(k), all[k])) ++k;
        QVERIFY2(k < all.size(), "the model repeats one id: pick another seed");
        for (size_t stop_at : {size_t(0), k}) {
            o.stop_ids = {all[stop_at]};
            auto s = run_generate(*m, tok.get(), kPrompt, o);
            const std::vector<int32_t> want(all.begin(), all.begin() + long(stop_at) + 1);
            QCOMPARE(s.result.ids, want);
            QCOMPARE(s.result.finish, FinishReason::Stop);
            const std::vector<int32_t> before(all.begin(), all.begin() + long(stop_at));
            QCOMPARE(s.result.text, tok->decode(before));
            QVERIFY(s.result.text.find(tok->decode({all[stop_at]})) == std::string::npos);
            QCOMPARE(s.joined(), s.result.text);
        }
    }

    // Stop strings cut the text before them; streaming holds back what could begin one, so the pieces
    // never show any of it, and releases it when it turns out not to be one.
    void stopStringsCutTextAndAreNeverStreamed() {
        auto tok = shared_tokenizer("llama3");
        if (!tok) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
        auto m = random_test_model();
        GenerateOptions o;
        o.max_new_tokens = 30;
        const std::string full = generate(*m, tok.get(), kPrompt, o).text;
        QCOMPARE(full.size(), size_t(30));  // one character per id
        const std::vector<std::vector<std::string>> cases = {
            {full.substr(6, 3)},
            {full.substr(0, 2)},                                         // at the very start
            {full.substr(20, 4), full.substr(8, 2)},                     // the one that completes first wins
            {full.substr(11, 2), full.substr(10, 3)},                    // same end: the earlier start wins
            {full.substr(12, 3) + "\x01"},                               // a prefix that never completes
            {full.substr(25, 5) + "~~~~", full.substr(29, 1) + "\x02"},  // held until the end, then released
        };
        for (const auto& stops : cases) {
            o.stop_strings = stops;
            auto s = run_generate(*m, tok.get(), kPrompt, o);
            const size_t cut = expected_cut(full, stops);
            const std::string want = full.substr(0, cut);
            const std::string msg = "stops '" + stops[0] + "'" + (stops.size() > 1 ? " '" + stops[1] + "'" : "");
            QVERIFY2(s.result.text == want, (msg + ": got '" + s.result.text + "' want '" + want + "'").c_str());
            QVERIFY2(s.joined() == want, (msg + ": streamed '" + s.joined() + "'").c_str());
            if (cut == std::string::npos) {
                QCOMPARE(s.result.finish, FinishReason::Length);
                continue;
            }
            QCOMPARE(s.result.finish, FinishReason::Stop);
            // It stopped at the token that completed the stop string.
            size_t end = 0;
            for (const auto& stop : stops) {
                const size_t at = full.find(stop);
                if (at != std::string::npos) end = end ? std::min(end, at + stop.size()) : at + stop.size();
            }
            QCOMPARE(s.result.ids.size(), end);
        }
        // Stop strings need a tokenizer: without one they are ignored.
        o.stop_strings = {full.substr(0, 2)};
        QCOMPARE(generate(*m, nullptr, kPrompt, o).ids.size(), size_t(30));
    }

    // Korean and emoji spread over several ids (byte-level BPE, byte fallback): no piece ever holds
    // half a character, and the pieces join to the text; the reply ends at the EOS id.
    void streamingNeverSplitsUtf8Characters() {
        // Each id may appear once in a rote reply: without spaces for llama2, whose "▁" would repeat.
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"llama3", "네, 좋아요 🍕 감사!"}, {"qwen3", "네, 좋아요 🍕 감사!"}, {"llama2", "네,좋아요🍕감사!"}};
        int tested = 0;
        for (const auto& [name, text] : cases) {
            auto tok = shared_tokenizer(name);
            if (!tok) continue;
            const auto reply = tok->encode(text);
            test::RoteSpec spec;
            spec.vocab_size = tok->vocab_size();
            spec.reply = reply;
            spec.eos = tok->special().eos_id;
            spec.hidden = 32;
            QVERIFY2(test::rote_problem(spec).empty(), (name + ": " + test::rote_problem(spec)).c_str());
            auto m = test::rote_model(spec);
            GenerateOptions o;
            o.max_new_tokens = 40;
            o.stop_ids = {spec.eos};
            auto s = run_generate(*m, tok.get(), tok->encode("Hi"), o);
            std::vector<int32_t> want = reply;
            want.push_back(spec.eos);
            QVERIFY2(s.result.ids == want, name.c_str());
            QCOMPARE(s.result.finish, FinishReason::Stop);
            QCOMPARE(s.result.text, text);
            QCOMPARE(s.joined(), text);
            int held = 0;
            for (const auto& c : s.chunks) {
                QVERIFY2(utf8::is_valid(c) && !utf8::ends_with_replacement(c), (name + ": piece '" + c + "'").c_str());
                held += c.empty();
            }
            QVERIFY2(held > 0, (name + ": no id was held back; the text does not test splitting").c_str());
            ++tested;
        }
        if (!tested) QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)");
    }

    void cancellationStopsGeneration() {
        auto m = random_test_model();
        GenerateOptions o;
        o.max_new_tokens = 20;
        std::atomic<bool> cancel{false};
        int calls = 0;
        auto r = generate(*m, nullptr, kPrompt, o, [&](const std::string&, int32_t) {
            if (++calls == 3) cancel = true;
        }, &cancel);
        QCOMPARE(r.ids.size(), size_t(3));
        QCOMPARE(r.finish, FinishReason::Cancelled);
        QCOMPARE(r.ids, full_recompute(*m, kPrompt, 3, o.sampling));
        // Already cancelled: nothing is generated.
        r = generate(*m, nullptr, kPrompt, o, {}, &cancel);
        QVERIFY(r.ids.empty());
        QCOMPARE(r.finish, FinishReason::Cancelled);
    }

    void maxNewTokensBoundsTheIds() {
        auto m = random_test_model();
        for (int64_t n : {0, 1, 7}) {
            GenerateOptions o;
            o.max_new_tokens = n;
            auto r = generate(*m, nullptr, kPrompt, o);
            QCOMPARE(static_cast<int64_t>(r.ids.size()), n);
            QCOMPARE(r.finish, FinishReason::Length);
        }
    }

    void badPromptsAreErrors() {
        auto m = random_test_model();
        GenerateOptions o;
        o.max_new_tokens = 2;
        QCOMPARE(error_of([&] { generate(*m, nullptr, {5, 94}, o); }),
                 std::string("prompt token id 94 is outside the vocabulary [0, 94)"));
        QCOMPARE(error_of([&] { generate(*m, nullptr, {-1}, o); }),
                 std::string("prompt token id -1 is outside the vocabulary [0, 94)"));
        QVERIFY(error_of([&] { generate(*m, nullptr, {}, o); }).find("the prompt is empty") != std::string::npos);
        o.max_new_tokens = -1;
        QVERIFY(error_of([&] { generate(*m, nullptr, {5}, o); }).find("max_new_tokens must be >= 0") != std::string::npos);
    }

    // EOS ids come from generation_config.json, config.json and the tokenizer, each once.
    void defaultStopIdsGatherEveryEos() {
        const std::string dir = test::scratch_dir() + "/stop-ids";
        std::filesystem::create_directories(dir);
        write_json_file(dir + "/config.json", nlohmann::json{{"eos_token_id", {2, 7}}}, 1);
        write_json_file(dir + "/generation_config.json", nlohmann::json{{"eos_token_id", 9}}, 1);
        QCOMPARE(default_stop_ids(dir, nullptr), (std::vector<int32_t>{9, 2, 7}));
        write_json_file(dir + "/generation_config.json", nlohmann::json{{"eos_token_id", {7, 2}}}, 1);
        QCOMPARE(default_stop_ids(dir, nullptr), (std::vector<int32_t>{7, 2}));
        if (auto tok = shared_tokenizer("llama3")) {
            auto ids = default_stop_ids(dir, tok.get());
            QCOMPARE(ids, (std::vector<int32_t>{7, 2, tok->special().eos_id}));
        }
    }
};

LATHE_TEST(TestGenerate)
#include "test_generate.moc"
