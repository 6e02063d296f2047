// Chat with real widgets and a tiny model: tokens stream into the view, Korean goes in and out, an
// adapter is swapped without reloading the base, and side by side answers with base and fine-tuned.
#include "core/chat/chat_session.h"
#include "core/util/error.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/chat_controller.h"
#include "ui/chat_tab.h"
#include "ui/language.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "widgets/chat_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

using namespace lathe;
using namespace lathe::test;

namespace {

ChatOptions greedy(int tokens) {
    ChatOptions o;
    o.temperature = 0;
    o.max_new_tokens = tokens;
    return o;
}

}  // namespace

class TestUiChat : public QObject {
    Q_OBJECT
private slots:
    void sessionSwapsAdaptersWithoutReloadingTheBase() {
        ChatSession s;
        s.load(ui_model_dir(), "cpu");
        s.set_template("chatml");
        const std::vector<Message> q = {{Role::User, "Who are you?"}};
        const ChatReply base = s.reply(q, "", greedy(12), ChatVariant::Base);
        QVERIFY(base.new_tokens > 0);
        const std::string a1 = ui_make_adapter("chat-adapter-1", 1), a2 = ui_make_adapter("chat-adapter-2", 2);
        s.set_adapter(a1);
        QVERIFY(s.has_adapter() && !s.adapter_is_full_model());
        const ChatReply t1 = s.reply(q, "", greedy(12), ChatVariant::Tuned);
        // With the adapter switched off the base answers exactly as before it was attached.
        QCOMPARE(QString::fromStdString(s.reply(q, "", greedy(12), ChatVariant::Base).text), QString::fromStdString(base.text));
        QVERIFY2(t1.text != base.text, "a random adapter changes the answer");
        s.set_adapter(a2);
        const ChatReply t2 = s.reply(q, "", greedy(12), ChatVariant::Tuned);
        QVERIFY(t2.text != t1.text);
        s.set_adapter("");
        QVERIFY(!s.has_adapter());
        QCOMPARE(QString::fromStdString(s.reply(q, "", greedy(12), ChatVariant::Tuned).text), QString::fromStdString(base.text));
        // Cancellation stops at once.
        std::atomic<bool> cancel{true};
        QCOMPARE(QString::fromStdString(s.reply(q, "", greedy(50), ChatVariant::Tuned, {}, &cancel).finish), QString("cancelled"));
    }

    // lathe-cli chat --adapter A,B: adapters merged into the base at load answer as the same adapter
    // attached and switched on; the base then has no switch left.
    void sessionMergesAdaptersAtLoad() {
        const std::vector<Message> q = {{Role::User, "Who are you?"}};
        const std::string a1 = ui_make_adapter("chat-adapter-1", 1);
        ChatSession attached;
        attached.load(ui_model_dir(), "cpu", 0, "f32");
        attached.set_template("chatml");
        const ChatReply base = attached.reply(q, "", greedy(12), ChatVariant::Base);
        attached.set_adapter(a1);
        const ChatReply tuned = attached.reply(q, "", greedy(12), ChatVariant::Tuned);
        QVERIFY2(tuned.text != base.text, "a random adapter changes the answer");

        ChatSession merged;
        merged.load(ui_model_dir(), "cpu", 0, "f32", {a1});
        merged.set_template("chatml");
        QVERIFY(!merged.has_adapter());
        QCOMPARE(QString::fromStdString(merged.reply(q, "", greedy(12), ChatVariant::Tuned).text),
                 QString::fromStdString(tuned.text));
        QCOMPARE(QString::fromStdString(merged.reply(q, "", greedy(12), ChatVariant::Base).text),
                 QString::fromStdString(tuned.text));
    }

