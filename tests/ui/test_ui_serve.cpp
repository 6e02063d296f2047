// The Chat tab's Serve switch with real widgets: another address without a key is refused; Serve loads the
// model bar's model and LoRA checkpoint off the UI thread and answers HTTP (greedy answers equal the chat
// engine's with the same adapter), the curl example names the address, every request is logged, and
// stopping closes the port.
#include "core/chat/chat_session.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/chat_tab.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/serve_panel.h"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTest>

#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace lathe;
using namespace lathe::test;

namespace {

// A port nothing listens on right now.
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t n = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    ::close(fd);
    return ntohs(a.sin_port);
}

}  // namespace

class TestUiServe : public QObject {
    Q_OBJECT
private slots:
    void serveSwitchServesTheModelBarsCheckpoint() {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
        w.modelBar()->setTemplateName("chatml");
        const std::string adapter = ui_make_adapter("serve-adapter", 5);
        w.modelBar()->setCheckpoint(QString::fromStdString(adapter));
        ui::ServePanel* panel = w.chatTab()->servePanel();
        QVERIFY(panel);

        // Every network without a key: refused before anything loads.
        panel->host()->setText("0.0.0.0");
        panel->apiKey()->clear();
        QTest::mouseClick(panel->serveButton(), Qt::LeftButton);
        QVERIFY(!panel->isStarting() && !panel->isServing());
        QVERIFY2(panel->statusText().contains("API key"), qPrintable(panel->statusText()));
        QVERIFY(!panel->serveButton()->isChecked());

        panel->host()->setText("127.0.0.1");
        const int port = free_port();
        panel->port()->setValue(port);
        QTest::mouseClick(panel->serveButton(), Qt::LeftButton);
        QVERIFY(panel->isStarting() || panel->isServing());
        QVERIFY2(wait_until([&] { return panel->isServing() || !panel->isStarting(); }, 60000), "serving did not start");
        QVERIFY2(panel->isServing(), qPrintable(panel->statusText()));
        QCOMPARE(panel->url(), QString("http://127.0.0.1:%1").arg(port));
        QVERIFY(panel->curlExample()->toPlainText().contains(panel->url() + "/v1/chat/completions"));
        QVERIFY(!panel->host()->isEnabled());
        QCOMPARE(panel->serveButton()->text(), QString("Stop serving"));
        // The status's model line follows the studio's language (started in English).
        QVERIFY2(panel->statusText().contains(" parameters"), qPrintable(panel->statusText()));
        w.setLanguage("ko");
        QVERIFY2(wait_until([&] {
                     return panel->statusText().contains(QString::fromUtf8("파라미터")) && !panel->statusText().contains(" parameters");
                 }, 5000),
                 qPrintable(panel->statusText()));
        w.setLanguage("en");
        QVERIFY(wait_until([&] { return panel->statusText().contains(" parameters"); }, 5000));
        QCOMPARE(panel->serveButton()->text(), QString("Stop serving"));

        // The answer is the fine-tuned one: the chat engine with the same adapter, greedy.
        ChatSession s;
        s.load(ui_model_dir(), "cpu");
        s.set_template("chatml");
        s.set_adapter(adapter);
        ChatOptions o;
        o.temperature = 0;
        o.max_new_tokens = 10;
        const std::string expected = s.reply({{Role::User, "Who are you?"}}, "", o, ChatVariant::Tuned).text;
        std::string body;
        int status = 0;
        std::thread client([&] {  // the event loop must keep running: the log arrives through it
            httplib::Client c("127.0.0.1", port);
            c.set_read_timeout(60, 0);
            auto r = c.Post("/v1/chat/completions",
                            R"({"messages": [{"role": "user", "content": "Who are you?"}], "max_tokens": 10, "temperature": 0})",
                            "application/json");
            if (r) {
                status = r->status;
                body = r->body;
            }
        });
        QVERIFY(wait_until([&] { return panel->requestLog()->toPlainText().contains("POST /v1/chat/completions"); }, 60000));
        client.join();
        QCOMPARE(status, 200);
        const auto j = nlohmann::json::parse(body);
        QCOMPARE(QString::fromStdString(j["choices"][0]["message"]["content"].get<std::string>()), QString::fromStdString(expected));
        QVERIFY(panel->requestLog()->toPlainText().contains("POST /v1/chat/completions 200"));

        QTest::mouseClick(panel->serveButton(), Qt::LeftButton);
        QVERIFY(!panel->isServing());
        QVERIFY(panel->statusText().contains("Stopped"));
        QVERIFY(panel->curlExample()->toPlainText().isEmpty());
        httplib::Client c("127.0.0.1", port);
        c.set_connection_timeout(2, 0);
        QVERIFY(!c.Get("/health"));  // the port is closed
    }
};

LATHE_TEST(TestUiServe)
#include "test_ui_serve.moc"
