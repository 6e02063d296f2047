// The API server over real HTTP on an ephemeral loopback port: /v1/models and /health, chat and raw
// completions with and without streaming (greedy answers equal the chat engine's), OpenAI error objects
// with the right statuses, the API key, concurrent streams that keep their own answers, 429 beyond the
// queue, a client that disconnects (its generation stops) and stop() closing what is open.
// LibTorch before any Qt header: Qt's `slots` macro breaks its headers (this file has no PCH).
#include <torch/torch.h>

#include "tests/registry.h"

#include "core/chat/chat_session.h"
#include "core/serve/api_server.h"
#include "core/serve/serving_engine.h"
#include "core/util/error.h"
#include "tests/core/serve/serve_fixtures.h"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

using namespace lathe;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct Sse {
    std::vector<json> chunks;
    bool done = false;       // "data: [DONE]" came last
    std::string content;     // the deltas (chat) or texts (completions) joined
    std::string finish;
    std::string raw;
};

Sse parse_sse(const std::string& body, bool chat) {
    Sse s;
    s.raw = body;
    size_t pos = 0;
    while (pos < body.size()) {
        const size_t end = body.find("\n\n", pos);
        if (end == std::string::npos) break;
        const std::string event = body.substr(pos, end - pos);
        pos = end + 2;
        if (event.rfind("data: ", 0) != 0) continue;
        const std::string data = event.substr(6);
        if (data == "[DONE]") {
            s.done = pos >= body.size();
            continue;
        }
        json j = json::parse(data);
        s.chunks.push_back(j);
        if (!j.contains("choices") || j["choices"].empty()) continue;
        const json& c = j["choices"][0];
        if (chat && c["delta"].contains("content")) s.content += c["delta"]["content"].get<std::string>();
        if (!chat) s.content += c["text"].get<std::string>();
        if (!c["finish_reason"].is_null()) s.finish = c["finish_reason"].get<std::string>();
    }
    return s;
}

std::string chat_body(const std::string& question, int max_tokens, bool stream, const std::string& extra = "") {
    json j = {{"model", "whatever"},
              {"messages", json::array({{{"role", "user"}, {"content", question}}})},
              {"max_tokens", max_tokens},
              {"temperature", 0},
              {"stream", stream}};
    std::string s = j.dump();
    if (!extra.empty()) s = s.substr(0, s.size() - 1) + "," + extra + "}";
    return s;
}

// POSTs `body` and hands each piece of the answer's body to `receive` (false hangs up).
httplib::Result post_streaming(httplib::Client& c, const std::string& body, std::function<bool()> receive) {
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.body = body;
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [receive](const char*, size_t, uint64_t, uint64_t) { return receive(); };
    return c.send(req);
}

json error_body(const httplib::Result& r) {
    if (!r) return json();
    return json::parse(r->body, nullptr, false);
}

}  // namespace

class TestApiServer : public QObject {
    Q_OBJECT

    std::string dir_;
    std::unique_ptr<ServingEngine> engine_;
    std::unique_ptr<ApiServer> server_;
    std::mutex log_mutex_;
    std::vector<ApiLogEntry> log_;