    // Packed weights answer through the same session: adapters still switch on a bf16 or int8 base.
    void sessionRunsOnPackedWeights() {
        const std::vector<Message> q = {{Role::User, "Who are you?"}};
        ChatSession f32;
        f32.load(ui_model_dir(), "cpu", 0, "f32");
        f32.set_template("chatml");
        const ChatReply ref = f32.reply(q, "", greedy(6), ChatVariant::Base);
        for (const char* w : {"bf16", "int8"}) {
            ChatSession s;
            s.load(ui_model_dir(), "cpu", 0, w);
            s.set_template("chatml");
            QVERIFY2(QString::fromStdString(s.describe()).contains(QString(w) + " weights"), s.describe().c_str());
            const ChatReply base = s.reply(q, "", greedy(6), ChatVariant::Base);
            QVERIFY(base.new_tokens > 0);
            QCOMPARE(QString::fromStdString(base.text).left(2), QString::fromStdString(ref.text).left(2));
            s.set_adapter(ui_make_adapter("chat-adapter-1", 1));
            const ChatReply tuned = s.reply(q, "", greedy(6), ChatVariant::Tuned);
            QVERIFY2(tuned.text != base.text, "the adapter changes the answer on packed weights too");
            QCOMPARE(QString::fromStdString(s.reply(q, "", greedy(6), ChatVariant::Base).text),
                     QString::fromStdString(base.text));
        }
    }

    void sessionErrorsAreMessages() {
        ChatSession s;
        try {
            s.reply({{Role::User, "hi"}}, "", greedy(4), ChatVariant::Tuned);
            QFAIL("no error without a model");
        } catch (const std::exception& e) {
            QVERIFY2(QString(e.what()).contains("no model is loaded"), e.what());
        }
        try {
            s.load(scratch_dir() + "/missing-model", "cpu");
            QFAIL("no error for a missing folder");
        } catch (const std::exception& e) {
            QVERIFY2(QString(e.what()).contains("missing-model"), e.what());
        }
        // Options are checked before anything loads (lathe-cli chat refuses them before reading a model).
        ChatOptions bad = greedy(4);
        bad.top_p = 1.5;
        try {
            bad.validate();
            QFAIL("top_p 1.5 accepted");
        } catch (const ConfigError& e) {
            QVERIFY2(QString(e.what()).contains("top_p"), e.what());
        }
        try {
            greedy(0).validate();
            QFAIL("max_new_tokens 0 accepted");
        } catch (const ConfigError& e) {
            QVERIFY2(QString(e.what()).contains("max_new_tokens"), e.what());
        }
    }

    // A model that cannot load is said in the studio's language.
    void aLoadFailureIsWordedInKorean() {
        const KoreanUi korean;
        QVERIFY(korean.installed());
        ui::ChatController controller;
        QSignalSpy failed(&controller, &ui::ChatController::failed);
        const QString gone = QString::fromStdString(scratch_dir() + "/no-such-chat-model");
        controller.load(gone, QString(), "chatml");
        QVERIFY(wait_until([&] { return failed.count() == 1; }, 30000));
        QCOMPARE(failed.at(0).at(0).toString(), QString::fromUtf8("모델 폴더 '%1'이(가) 없습니다").arg(gone));
    }

    void tokensStreamIntoTheView() {
        ui::MainWindow w;
        w.show();
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
        w.modelBar()->setTemplateName("chatml");
        ui::ChatTab* tab = w.chatTab();
        ui::ChatSampling s;
        s.temperature = 0;
        s.maxNewTokens = 24;
        tab->setSampling(s);
        // The weights box reaches the engine: the status names what was loaded.
        tab->weights()->setCurrentIndex(tab->weights()->findData("int8"));
        tab->load();
        QVERIFY2(wait_until([&] { return w.chatController()->isLoaded() && !w.chatController()->isBusy(); }, 30000),
                 qPrintable(tab->statusText()));
        QVERIFY(tab->statusText().contains("llama"));
        QVERIFY2(tab->statusText().contains("int8 weights"), qPrintable(tab->statusText()));
        QCOMPARE(QSettings().value("chat/weights").toString(), QString("int8"));  // remembered for next time
        QSettings().remove("chat/weights");

        QSignalSpy pieces(w.chatController(), &ui::ChatController::piece);
        QSignalSpy done(w.chatController(), &ui::ChatController::replyDone);
        w.tabs()->setCurrentWidget(tab);
        tab->input()->setFocus();
        tab->input()->setPlainText(QString::fromUtf8("너는 누구니?"));  // keyClicks only types Latin-1
        QTest::keyClick(tab->input(), Qt::Key_Return, Qt::ControlModifier);  // the send shortcut
        QVERIFY(wait_until([&] { return done.count() == 1; }, 30000));
        QVERIFY(pieces.count() >= 1);
        QString streamed;
        for (const auto& args : pieces) streamed += args.at(1).toString();
        widgets::ChatView* view = tab->tunedView();
        QCOMPARE(view->count(), 2);
        QCOMPARE(view->text(0), QString::fromUtf8("너는 누구니?"));
        QCOMPARE(view->text(1), streamed);
        QVERIFY(!streamed.isEmpty());
        QVERIFY(tab->input()->toPlainText().isEmpty());
        QVERIFY(tab->sendButton()->isEnabled());
    }

