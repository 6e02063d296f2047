// The OpenAI wire format: request bodies parse into ApiCall (unknown fields ignored; wrong JSON, types and
// values refused with a 400 naming the field), responses and stream chunks have OpenAI's shape, the key
// comparison and the loopback test behave.
#include "tests/registry.h"

#include "core/serve/openai_api.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <random>

using namespace lathe;
using nlohmann::json;

namespace {

// The ApiError a body raises ("" param and status 0 when it parses).
ApiError api_error_of(bool chat, const std::string& body) {
    try {
        if (chat) parse_chat_request(body);
        else parse_completion_request(body);
    } catch (const ApiError& e) {
        return e;
    }
    return ApiError(0, "parsed");
}

}  // namespace

class TestOpenaiApi : public QObject {
    Q_OBJECT

private slots:
    void chatRequestReadsEveryField() {
        const ApiCall c = parse_chat_request(R"({
            "model": "mine", "stream": true, "stream_options": {"include_usage": true},
            "messages": [{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": [{"type": "text", "text": "Hi "}, {"type": "text", "text": "there"}]},
                         {"role": "assistant", "content": "Hello."},
                         {"role": "user", "content": "Bye"}],
            "max_tokens": 10, "max_completion_tokens": 20, "temperature": 0, "top_p": 0.5, "stop": ["\n", "END"],
            "seed": 3, "frequency_penalty": 0.5, "tools": [], "some_future_field": {"x": 1}})");
        QCOMPARE(c.model, std::string("mine"));
        QVERIFY(c.stream && c.include_usage);
        QCOMPARE(c.system, std::string("Be brief."));
        QCOMPARE(c.messages.size(), size_t(3));
        QCOMPARE(c.messages[0].content, std::string("Hi there"));
        QVERIFY(c.messages[1].role == Role::Assistant);
        QCOMPARE(*c.max_tokens, int64_t(20));  // max_completion_tokens wins
        QCOMPARE(*c.temperature, 0.0);
        QCOMPARE(*c.top_p, 0.5);
        QCOMPARE(c.stop, (std::vector<std::string>{"\n", "END"}));
        QCOMPARE(*c.seed, uint64_t(3));
        const ApiCall d = parse_chat_request(R"({"messages": [{"role": "user", "content": "x"}], "stop": "S", "temperature": null})");
        QVERIFY(!d.stream && !d.max_tokens && !d.temperature);
        QCOMPARE(d.stop, std::vector<std::string>{"S"});
        QVERIFY(!d.enable_thinking);  // unset: the template's default
        const ApiCall quiet = parse_chat_request(
            R"({"messages": [{"role": "user", "content": "x"}], "chat_template_kwargs": {"enable_thinking": false, "other": 1}})");
        QVERIFY(quiet.enable_thinking && !*quiet.enable_thinking);
    }

    void completionPromptForms() {
        QCOMPARE(parse_completion_request(R"({"prompt": "Once"})").prompt, std::string("Once"));
        QCOMPARE(parse_completion_request(R"({"prompt": ["Once"]})").prompt, std::string("Once"));
        QCOMPARE(parse_completion_request(R"({"prompt": [1, 2, 3]})").prompt_ids, (std::vector<int32_t>{1, 2, 3}));
        QCOMPARE(parse_completion_request(R"({"prompt": [[4, 5]]})").prompt_ids, (std::vector<int32_t>{4, 5}));
        QCOMPARE(api_error_of(false, R"({"prompt": ["a", "b"]})").param, std::string("prompt"));
        QCOMPARE(api_error_of(false, R"({"prompt": ""})").param, std::string("prompt"));
        QCOMPARE(api_error_of(false, R"({"prompt": [1, -2]})").param, std::string("prompt[1]"));
        QCOMPARE(api_error_of(false, R"({})").param, std::string("prompt"));
    }

