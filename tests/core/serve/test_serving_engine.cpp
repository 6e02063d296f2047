// ServingEngine: requests that arrive while others are decoding join the running batch and get, greedily,
// the answer the chat engine gives each alone; the batch really is shared (fewer forwards than tokens);
// a cancelled request stops and leaves; a full queue refuses; stop strings and budgets act per request.
#include "tests/registry.h"

#include "core/chat/chat_session.h"
#include "core/data/template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/serve/serving_engine.h"
#include "core/util/error.h"
#include "tests/core/serve/serve_fixtures.h"

#include <QtTest>

#include <chrono>
#include <thread>

using namespace lathe;
using namespace std::chrono_literals;

namespace {

ServingOptions options(const std::string& dir, int max_batch = 8, int max_queue = 32) {
    ServingOptions o;
    o.model_dir = dir;
    o.max_batch = max_batch;
    o.max_queue = max_queue;
    o.threads = 1;
    return o;
}

// Reads a job to its end.
ServeUpdate drain(ServeJob& job, std::string* text = nullptr) {
    ServeUpdate all;
    for (int i = 0; i < 600; ++i) {  // 60 s
        ServeUpdate u = job.wait(100ms);
        all.text += u.text;
        if (u.done) {
            u.text = all.text;
            if (text) *text = all.text;
            return u;
        }
    }
    all.finish = "timeout";
    return all;
}

const std::vector<std::string> kQuestions = {"What is the capital of France?", "Name three colours.",
                                             "Count to five, please, slowly and carefully.", "Hi",
                                             "Write a haiku about autumn leaves falling.", "Why is the sky blue?"};

}  // namespace

class TestServingEngine : public QObject {
    Q_OBJECT

    std::string dir_;

    ServeRequest greedy(ServingEngine& engine, const std::string& question, int64_t max_new_tokens) {
        ServeRequest r = engine.defaults();
        r.prompt = engine.encode_chat({{Role::User, question}}, "");
        r.temperature = 0;
        r.max_new_tokens = max_new_tokens;
        return r;
    }

private slots:
    void initTestCase() {
        dir_ = test::serve_model_dir();
        LATHE_SKIP_WITHOUT_SERVE_MODEL(dir_);
    }

    void joiningRequestsGetTheirOwnGreedyAnswers() {
        // The reference: each question answered alone by the chat engine (generate(), one sequence).
        ChatSession chat;
        chat.load(dir_, "cpu", 1);
        ChatOptions co;
        co.temperature = 0;
        std::vector<std::string> expected;
        std::vector<int64_t> budgets;
        for (size_t i = 0; i < kQuestions.size(); ++i) {
            co.max_new_tokens = 12 + 7 * static_cast<int>(i);  // different lengths: rows leave at different steps
            budgets.push_back(co.max_new_tokens);
            expected.push_back(chat.reply({{Role::User, kQuestions[i]}}, "", co, ChatVariant::Tuned).text);
            QVERIFY(!expected.back().empty());
        }

        ServingEngine engine(options(dir_));
        std::vector<std::shared_ptr<ServeJob>> jobs;
        std::vector<std::string> texts(kQuestions.size());
        // The first two start together; each later one arrives while the earlier ones are decoding.
        for (size_t i = 0; i < kQuestions.size(); ++i) {
            jobs.push_back(engine.submit(greedy(engine, kQuestions[i], budgets[i])));
            QVERIFY(jobs.back());
            if (i >= 1) {
                const ServeUpdate u = jobs[0]->wait(2s);  // some of the first answer has been produced
                texts[0] += u.text;
            }
        }
        int64_t tokens = 0;
        for (size_t i = 0; i < jobs.size(); ++i) {
            std::string rest;
            const ServeUpdate u = drain(*jobs[i], &rest);
            texts[i] += rest;
            QCOMPARE(u.finish, std::string("length"));
            QCOMPARE(u.completion_tokens, budgets[i]);
            QCOMPARE(u.prompt_tokens, static_cast<int64_t>(engine.encode_chat({{Role::User, kQuestions[i]}}, "").size()));
            QCOMPARE(texts[i], expected[i]);
            tokens += u.completion_tokens;
        }
        // Shared forwards: far fewer decode steps than tokens.
        const ServingStats s = engine.stats();
        QCOMPARE(s.tokens, tokens);
        QCOMPARE(s.requests, static_cast<int64_t>(kQuestions.size()));
        QVERIFY2(s.steps < tokens * 6 / 10, (std::to_string(s.steps) + " steps for " + std::to_string(tokens) + " tokens").c_str());
    }