    // A reasoning model's thought goes above the answer, greyed, and stays in the history as written; the
    // "Think before answering" box reaches the engine's options and is remembered.
    void thoughtShownApartFromTheAnswer() {
        ui::MainWindow w;
        w.show();
        w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
        w.modelBar()->setTemplateName("chatml");
        ui::ChatTab* tab = w.chatTab();
        QVERIFY(tab->thinking()->isChecked());  // on by default, as LLaMA-Factory's enable_thinking
        tab->thinking()->setChecked(false);
        QVERIFY(!tab->sampling().thinking);
        QCOMPARE(QSettings().value("chat/thinking").toBool(), false);
        tab->thinking()->setChecked(true);
        QSettings().remove("chat/thinking");
        ui::ChatSampling s;
        s.temperature = 0;
        s.maxNewTokens = 4;
        tab->setSampling(s);
        tab->load();
        QVERIFY2(wait_until([&] { return w.chatController()->isLoaded() && !w.chatController()->isBusy(); }, 30000),
                 qPrintable(tab->statusText()));
        QSignalSpy done(w.chatController(), &ui::ChatController::replyDone);
        tab->input()->setPlainText("why?");
        tab->send();
        // Before the engine's own pieces (queued to this thread) arrive: an open thought, then its close.
        emit w.chatController()->piece(int(ui::ChatSide::Tuned), "<think>\nweighing");
        widgets::ChatView* view = tab->tunedView();
        QCOMPARE(view->aside(1), QString("weighing"));
        QCOMPARE(view->text(1), QString());
        emit w.chatController()->piece(int(ui::ChatSide::Tuned), " it\n</think>\n\nAnswer: ");
        QCOMPARE(view->aside(1), QString("weighing it"));
        QCOMPARE(view->text(1), QString("Answer: "));
        QVERIFY(wait_until([&] { return done.count() == 1; }, 30000));
        QCOMPARE(view->aside(1), QString("weighing it"));
        QVERIFY2(view->text(1).startsWith("Answer: "), qPrintable(view->text(1)));
        QVERIFY(!view->plainText().contains("<think>"));
        // The thought's caption is worded again with the language, the thought itself kept.
        QCOMPARE(view->asideCaption(1), QString("Thought"));
        w.setLanguage("ko");
        QVERIFY2(wait_until([&] { return view->asideCaption(1) == QString::fromUtf8("생각"); }, 5000),
                 qPrintable(view->asideCaption(1)));
        QCOMPARE(view->aside(1), QString("weighing it"));
        QVERIFY2(view->text(1).startsWith("Answer: "), qPrintable(view->text(1)));
        w.setLanguage("en");
        QVERIFY(wait_until([&] { return view->asideCaption(1) == "Thought"; }, 5000));
    }

