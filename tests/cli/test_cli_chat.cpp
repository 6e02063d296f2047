// lathe-cli chat reads messages from stdin, one a line, and answers each; /clear and /system forget the
// conversation, /exit ends it. The model is a rote model (tests/core/model/test_generate_models.h): it
// answers "remembered" when the prompt holds a token of the first message, which only the history
// can bring back, and "fresh" otherwise.
#include "tests/cli/cli_fixtures.h"

#include "core/data/template.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/model/test_generate_models.h"

#include <QtTest>

#include <algorithm>
#include <set>

using namespace lathe;

namespace {

const std::string kFirst = "apple pie";  // its tokens are the markers
const std::string kSecond = "banana";
const std::string kSystem = "Be brief.";
const std::string kFresh = "Sure, here it is.";
const std::string kRemembered = "I remember you!";  // no id shared with kFresh

}  // namespace

class TestCliChat : public QObject {
    Q_OBJECT

    std::string dir_;

private slots:
    void initTestCase() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        const std::string tok_dir = test::shared_tokenizer_dir("llama2");
        auto tok = Tokenizer::from_dir(tok_dir);
        const ChatTemplate& tmpl = *find_template(pick_template(tok.get(), "llama"));
        const auto first = tmpl.encode_generation(*tok, {{Role::User, kFirst}});
        std::set<int32_t> elsewhere;  // ids of every prompt that must not look like the first message
        for (const auto& ids : {tmpl.encode_generation(*tok, {{Role::User, kSecond}}),
                                tmpl.encode_generation(*tok, {{Role::User, kSecond}}, kSystem)})
            elsewhere.insert(ids.begin(), ids.end());
        test::RoteSpec spec;
        spec.vocab_size = tok->vocab_size();
        spec.reply = tok->encode(kFresh);
        spec.marked_reply = tok->encode(kRemembered);
        spec.eos = tok->special().eos_id;
        for (const auto* reply : {&spec.reply, &spec.marked_reply}) elsewhere.insert(reply->begin(), reply->end());
        for (int32_t id : first)
            if (!elsewhere.count(id) && id != spec.eos) spec.markers.push_back(id);
        QVERIFY2(!spec.markers.empty(), "the first message has no token of its own");
        QVERIFY2(test::rote_problem(spec).empty(), test::rote_problem(spec).c_str());
        // The prompt ends with the assistant header, which must be none of the answers' ids.
        for (const auto* reply : {&spec.reply, &spec.marked_reply})
            QVERIFY(std::find(reply->begin(), reply->end(), first.back()) == reply->end());
        auto m = test::rote_model(spec);
        dir_ = test::write_model_folder(*m, "chat-rote", tok_dir);
    }

    void answersEveryLine() {
        auto r = test::run_cli({"chat", "--model", dir_}, kSecond + "\n" + kFirst + "\n");
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(r.out, kFresh + "\n" + kRemembered + "\n");
    }

    // The history goes back into the prompt, so the second answer still "remembers" the first message.
    void keepsTheConversation() {
        auto r = test::run_cli({"chat", "--model", dir_}, kFirst + "\n" + kSecond + "\n");
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(r.out, kRemembered + "\n" + kRemembered + "\n");
    }

    void clearForgetsTheConversation() {
        auto r = test::run_cli({"chat", "--model", dir_}, kFirst + "\n/clear\n" + kSecond + "\n");
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(r.out, kRemembered + "\n" + kFresh + "\n");
        // /system sets a new system prompt and starts over too.
        r = test::run_cli({"chat", "--model", dir_}, kFirst + "\n/system " + kSystem + "\n" + kSecond + "\n");
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(r.out, kRemembered + "\n" + kFresh + "\n");
    }

    void exitAndEmptyLines() {
        auto r = test::run_cli({"chat", "--model", dir_, "--system", kSystem}, "\n" + kSecond + "\n/exit\n" + kFirst + "\n");
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(r.out, kFresh + "\n");
        r = test::run_cli({"chat", "--model", dir_}, "");
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.empty());
    }

    void unknownTemplateIsAnError() {
        auto r = test::run_cli({"chat", "--model", dir_, "--template", "no-such-template"}, kSecond + "\n");
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, "no-such-template"), r.err.c_str());
        QVERIFY(r.out.empty());
    }
};

LATHE_TEST(TestCliChat)
#include "test_cli_chat.moc"