    void cancelledRequestStopsAndLeaves() {
        ServingEngine engine(options(dir_));
        auto job = engine.submit(greedy(engine, kQuestions[0], 3000));
        auto other = engine.submit(greedy(engine, kQuestions[1], 20));
        QVERIFY(job && other);
        QVERIFY(!job->wait(5s).text.empty());
        job->cancel();
        const ServeUpdate u = drain(*job);
        QCOMPARE(u.finish, std::string("cancelled"));
        QVERIFY(u.completion_tokens < 3000);
        QCOMPARE(drain(*other).finish, std::string("length"));  // the other row went on
        for (int i = 0; i < 50 && engine.stats().active > 0; ++i) std::this_thread::sleep_for(20ms);
        QCOMPARE(engine.stats().active, 0);
    }

    void fullQueueRefuses() {
        ServingEngine engine(options(dir_, 1, 1));
        auto a = engine.submit(greedy(engine, kQuestions[0], 3000));
        auto b = engine.submit(greedy(engine, kQuestions[1], 5));
        QVERIFY(a && b);
        QVERIFY(!engine.submit(greedy(engine, kQuestions[2], 5)));  // one decoding, one waiting: full
        a->cancel();
        QCOMPARE(drain(*a).finish, std::string("cancelled"));
        QCOMPARE(drain(*b).finish, std::string("length"));
        auto c = engine.submit(greedy(engine, kQuestions[2], 5));  // room again
        QVERIFY(c);
        QCOMPARE(drain(*c).finish, std::string("length"));
    }

    void stopStringsAndSettingsPerRequest() {
        ServingEngine engine(options(dir_));
        ServeRequest plain = greedy(engine, kQuestions[4], 40);
        std::string full;
        drain(*engine.submit(plain), &full);
        QVERIFY(full.size() > 6);
        const std::string stop = full.substr(full.size() / 2, 3);
        ServeRequest cut = plain;
        cut.stop = {stop};
        std::string text;
        const ServeUpdate u = drain(*engine.submit(cut), &text);
        QCOMPARE(u.finish, std::string("stop"));
        QCOMPARE(text, full.substr(0, full.find(stop)));

        ServeRequest bad = plain;
        bad.top_p = 0;
        QVERIFY_THROWS_EXCEPTION(ConfigError, engine.submit(bad));
        bad = plain;
        bad.prompt = {static_cast<int32_t>(engine.vocab_size())};
        QVERIFY_THROWS_EXCEPTION(ConfigError, engine.submit(bad));
    }

    void sampledAnswersFollowTheirSeed() {
        ServingEngine engine(options(dir_));
        ServeRequest r = greedy(engine, kQuestions[5], 16);
        r.temperature = 1.0;
        r.top_p = 1.0;
        r.top_k = 0;
        r.seed = 7;
        std::string a, b, c;
        auto ja = engine.submit(r);
        auto jb = engine.submit(r);  // the same seed in the same batch: the same answer
        drain(*ja, &a);
        drain(*jb, &b);
        QCOMPARE(a, b);
        r.seed = 8;
        drain(*engine.submit(r), &c);
        QVERIFY(a != c);
    }

    // chat_template_kwargs.enable_thinking reaches the template: with a reasoning template (qwen3), false
    // opens the answer with the empty thought, exactly as the template encodes it for the chat tab.
    void thinkingCanBeTurnedOffPerRequest() {
        ServingOptions o = options(dir_);
        o.template_name = "qwen3";
        ServingEngine engine(o);
        const std::vector<Message> question = {{Role::User, kQuestions[0]}};
        const std::vector<int32_t> thinking = engine.encode_chat(question, "");
        const std::vector<int32_t> quiet = engine.encode_chat(question, "", false);
        QVERIFY(quiet.size() > thinking.size());
        QVERIFY(std::equal(thinking.begin(), thinking.end(), quiet.begin()));  // the same prompt, then the empty thought
        const ChatTemplate* qwen3 = find_template("qwen3");
        QVERIFY(qwen3 && qwen3->reasoning());
        const auto tokenizer = Tokenizer::from_dir(dir_);
        QCOMPARE(quiet, qwen3->encode_generation(*tokenizer, question, "", false));
    }

    void badFolderIsNamed() {
        ServingOptions o = options(test::scratch_dir() + "/no-such-model");
        try {
            ServingEngine engine(o);
            QFAIL("loaded a folder that does not exist");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("no-such-model") != std::string::npos, e.what());
        }
        o = options(dir_, 0);
        QVERIFY_THROWS_EXCEPTION(ConfigError, ServingEngine{o});
    }
};

LATHE_TEST(TestServingEngine)
#include "test_serving_engine.moc"
