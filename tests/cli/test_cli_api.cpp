// lathe-cli api: --help explains the options; settings that must not run (another address without a key,
// an unknown YAML key, no model) are refused with the reason; a real run on a free port answers HTTP with
// the key from API_KEY, logs each request, and stops cleanly on SIGTERM.
// LibTorch before any Qt header: Qt's `slots` macro breaks its headers (this file has no PCH).
#include <torch/torch.h>

#include "tests/cli/cli_fixtures.h"
#include "tests/core/serve/serve_fixtures.h"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <QProcess>
#include <QProcessEnvironment>
#include <QtTest>

using namespace lathe;

class TestCliApi : public QObject {
    Q_OBJECT

    std::string dir_;

private slots:
    void initTestCase() { dir_ = test::serve_model_dir(); }

    void helpExplainsEveryOption() {
        const auto r = test::run_cli({"api", "--help"});
        QCOMPARE(r.code, 0);
        for (const char* option : {"--model", "--adapter", "--template", "--host", "--port", "--api-key", "--max-concurrency",
                                   "--max-queue", "API_HOST", "API_PORT", "API_KEY", "/v1/chat/completions", "/v1/completions",
                                   "/v1/models", "/health", "model_name_or_path"})
            QVERIFY2(test::contains(r.out, option), option);
    }

    void refusesWhatMustNotRun() {
        auto r = test::run_cli({"api", "--model", "/nonexistent-model", "--host", "0.0.0.0"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "API key"), r.why().c_str());
        QVERIFY2(!test::contains(r.err, "loading"), r.why().c_str());  // refused before any loading
        r = test::run_cli({"api", "--model", "/nonexistent-model"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "/nonexistent-model"), r.why().c_str());
        const std::string yaml = test::scratch_dir() + "/api-bad.yaml";
        write_file_atomic(yaml, "model_name_or_path: /x\nlearning_rat: 1\n");
        r = test::run_cli({"api", yaml});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "api-bad.yaml:2") && test::contains(r.err, "learning_rat"), r.why().c_str());
        r = test::run_cli({"api"});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "--model"), r.why().c_str());
    }

    void servesUntilStopped() {
        LATHE_SKIP_WITHOUT_SERVE_MODEL(dir_);
        const std::string yaml = test::scratch_dir() + "/api.yaml";
        write_file_atomic(yaml, "model_name_or_path: " + dir_ + "\nfinetuning_type: lora\ntemperature: 0\n");
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("API_KEY", "k3y");
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(LATHE_CLI_EXE), {"api", QString::fromStdString(yaml), "max_new_tokens=7", "--port", "0",
                                                  "--model-name", "mine"});
        QVERIFY(p.waitForStarted(30000));
        std::string out;
        int port = 0;
        for (int i = 0; i < 600 && port == 0; ++i) {
            p.waitForReadyRead(100);
            out += p.readAllStandardOutput().toStdString();
            const size_t at = out.find("\nport ");
            if (at != std::string::npos && out.find('\n', at + 1) != std::string::npos) port = std::stoi(out.substr(at + 6));
            QVERIFY2(p.state() == QProcess::Running, p.readAllStandardError().constData());
        }
        QVERIFY2(port > 0, out.c_str());
        QVERIFY2(test::contains(out, "curl http://127.0.0.1:" + std::to_string(port) + "/v1/chat/completions"), out.c_str());
        QVERIFY2(test::contains(out, "Authorization: Bearer"), out.c_str());

        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(60, 0);
        auto denied = c.Get("/v1/models");
        QVERIFY(denied);
        QCOMPARE(denied->status, 401);
        const httplib::Headers key{{"Authorization", "Bearer k3y"}};
        auto models = c.Get("/v1/models", key);
        QVERIFY(models);
        QCOMPARE(nlohmann::json::parse(models->body)["data"][0]["id"].get<std::string>(), std::string("mine"));
        auto r = c.Post("/v1/chat/completions", key, R"({"messages": [{"role": "user", "content": "Hello"}]})", "application/json");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const auto j = nlohmann::json::parse(r->body);
        QCOMPARE(j["usage"]["completion_tokens"].get<int>(), 7);  // max_new_tokens=7 is the server's default
        QCOMPARE(j["choices"][0]["finish_reason"].get<std::string>(), std::string("length"));

        p.terminate();  // SIGTERM
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const std::string err = p.readAllStandardError().toStdString();
        QVERIFY2(test::contains(err, "POST /v1/chat/completions 200"), err.c_str());
        QVERIFY2(test::contains(err, "GET /v1/models 401"), err.c_str());
        QVERIFY2(test::contains(err, "stopping"), err.c_str());
    }
};

LATHE_TEST(TestCliApi)
#include "test_cli_api.moc"