    void sideBySideAnswersWithBaseAndFineTuned() {
        ui::MainWindow w;
        w.show();
        w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
        w.modelBar()->setTemplateName("chatml");
        const QString adapter = QString::fromStdString(ui_make_adapter("chat-adapter-3", 3));
        w.modelBar()->setCheckpoint(adapter);
        ui::ChatTab* tab = w.chatTab();
        ui::ChatSampling s;
        s.temperature = 0;
        s.maxNewTokens = 16;
        tab->setSampling(s);
        tab->load();
        QVERIFY2(wait_until([&] { return w.chatController()->isLoaded() && !w.chatController()->isBusy(); }, 30000),
                 qPrintable(tab->statusText()));
        QCOMPARE(w.chatController()->loadedAdapter(), adapter);
        // The "Loaded" status follows a language switch, and comes back.
        QVERIFY2(tab->statusText().startsWith("Loaded: "), qPrintable(tab->statusText()));
        w.setLanguage("ko");
        QVERIFY2(wait_until([&] { return tab->statusText().startsWith(QString::fromUtf8("불러옴: ")); }, 5000),
                 qPrintable(tab->statusText()));
        // The model line in it too (loaded in English, worded again in Korean): parameters, weights, device.
        QVERIFY2(tab->statusText().contains(QString::fromUtf8("파라미터")) && tab->statusText().contains(QString::fromUtf8("가중치")) &&
                     !tab->statusText().contains(" parameters") && !tab->statusText().contains("threads"),
                 qPrintable(tab->statusText()));
        w.setLanguage("en");
        QVERIFY2(wait_until([&] { return tab->statusText().startsWith("Loaded: "); }, 5000), qPrintable(tab->statusText()));
        QVERIFY2(tab->statusText().contains(" parameters"), qPrintable(tab->statusText()));
        tab->sideBySide()->setChecked(true);
        QSignalSpy done(w.chatController(), &ui::ChatController::replyDone);
        tab->input()->setPlainText("Who are you?");
        tab->send();
        QVERIFY(wait_until([&] { return done.count() == 2; }, 30000));
        QCOMPARE(tab->baseView()->count(), 2);
        QCOMPARE(tab->tunedView()->count(), 2);
        QVERIFY2(tab->baseView()->text(1) != tab->tunedView()->text(1), "the adapter changes the answer");
        // The conversation so far is worded again when the language changes: speakers and notes, in both
        // views, and back.
        QCOMPARE(tab->tunedView()->speaker(0), QString("You"));
        QCOMPARE(tab->baseView()->speaker(1), QString("Base model"));
        QCOMPARE(tab->tunedView()->speaker(1), QString("Fine-tuned"));
        QVERIFY2(tab->tunedView()->note(1).contains(" tokens/s"), qPrintable(tab->tunedView()->note(1)));
        w.setLanguage("ko");
        QVERIFY2(wait_until([&] { return tab->tunedView()->speaker(0) == QString::fromUtf8("나"); }, 5000),
                 qPrintable(tab->tunedView()->speaker(0)));
        QCOMPARE(tab->baseView()->speaker(0), QString::fromUtf8("나"));
        QCOMPARE(tab->baseView()->speaker(1), QString::fromUtf8("기본 모델"));
        QCOMPARE(tab->tunedView()->speaker(1), QString::fromUtf8("미세 조정 모델"));
        QVERIFY2(tab->tunedView()->note(1).contains(QString::fromUtf8("초당")) &&
                     tab->baseView()->note(1).contains(QString::fromUtf8("초당")),
                 qPrintable(tab->tunedView()->note(1)));
        QVERIFY2(tab->tunedView()->plainText().startsWith(QString::fromUtf8("나: ")), qPrintable(tab->tunedView()->plainText()));
        w.setLanguage("en");
        QVERIFY(wait_until([&] { return tab->baseView()->speaker(1) == "Base model"; }, 5000));
        QVERIFY2(tab->tunedView()->note(1).contains(" tokens/s"), qPrintable(tab->tunedView()->note(1)));

        // Stop ends a long reply early.
        s.maxNewTokens = 4000;
        tab->setSampling(s);
        tab->sideBySide()->setChecked(false);
        tab->input()->setPlainText("Count to three.");
        tab->send();
        QTest::qWait(50);
        QTest::mouseClick(tab->stopButton(), Qt::LeftButton);
        QVERIFY(wait_until([&] { return done.count() == 3; }, 30000));
        // A tiny random model may also end on its own stop token before the click lands.
        const QString finish = done.at(2).at(1).toString();
        QVERIFY2(finish == "cancelled" || (finish == "stop" && done.at(2).at(2).toLongLong() < 4000), qPrintable(finish));

        // Clear forgets the conversation.
        tab->clear();
        QCOMPARE(tab->tunedView()->count(), 0);
    }
};

LATHE_TEST(TestUiChat)
#include "test_ui_chat.moc"