    std::string greedy_answer(const std::string& question, int max_tokens) {
        ChatSession chat;
        chat.load(dir_, "cpu", 1);
        ChatOptions co;
        co.temperature = 0;
        co.max_new_tokens = max_tokens;
        return chat.reply({{Role::User, question}}, "", co, ChatVariant::Tuned).text;
    }
    httplib::Client client() {
        httplib::Client c("127.0.0.1", server_->port());
        c.set_read_timeout(60, 0);
        return c;
    }
    std::vector<ApiLogEntry> log() {
        std::lock_guard<std::mutex> lock(log_mutex_);
        return log_;
    }

private slots:
    void initTestCase() {
        dir_ = test::serve_model_dir();
        LATHE_SKIP_WITHOUT_SERVE_MODEL(dir_);
        ServingOptions so;
        so.model_dir = dir_;
        so.threads = 1;
        engine_ = std::make_unique<ServingEngine>(so);
        ApiServerOptions ao;
        ao.port = 0;
        ao.model_name = "tiny-llama";
        ao.max_body_bytes = 64 * 1024;
        server_ = std::make_unique<ApiServer>(*engine_, ao);
        server_->set_log([this](const ApiLogEntry& e) {
            std::lock_guard<std::mutex> lock(log_mutex_);
            log_.push_back(e);
        });
        QVERIFY(server_->start() > 0);
        QCOMPARE(server_->url(), "http://127.0.0.1:" + std::to_string(server_->port()));
    }
    void cleanupTestCase() {
        if (server_) server_->stop();
    }

    void modelsAndHealth() {
        auto c = client();
        auto r = c.Get("/v1/models");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const json j = json::parse(r->body);
        QCOMPARE(j["data"][0]["id"].get<std::string>(), std::string("tiny-llama"));
        r = c.Get("/health");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(json::parse(r->body)["status"].get<std::string>(), std::string("ok"));
    }

    void chatWithoutStreaming() {
        const std::string expected = greedy_answer("What is the capital of France?", 24);
        auto c = client();
        auto r = c.Post("/v1/chat/completions", chat_body("What is the capital of France?", 24, false, R"("unknown_field": [1])"),
                        "application/json");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const json j = json::parse(r->body);
        QCOMPARE(j["object"].get<std::string>(), std::string("chat.completion"));
        QCOMPARE(j["model"].get<std::string>(), std::string("whatever"));
        QCOMPARE(j["choices"][0]["message"]["content"].get<std::string>(), expected);
        QCOMPARE(j["choices"][0]["finish_reason"].get<std::string>(), std::string("length"));
        QCOMPARE(j["usage"]["completion_tokens"].get<int>(), 24);
        const auto prompt = engine_->encode_chat({{Role::User, "What is the capital of France?"}}, "");
        QCOMPARE(j["usage"]["prompt_tokens"].get<size_t>(), prompt.size());
        QCOMPARE(j["usage"]["total_tokens"].get<size_t>(), prompt.size() + 24);
    }

    void chatStreaming() {
        const std::string expected = greedy_answer("Name three colours.", 30);
        auto c = client();
        auto r = c.Post("/v1/chat/completions",
                        chat_body("Name three colours.", 30, true, R"("stream_options": {"include_usage": true})"),
                        "application/json");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(r->get_header_value("Content-Type").find("text/event-stream") == 0);
        const Sse s = parse_sse(r->body, true);
        QVERIFY2(s.done, s.raw.c_str());
        QVERIFY(s.chunks.size() >= 4);
        QCOMPARE(s.chunks.front()["choices"][0]["delta"]["role"].get<std::string>(), std::string("assistant"));
        QCOMPARE(s.chunks.front()["object"].get<std::string>(), std::string("chat.completion.chunk"));
        QCOMPARE(s.content, expected);
        QCOMPARE(s.finish, std::string("length"));
        QCOMPARE(s.chunks.back()["usage"]["completion_tokens"].get<int>(), 30);  // include_usage: the last chunk
        const std::string id = s.chunks.front()["id"].get<std::string>();
        for (const json& chunk : s.chunks) QCOMPARE(chunk["id"].get<std::string>(), id);
    }

    void rawCompletions() {
        auto c = client();
        const std::string body = R"({"prompt": "Once upon a time", "max_tokens": 12, "temperature": 0})";
        auto r = c.Post("/v1/completions", body, "application/json");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const json j = json::parse(r->body);
        QCOMPARE(j["object"].get<std::string>(), std::string("text_completion"));
        const std::string text = j["choices"][0]["text"].get<std::string>();
        QVERIFY(!text.empty());
        QCOMPARE(j["usage"]["prompt_tokens"].get<size_t>(), engine_->encode_text("Once upon a time").size());
        auto rs = c.Post("/v1/completions", R"({"prompt": "Once upon a time", "max_tokens": 12, "temperature": 0, "stream": true})",
                         "application/json");
        QVERIFY(rs);
        const Sse s = parse_sse(rs->body, false);
        QVERIFY(s.done);
        QCOMPARE(s.content, text);
        QCOMPARE(s.finish, std::string("length"));
    }