    void badRequestsNameTheField_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("param");
        QTest::addColumn<QString>("says");
        const QString ok = R"("messages": [{"role": "user", "content": "x"}])";
        QTest::newRow("not json") << "{\"messages\": [" << "" << "not valid JSON";
        QTest::newRow("not an object") << "[1, 2]" << "" << "must be a JSON object";
        QTest::newRow("number too large") << "{" + ok + R"(, "temperature": 1e99999})" << "" << "not valid JSON";
        QTest::newRow("empty") << "" << "" << "empty";
        QTest::newRow("no messages") << "{}" << "messages" << "required";
        QTest::newRow("messages not array") << R"({"messages": "hi"})" << "messages" << "expected an array";
        QTest::newRow("temperature type") << "{" + ok + R"(, "temperature": "hot"})" << "temperature" << "expected a number";
        QTest::newRow("temperature range") << "{" + ok + R"(, "temperature": 3})" << "temperature" << "out of range";
        QTest::newRow("top_p zero") << "{" + ok + R"(, "top_p": 0})" << "top_p" << "out of range";
        QTest::newRow("max_tokens type") << "{" + ok + R"(, "max_tokens": 1.5})" << "max_tokens" << "expected an integer";
        QTest::newRow("max_tokens zero") << "{" + ok + R"(, "max_tokens": 0})" << "max_tokens" << "at least 1";
        QTest::newRow("stream type") << "{" + ok + R"(, "stream": "yes"})" << "stream" << "true or false";
        QTest::newRow("stop type") << "{" + ok + R"(, "stop": 5})" << "stop" << "a string or an array";
        QTest::newRow("stop item") << "{" + ok + R"(, "stop": ["a", 1]})" << "stop[1]" << "expected a string";
        QTest::newRow("n") << "{" + ok + R"(, "n": 2})" << "n" << "only n = 1";
        QTest::newRow("kwargs type") << "{" + ok + R"(, "chat_template_kwargs": [1]})" << "chat_template_kwargs"
                                     << "expected an object";
        QTest::newRow("enable_thinking type") << "{" + ok + R"(, "chat_template_kwargs": {"enable_thinking": "no"}})"
                                              << "chat_template_kwargs.enable_thinking" << "true or false";
        QTest::newRow("tool role") << R"({"messages": [{"role": "tool", "content": "x"}]})" << "messages[0].role" << "not supported";
        QTest::newRow("two users") << R"({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})"
                                   << "messages[1].role" << "alternate";
        QTest::newRow("ends with assistant")
            << R"({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]})" << "messages"
            << "last message";
        QTest::newRow("late system") << R"({"messages": [{"role": "user", "content": "a"}, {"role": "system", "content": "b"}]})"
                                     << "messages[1].role" << "before the conversation";
        QTest::newRow("image part")
            << R"({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]})"
            << "messages[0].content[0].type" << "only text parts";
    }
    void badRequestsNameTheField() {
        QFETCH(QString, body);
        QFETCH(QString, param);
        QFETCH(QString, says);
        const ApiError e = api_error_of(true, body.toStdString());
        QCOMPARE(e.status, 400);
        QCOMPARE(QString::fromStdString(e.param), param);
        QVERIFY2(std::string(e.what()).find(says.toStdString()) != std::string::npos, e.what());
        const json j = json::parse(e.json());
        QCOMPARE(j["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        QCOMPARE(j["error"]["message"].get<std::string>(), std::string(e.what()));
        if (param.isEmpty()) QVERIFY(j["error"]["param"].is_null());
        else QCOMPARE(QString::fromStdString(j["error"]["param"].get<std::string>()), param);
    }

    void responseShapes() {
        ApiAnswer a;
        a.id = "chatcmpl-x";
        a.model = "m";
        a.created = 5;
        a.text = "Hello";
        a.finish = "stop";
        a.prompt_tokens = 3;
        a.completion_tokens = 2;
        json j = json::parse(completion_json(a));
        QCOMPARE(j["object"].get<std::string>(), std::string("chat.completion"));
        QCOMPARE(j["choices"][0]["message"]["content"].get<std::string>(), std::string("Hello"));
        QCOMPARE(j["choices"][0]["message"]["role"].get<std::string>(), std::string("assistant"));
        QCOMPARE(j["choices"][0]["finish_reason"].get<std::string>(), std::string("stop"));
        QCOMPARE(j["usage"]["total_tokens"].get<int>(), 5);
        json first = json::parse(chunk_json(a, "", true, ""));
        QCOMPARE(first["object"].get<std::string>(), std::string("chat.completion.chunk"));
        QCOMPARE(first["choices"][0]["delta"]["role"].get<std::string>(), std::string("assistant"));
        QVERIFY(first["choices"][0]["finish_reason"].is_null());
        json last = json::parse(chunk_json(a, "", false, "length"));
        QVERIFY(last["choices"][0]["delta"].empty());
        QCOMPARE(last["choices"][0]["finish_reason"].get<std::string>(), std::string("length"));
        json usage = json::parse(usage_chunk_json(a));
        QVERIFY(usage["choices"].empty());
        QCOMPARE(usage["usage"]["completion_tokens"].get<int>(), 2);
        a.chat = false;
        j = json::parse(completion_json(a));
        QCOMPARE(j["object"].get<std::string>(), std::string("text_completion"));
        QCOMPARE(j["choices"][0]["text"].get<std::string>(), std::string("Hello"));
        QCOMPARE(json::parse(chunk_json(a, "lo", false, ""))["choices"][0]["text"].get<std::string>(), std::string("lo"));
        j = json::parse(models_json("mine", 9));
        QCOMPARE(j["data"][0]["id"].get<std::string>(), std::string("mine"));
        QCOMPARE(j["object"].get<std::string>(), std::string("list"));
        a.text = "half a character: \xe2\x82";  // a model may stop inside a UTF-8 sequence
        QVERIFY(json::parse(completion_json(a))["choices"][0]["text"].get<std::string>().find("\xef\xbf\xbd") != std::string::npos);
        const std::string id = new_response_id("cmpl-");
        QCOMPARE(id.size(), size_t(5 + 24));
        QVERIFY(id != new_response_id("cmpl-"));
    }

    // The parser faces the network: mangled bodies (bytes flipped, cut, duplicated; values swapped for
    // other JSON types; deep nesting) either parse or raise ApiError 400, never anything else.
    void mangledBodiesOnlyRaiseApiError() {
        const std::vector<std::string> seeds = {
            R"({"model": "m", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "hi"}]}], "max_tokens": 5, "temperature": 0.5, "top_p": 0.9, "stop": ["a"], "seed": 1, "stream": true, "stream_options": {"include_usage": true}})",
            R"({"prompt": [[1, 2, 3]], "max_completion_tokens": 3, "top_k": 4, "repetition_penalty": 1.1, "n": 1})",
        };
        const std::vector<std::string> values = {"null", "true", "-1", "0", "1e308", "18446744073709551615", "\"\"", "[]", "{}",
                                                 "[[[[]]]]", "\"\\u0000\"", "-9223372036854775808", "0.0001"};
        std::mt19937 rng(12345);
        int parsed = 0, refused = 0;
        for (int i = 0; i < 6000; ++i) {
            std::string body = seeds[static_cast<size_t>(i) % seeds.size()];
            const int edits = 1 + static_cast<int>(rng() % 4);
            for (int e = 0; e < edits && !body.empty(); ++e) {
                const size_t at = rng() % body.size();
                switch (rng() % 5) {
                    case 0: body[at] = static_cast<char>(rng() % 256); break;
                    case 1: body.erase(at); break;
                    case 2: body.insert(at, body.substr(at, rng() % 16)); break;
                    case 3: {  // a value after a colon becomes another JSON value
                        const size_t colon = body.find(':', at);
                        if (colon == std::string::npos) break;
                        const size_t end = body.find_first_of(",}", colon);
                        body.replace(colon + 1, (end == std::string::npos ? body.size() : end) - colon - 1,
                                     values[rng() % values.size()]);
                        break;
                    }
                    default: body.insert(at, std::string(rng() % 2000, '['));
                }
            }
            for (bool chat : {true, false}) {
                try {
                    if (chat) parse_chat_request(body);
                    else parse_completion_request(body);
                    ++parsed;
                } catch (const ApiError& err) {
                    QCOMPARE(err.status, 400);
                    QVERIFY(json::parse(err.json(), nullptr, false).is_object());
                    ++refused;
                } catch (const std::exception& other) {
                    QFAIL(("not an ApiError: " + std::string(other.what()) + " for body " + body.substr(0, 300)).c_str());
                }
            }
        }
        QVERIFY(parsed > 100 && refused > 1000);  // both outcomes were exercised
    }

    void keysAndHosts() {
        QVERIFY(constant_time_equal("secret", "secret"));
        QVERIFY(!constant_time_equal("secret", "secreT"));
        QVERIFY(!constant_time_equal("secret", "secret2"));
        QVERIFY(!constant_time_equal("", "x"));
        QVERIFY(constant_time_equal("", ""));
        QVERIFY(is_loopback_host("127.0.0.1"));
        QVERIFY(is_loopback_host("127.1.2.3"));
        QVERIFY(is_loopback_host("localhost"));
        QVERIFY(is_loopback_host("::1"));
        QVERIFY(!is_loopback_host("0.0.0.0"));
        QVERIFY(!is_loopback_host("192.168.1.5"));
        QVERIFY(!is_loopback_host("::"));
    }
};

LATHE_TEST(TestOpenaiApi)
#include "test_openai_api.moc"