    void errorsAreOpenAiObjects() {
        auto c = client();
        struct Case {
            const char* path;
            std::string body;
            int status;
            const char* says;
        };
        std::string longest;  // about 10,000 tokens: more than the context of 4,096
        while (longest.size() < 20000) longest += "a b ";
        const std::vector<Case> cases = {
            {"/v1/chat/completions", "{\"messages\": [", 400, "not valid JSON"},
            {"/v1/chat/completions", R"({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"})", 400, "temperature"},
            {"/v1/chat/completions", R"({"model": "m"})", 400, "messages"},
            {"/v1/chat/completions", chat_body(longest.substr(0, 20000), 4, false), 400, "maximum context length is 4096"},
            {"/v1/chat/completions", chat_body("hi", 5000, false), 400, "lower max_tokens"},
            {"/v1/completions", R"({"prompt": [1, 99999999]})", 400, "outside the vocabulary"},
            {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + std::string(70000, 'a') + "\"}]}", 413, "larger"},
        };
        for (const Case& k : cases) {
            auto r = c.Post(k.path, k.body, "application/json");
            QVERIFY(r);
            QVERIFY2(r->status == k.status, (std::to_string(r->status) + " " + r->body).c_str());
            const json j = error_body(r);
            QVERIFY2(j.contains("error"), r->body.c_str());
            const std::string message = j["error"]["message"].get<std::string>();
            QVERIFY2(message.find(k.says) != std::string::npos, message.c_str());
            QVERIFY(j["error"].contains("type"));
        }
        // The context error names both numbers.
        auto r = c.Post("/v1/chat/completions", chat_body(longest.substr(0, 20000), 4, false), "application/json");
        const std::string message = error_body(r)["error"]["message"].get<std::string>();
        const auto tokens = engine_->encode_chat({{Role::User, longest.substr(0, 20000)}}, "").size();
        QVERIFY2(message.find(std::to_string(tokens)) != std::string::npos, message.c_str());
        QCOMPARE(error_body(r)["error"]["code"].get<std::string>(), std::string("context_length_exceeded"));
        auto nf = c.Get("/v2/nothing");
        QVERIFY(nf);
        QCOMPARE(nf->status, 404);
        QVERIFY(error_body(nf)["error"]["message"].get<std::string>().find("/v1/chat/completions") != std::string::npos);
        auto get = c.Get("/v1/chat/completions");
        QVERIFY(get);
        QCOMPARE(get->status, 405);
        QVERIFY(error_body(get).contains("error"));
    }

    void concurrentStreamsKeepTheirAnswers() {
        const std::vector<std::string> questions = {"One?", "Two, please.", "Three colours of the rainbow.", "Four",
                                                    "Five apples and", "Six strings on a guitar"};
        std::vector<std::string> expected;
        for (size_t i = 0; i < questions.size(); ++i) expected.push_back(greedy_answer(questions[i], 20 + 5 * int(i)));
        const int64_t steps_before = engine_->stats().steps;
        std::vector<Sse> got(questions.size());
        std::vector<int> status(questions.size(), 0);
        std::vector<std::thread> threads;
        for (size_t i = 0; i < questions.size(); ++i)
            threads.emplace_back([&, i] {
                auto c = client();
                auto r = c.Post("/v1/chat/completions", chat_body(questions[i], 20 + 5 * int(i), true), "application/json");
                if (!r) return;
                status[i] = r->status;
                got[i] = parse_sse(r->body, true);
            });
        for (auto& t : threads) t.join();
        int64_t tokens = 0;
        for (size_t i = 0; i < questions.size(); ++i) {
            QCOMPARE(status[i], 200);
            QVERIFY(got[i].done);
            QCOMPARE(got[i].content, expected[i]);
            tokens += 20 + 5 * int(i);
        }
        const int64_t steps = engine_->stats().steps - steps_before;
        QVERIFY2(steps < tokens * 7 / 10, (std::to_string(steps) + " steps for " + std::to_string(tokens) + " tokens").c_str());
    }

    void disconnectStopsTheGeneration() {
        auto c = client();
        std::atomic<int> chunks{0};
        const size_t log_before = log().size();
        auto r = post_streaming(c, chat_body("Tell me a very long story.", 3000, true),
                                [&] { return ++chunks < 3; });  // hang up after 3 chunks
        QVERIFY(!r);
        for (int i = 0; i < 100 && engine_->stats().active > 0; ++i) std::this_thread::sleep_for(50ms);
        QCOMPARE(engine_->stats().active, 0);
        for (int i = 0; i < 100 && log().size() == log_before; ++i) std::this_thread::sleep_for(20ms);
        const auto entries = log();
        QVERIFY(entries.size() > log_before);
        const ApiLogEntry& e = entries.back();
        QCOMPARE(e.finish, std::string("cancelled"));
        QVERIFY2(e.completion_tokens < 3000, e.line().c_str());
    }

    // chat_template_kwargs.enable_thinking (as vLLM takes it) reaches the template: with qwen3, false adds
    // the empty thought to the prompt the request is answered from.
    void thinkingOffReachesTheTemplate() {
        ServingOptions so;
        so.model_dir = dir_;
        so.threads = 1;
        so.template_name = "qwen3";
        ServingEngine engine(so);
        ApiServerOptions ao;
        ao.port = 0;
        ApiServer server(engine, ao);
        QVERIFY(server.start() > 0);
        const std::vector<Message> question = {{Role::User, "hi"}};
        httplib::Client c("127.0.0.1", server.port());
        for (const bool thinking : {true, false}) {
            const std::string extra = std::string(R"("chat_template_kwargs": {"enable_thinking": )") +
                                      (thinking ? "true" : "false") + "}";
            auto r = c.Post("/v1/chat/completions", chat_body("hi", 1, false, extra), "application/json");
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QCOMPARE(json::parse(r->body)["usage"]["prompt_tokens"].get<size_t>(),
                     engine.encode_chat(question, "", thinking).size());
        }
        QVERIFY(engine.encode_chat(question, "", false).size() > engine.encode_chat(question, "").size());
        server.stop();
    }

    void busyServerAnswers429() {
        ServingOptions so;
        so.model_dir = dir_;
        so.threads = 1;
        so.max_batch = 1;
        so.max_queue = 0;
        ServingEngine engine(so);
        ApiServerOptions ao;
        ao.port = 0;
        ApiServer server(engine, ao);
        server.start();
        std::atomic<bool> first_started{false};
        std::thread long_one([&] {
            httplib::Client c("127.0.0.1", server.port());
            post_streaming(c, chat_body("A long story.", 3000, true), [&] {
                first_started = true;
                return true;
            });
        });
        for (int i = 0; i < 200 && !first_started; ++i) std::this_thread::sleep_for(20ms);
        QVERIFY(first_started);
        httplib::Client c("127.0.0.1", server.port());
        auto r = c.Post("/v1/chat/completions", chat_body("hi", 5, false), "application/json");
        QVERIFY(r);
        QCOMPARE(r->status, 429);
        QCOMPARE(json::parse(r->body)["error"]["code"].get<std::string>(), std::string("rate_limit_exceeded"));
        QCOMPARE(r->get_header_value("Retry-After"), std::string("1"));
        // stop() with a stream in flight: the client's connection closes, the generation is cancelled.
        server.stop();
        long_one.join();
        QVERIFY(!server.running());
        for (int i = 0; i < 100 && engine.stats().active > 0; ++i) std::this_thread::sleep_for(20ms);
        QCOMPARE(engine.stats().active, 0);
    }

    void apiKeyIsRequiredAndChecked() {
        ApiServerOptions open;
        open.host = "0.0.0.0";
        QVERIFY_THROWS_EXCEPTION(ConfigError, ApiServer(*engine_, open));
        ApiServerOptions ao;
        ao.port = 0;
        ao.api_key = "s3cret-key";
        ApiServer server(*engine_, ao);
        server.start();
        httplib::Client c("127.0.0.1", server.port());
        auto none = c.Get("/v1/models");
        QVERIFY(none);
        QCOMPARE(none->status, 401);
        QCOMPARE(json::parse(none->body)["error"]["code"].get<std::string>(), std::string("invalid_api_key"));
        auto wrong = c.Get("/v1/models", httplib::Headers{{"Authorization", "Bearer s3cret-kez"}});
        QVERIFY(wrong);
        QCOMPARE(wrong->status, 401);
        auto right = c.Get("/v1/models", httplib::Headers{{"Authorization", "Bearer s3cret-key"}});
        QVERIFY(right);
        QCOMPARE(right->status, 200);
        auto post = c.Post("/v1/chat/completions", httplib::Headers{{"Authorization", "Bearer s3cret-key"}},
                           chat_body("hi", 3, false), "application/json");
        QVERIFY(post);
        QCOMPARE(post->status, 200);
        auto health = c.Get("/health");  // for load balancers: no key needed, nothing to leak
        QVERIFY(health);
        QCOMPARE(health->status, 200);
        server.stop();
    }

    void portInUseIsNamed() {
        ApiServerOptions ao;
        ao.port = server_->port();  // the fixture's server holds it
        ApiServer second(*engine_, ao);
        try {
            second.start();
            QFAIL("a second server bound a port in use");
        } catch (const IoError& e) {
            QVERIFY2(std::string(e.what()).find("127.0.0.1:" + std::to_string(ao.port)) != std::string::npos, e.what());
        }
        QVERIFY(!second.running());
        auto r = client().Get("/health");  // the first one still answers
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    void stuckClientsTimeOut() {
        ApiServerOptions ao;
        ao.port = 0;
        ao.timeout_s = 1;
        ApiServer server(*engine_, ao);
        server.start();
        // A client that announces a body and never sends it: the server hangs up after the read timeout.
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<uint16_t>(server.port()));
        QCOMPARE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
        QCOMPARE(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
        timeval wait{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        const auto start = std::chrono::steady_clock::now();
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ::close(fd);
        QVERIFY2(n == 0, "the server kept the stuck connection open for 10 s");
        QVERIFY2(seconds < 8, std::to_string(seconds).c_str());
        server.stop();
    }

    void requestLogHasEveryRequest() {
        const auto entries = log();
        QVERIFY(entries.size() >= 10);
        bool saw_stream = false, saw_error = false;
        for (const auto& e : entries) {
            QVERIFY(e.remote.rfind("127.0.0.1:", 0) == 0);
            if (e.stream && e.status == 200 && e.finish == "length") saw_stream = true;
            if (e.status == 400 && !e.error.empty()) saw_error = true;
        }
        QVERIFY(saw_stream);
        QVERIFY(saw_error);
        // Each request opens its own connection, served by any of the pool's threads, and is logged after its
        // answer is sent: the client's next request may be logged first. So: found, not first.
        bool saw_models = false;
        for (const auto& e : entries) saw_models |= e.line().find("GET /v1/models 200") != std::string::npos;
        QVERIFY2(saw_models, entries.front().line().c_str());
    }
};

LATHE_TEST(TestApiServer)
#include "test_api_server.moc"
