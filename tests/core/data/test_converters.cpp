#include "tests/checks.h"
#include "tests/registry.h"

#include "core/data/converters.h"
#include "core/util/error.h"

#include <QtTest>
#include <functional>

using namespace lathe;
using json = nlohmann::json;

namespace {

const std::string kWhere = "data/x.json record 7 (line 9)";

DatasetEntry alpaca_entry() {
    DatasetEntry e;
    e.name = "x";
    e.file_name = "x.json";
    return e;
}

DatasetEntry sharegpt_entry() {
    DatasetEntry e = alpaca_entry();
    e.formatting = DatasetFormat::Sharegpt;
    return e;
}

DatasetEntry openai_entry() {
    DatasetEntry e = sharegpt_entry();
    e.columns.messages = "messages";
    e.tags.role = "role";
    e.tags.content = "content";
    e.tags.user = "user";
    e.tags.assistant = "assistant";
    e.tags.system = "system";
    e.tags.observation = "";
    e.tags.function = "";
    return e;
}

Sample convert(const json& rec, const DatasetEntry& e, Stage stage) { return convert_record(rec, e, stage, kWhere); }

using lathe::test::error_of;

json turn(const std::string& from, const std::string& value) { return {{"from", from}, {"value", value}}; }

void check_message(const Message& m, Role role, const std::string& content) {
    QCOMPARE(role_name(m.role), role_name(role));
    QCOMPARE(m.content, content);
}

}  // namespace

class TestConverters : public QObject {
    Q_OBJECT
private slots:
    void alpacaJoinsInstructionAndInput() {
        const DatasetEntry e = alpaca_entry();
        Sample s = convert({{"instruction", "Translate"}, {"input", "bonjour"}, {"output", "hello"}}, e, Stage::Sft);
        QVERIFY(s.kind == SampleKind::Chat);
        QCOMPARE(s.prompt.size(), size_t(1));
        check_message(s.prompt[0], Role::User, "Translate\nbonjour");
        QCOMPARE(s.response.size(), size_t(1));
        check_message(s.response[0], Role::Assistant, "hello");
        // Either part may be empty or absent: then no "\n".
        s = convert({{"instruction", "Only instruction"}, {"input", ""}, {"output", "a"}}, e, Stage::Sft);
        QCOMPARE(s.prompt[0].content, std::string("Only instruction"));
        s = convert({{"instruction", "No input field"}, {"output", "a"}}, e, Stage::Sft);
        QCOMPARE(s.prompt[0].content, std::string("No input field"));
        s = convert({{"instruction", ""}, {"input", "only input"}, {"output", "a"}}, e, Stage::Sft);
        QCOMPARE(s.prompt[0].content, std::string("only input"));
        s = convert({{"instruction", "q"}, {"input", nullptr}, {"output", "a"}}, e, Stage::Sft);
        QCOMPARE(s.prompt[0].content, std::string("q"));
    }
    void alpacaHistorySystemAndTools() {
        DatasetEntry e = alpaca_entry();
        e.columns.history = "history";
        e.columns.system = "system";
        e.columns.tools = "tools";
        const json rec = {{"instruction", "q3"},
                          {"input", ""},
                          {"output", "a3"},
                          {"system", "Be brief."},
                          {"history", json::array({json::array({"q1", "a1"}), json::array({"q2", "a2"})})},
                          {"tools", json::array({{{"name", "f"}}})}};
        const Sample s = convert(rec, e, Stage::Sft);
        QCOMPARE(s.prompt.size(), size_t(5));
        check_message(s.prompt[0], Role::User, "q1");
        check_message(s.prompt[1], Role::Assistant, "a1");
        check_message(s.prompt[2], Role::User, "q2");
        check_message(s.prompt[3], Role::Assistant, "a2");
        check_message(s.prompt[4], Role::User, "q3");
        check_message(s.response.at(0), Role::Assistant, "a3");
        QCOMPARE(s.system, std::string("Be brief."));
        QCOMPARE(json::parse(s.tools), rec["tools"]);
        // Without a history column in the entry, a "history" field is not read (as LLaMA-Factory).
        e.columns.history.clear();
        QCOMPARE(convert(rec, e, Stage::Sft).prompt.size(), size_t(1));
    }
    void alpacaFieldErrors() {
        DatasetEntry e = alpaca_entry();
        e.columns.history = "history";
        std::string msg = error_of<DataError>([&] { convert({{"instruction", "q"}}, e, Stage::Sft); });
        QCOMPARE(msg, kWhere + ": missing field 'output'");
        msg = error_of<DataError>([&] { convert({{"instruction", "q"}, {"output", 42}}, e, Stage::Sft); });
        QCOMPARE(msg, kWhere + ": field 'output' is a number, expected a string");
        msg = error_of<DataError>([&] { convert({{"instruction", "q"}, {"output", nullptr}}, e, Stage::Sft); });
        QCOMPARE(msg, kWhere + ": field 'output' is null, expected a string");
        msg = error_of<DataError>([&] { convert({{"instruction", {1}}, {"output", "a"}}, e, Stage::Sft); });
        QCOMPARE(msg, kWhere + ": field 'instruction' is an array, expected a string");
        msg = error_of<DataError>([&] {
            convert({{"instruction", "q"}, {"output", "a"}, {"history", json::array({json::array({"q1"})})}}, e,
                    Stage::Sft);
        });
        QCOMPARE(msg, kWhere + ": field 'history' item 0 is [\"q1\"], expected a [query, response] pair of strings");
        msg = error_of<DataError>([&] { convert({{"instruction", "q"}, {"output", "a"}, {"history", "q1"}}, e, Stage::Sft); });
        QCOMPARE(msg, kWhere + ": field 'history' is a string, expected an array of [query, response] pairs");
    }
    void alpacaRankingPairs() {
        DatasetEntry e = alpaca_entry();
        e.ranking = true;
        e.columns.chosen = "chosen";
        e.columns.rejected = "rejected";
        const Sample s = convert({{"instruction", "Pick"}, {"input", "x"}, {"chosen", "good"}, {"rejected", "bad"}}, e,
                                 Stage::Dpo);
        QVERIFY(s.kind == SampleKind::Preference);
        check_message(s.prompt.at(0), Role::User, "Pick\nx");
        check_message(s.chosen(), Role::Assistant, "good");
        check_message(s.rejected(), Role::Assistant, "bad");
        std::string msg = error_of<DataError>([&] {
            convert({{"instruction", "Pick"}, {"chosen", "same"}, {"rejected", "same"}}, e, Stage::Rm);
        });
        QCOMPARE(msg,
                 kWhere + ": 'chosen' and 'rejected' are identical; a preference pair needs two different responses");
        msg = error_of<DataError>([&] { convert({{"instruction", "Pick"}, {"chosen", "good"}}, e, Stage::Rm); });
        QCOMPARE(msg, kWhere + ": missing field 'rejected'");
    }
    void ktoTag() {
        DatasetEntry e = alpaca_entry();
        e.columns.kto_tag = "label";
        Sample s = convert({{"instruction", "q"}, {"output", "a"}, {"label", false}}, e, Stage::Kto);
        QVERIFY(s.kto_tag.has_value());
        QCOMPARE(*s.kto_tag, false);
        s = convert({{"instruction", "q"}, {"output", "a"}, {"label", "True"}}, e, Stage::Kto);  // a CSV cell
        QCOMPARE(*s.kto_tag, true);
        std::string msg = error_of<DataError>([&] { convert({{"instruction", "q"}, {"output", "a"}}, e, Stage::Kto); });
        QCOMPARE(msg, kWhere + ": missing field 'label'");
        msg = error_of<DataError>([&] { convert({{"instruction", "q"}, {"output", "a"}, {"label", 1}}, e, Stage::Kto); });
        QCOMPARE(msg, kWhere + ": field 'label' is a number, expected true or false");
        msg = error_of<DataError>([&] { convert({{"instruction", "q"}, {"output", "a"}, {"label", "yes"}}, e, Stage::Kto); });
        QCOMPARE(msg, kWhere + ": field 'label' is 'yes', expected true or false");
        // Outside kto the tag is optional.
        QVERIFY(!convert({{"instruction", "q"}, {"output", "a"}}, e, Stage::Sft).kto_tag.has_value());
    }
    void pretrainingText() {
        DatasetEntry e = alpaca_entry();
        e.columns = DatasetColumns{};
        e.columns.query.clear();
        e.columns.response.clear();
        e.columns.prompt = "text";
        const Sample s = convert({{"text", "A document."}, {"meta", 1}}, e, Stage::Pt);
        QVERIFY(s.kind == SampleKind::Text);
        QCOMPARE(s.text, std::string("A document."));
        QVERIFY(s.prompt.empty() && s.response.empty());
        QCOMPARE(error_of<DataError>([&] { convert({{"content", "x"}}, e, Stage::Pt); }), kWhere + ": missing field 'text'");
        QCOMPARE(error_of<DataError>([&] { convert({{"text", ""}}, e, Stage::Pt); }),
                 kWhere + ": field 'text' is empty; a document needs text");
        // sharegpt pre-training reads the first message, as LLaMA-Factory.
        const Sample g =
            convert({{"conversations", {turn("system", "S"), turn("human", "first"), turn("gpt", "second")}}},
                    sharegpt_entry(), Stage::Pt);
        QCOMPARE(g.text, std::string("first"));
    }
    void ppoResponseIsOptional() {
        const Sample s = convert({{"instruction", "q"}}, alpaca_entry(), Stage::Ppo);
        QCOMPARE(s.prompt.size(), size_t(1));
        QVERIFY(s.response.empty());
        const Sample g = convert({{"conversations", {turn("human", "q")}}}, sharegpt_entry(), Stage::Ppo);
        QCOMPARE(g.prompt.size(), size_t(1));
        QVERIFY(g.response.empty());
    }
    void sharegptTurnsAndSystemOverride() {
        DatasetEntry e = sharegpt_entry();
        e.columns.system = "system";
        json rec = {
            {"system", "column system"},
            {"conversations", {turn("human", "u1"), turn("gpt", "a1"), turn("human", "u2"), turn("gpt", "a2")}}};
        Sample s = convert(rec, e, Stage::Sft);
        QCOMPARE(s.system, std::string("column system"));
        QCOMPARE(s.prompt.size(), size_t(3));
        check_message(s.prompt[0], Role::User, "u1");
        check_message(s.prompt[1], Role::Assistant, "a1");
        check_message(s.prompt[2], Role::User, "u2");
        check_message(s.response.at(0), Role::Assistant, "a2");
        rec["conversations"].insert(rec["conversations"].begin(), turn("system", "message system"));
        s = convert(rec, e, Stage::Sft);
        QCOMPARE(s.system, std::string("message system"));
        QCOMPARE(s.prompt.size(), size_t(3));
        check_message(s.prompt[0], Role::User, "u1");
    }
    void sharegptObservationAndFunction() {
        DatasetEntry e = sharegpt_entry();
        e.columns.tools = "tools";
        const json rec = {{"tools", "[{\"name\": \"weather\"}]"},
                          {"conversations",
                           {turn("human", "weather?"), turn("function_call", "{\"name\": \"weather\"}"),
                            turn("observation", "{\"t\": 20}"), turn("gpt", "20 degrees")}}};
        const Sample s = convert(rec, e, Stage::Sft);
        QCOMPARE(s.tools, std::string("[{\"name\": \"weather\"}]"));
        QCOMPARE(s.prompt.size(), size_t(3));
        check_message(s.prompt[1], Role::Function, "{\"name\": \"weather\"}");
        check_message(s.prompt[2], Role::Observation, "{\"t\": 20}");
        check_message(s.response.at(0), Role::Assistant, "20 degrees");
    }
    void openAiTags() {
        const json rec = {{"messages",
                           {{{"role", "system"}, {"content", "S"}},
                            {{"role", "user"}, {"content", "hi"}},
                            {{"role", "assistant"}, {"content", "hello"}}}}};
        const Sample s = convert(rec, openai_entry(), Stage::Sft);
        QCOMPARE(s.system, std::string("S"));
        check_message(s.prompt.at(0), Role::User, "hi");
        check_message(s.response.at(0), Role::Assistant, "hello");
        // With the OpenAI tags, sharegpt's default tags are not roles.
        const json wrong = {
            {"messages", {{{"role", "human"}, {"content", "hi"}}, {{"role", "assistant"}, {"content", "x"}}}}};
        QCOMPARE(error_of<DataError>([&] { convert(wrong, openai_entry(), Stage::Sft); }),
                 kWhere + ": message 1 has role 'human' but a user turn was expected (role 'user')");
    }
    void sharegptRoleOrderErrors() {
        const DatasetEntry e = sharegpt_entry();
        json rec = {{"conversations", {turn("human", "u1"), turn("gpt", "a1"), turn("gpt", "a2"), turn("gpt", "a3")}}};
        QCOMPARE(error_of<DataError>([&] { convert(rec, e, Stage::Sft); }),
                 kWhere + ": message 3 has role 'gpt' but a user turn was expected (role 'human' or 'observation')");
        rec = {{"conversations", {turn("system", "s"), turn("human", "u1"), turn("human", "u2")}}};
        QCOMPARE(
            error_of<DataError>([&] { convert(rec, e, Stage::Sft); }),
            kWhere + ": message 3 has role 'human' but an assistant turn was expected (role 'gpt' or 'function_call')");
        rec = {{"conversations", {turn("human", "u1"), turn("gpt", "a1"), turn("human", "u2")}}};
        QCOMPARE(error_of<DataError>([&] { convert(rec, e, Stage::Sft); }),
                 kWhere + ": the conversation ends with a user turn (message 3); an assistant turn must answer it");
        rec = {{"conversations", {turn("human", "u1"), {{"from", "gpt"}}}}};
        QCOMPARE(error_of<DataError>([&] { convert(rec, e, Stage::Sft); }), kWhere + ": message 2: missing field 'value'");
        // Which message, as data: the studio words "message 2" and the field's problem in its language.
        try {
            convert(rec, e, Stage::Sft);
            QFAIL("no error");
        } catch (const DataError& err) {
            const Problem& p = err.problem();
            QCOMPARE(p.id, std::string("record_in_message"));
            QCOMPARE(p.args, (std::vector<std::string>{"2", "missing field 'value'"}));
            QCOMPARE(p.parts.size(), size_t(2));
            QCOMPARE(p.parts[1].id, std::string("record_missing_field"));
            QCOMPARE(p.parts[1].args, std::vector<std::string>{"value"});
        }
        rec = {{"conversations", {turn("human", "u1"), {{"from", "gpt"}, {"value", 3}}}}};
        QCOMPARE(error_of<DataError>([&] { convert(rec, e, Stage::Sft); }),
                 kWhere + ": message 2: field 'value' is a number, expected a string");
        rec = {{"conversations", {turn("human", "u1"), "a1"}}};
        QCOMPARE(error_of<DataError>([&] { convert(rec, e, Stage::Sft); }),
                 kWhere + ": message 2 is a string, expected an object with 'from' and 'value'");
        QCOMPARE(error_of<DataError>([&] { convert({{"conversations", json::array()}}, e, Stage::Sft); }),
                 kWhere + ": field 'conversations' holds no messages");
        QCOMPARE(error_of<DataError>([&] { convert({{"messages", json::array()}}, e, Stage::Sft); }),
                 kWhere + ": missing field 'conversations'");
        QCOMPARE(error_of<DataError>([&] { convert({{"conversations", "hi"}}, e, Stage::Sft); }),
                 kWhere + ": field 'conversations' is a string, expected an array of messages");
    }
    void sharegptRanking() {
        DatasetEntry e = sharegpt_entry();
        e.ranking = true;
        e.columns.chosen = "chosen";
        e.columns.rejected = "rejected";
        json rec = {{"conversations", {turn("human", "u1"), turn("gpt", "a1"), turn("human", "u2")}},
                    {"chosen", turn("gpt", "good")},
                    {"rejected", turn("gpt", "bad")}};
        const Sample s = convert(rec, e, Stage::Rm);
        QVERIFY(s.kind == SampleKind::Preference);
        QCOMPARE(s.prompt.size(), size_t(3));
        check_message(s.prompt[2], Role::User, "u2");
        check_message(s.chosen(), Role::Assistant, "good");
        check_message(s.rejected(), Role::Assistant, "bad");
        json same = rec;
        same["rejected"] = turn("gpt", "good");
        QCOMPARE(error_of<DataError>([&] { convert(same, e, Stage::Dpo); }),
                 kWhere + ": 'chosen' and 'rejected' are identical; a preference pair needs two different responses");
        json wrong_role = rec;
        wrong_role["chosen"] = turn("human", "good");
        QCOMPARE(
            error_of<DataError>([&] { convert(wrong_role, e, Stage::Dpo); }),
            kWhere + ": 'chosen' has role 'human' but an assistant turn was expected (role 'gpt' or 'function_call')");
        json no_value = rec;
        no_value["chosen"] = json{{"from", "gpt"}};
        QCOMPARE(error_of<DataError>([&] { convert(no_value, e, Stage::Dpo); }), kWhere + ": 'chosen': missing field 'value'");
        json as_string = rec;
        as_string["rejected"] = "bad";
        QCOMPARE(error_of<DataError>([&] { convert(as_string, e, Stage::Dpo); }),
                 kWhere + ": 'rejected' is a string, expected an object with 'from' and 'value'");
        json ends_on_gpt = rec;
        ends_on_gpt["conversations"].push_back(turn("gpt", "a2"));
        QCOMPARE(error_of<DataError>([&] { convert(ends_on_gpt, e, Stage::Dpo); }),
                 kWhere + ": the conversation ends with an assistant turn (message 4), but a ranking record ends "
                          "with a user turn and keeps its answers in 'chosen' and 'rejected'");
    }
    void missingColumnsPerStage() {
        DatasetEntry pt = alpaca_entry();
        pt.columns.query.clear();
        pt.columns.response.clear();
        pt.columns.prompt = "text";
        QCOMPARE(missing_columns(pt, Stage::Pt).id, std::string());
        QCOMPARE(missing_columns(pt, Stage::Sft).id, std::string("columns_no_response"));
        QCOMPARE(missing_columns(pt, Stage::Sft).args, std::vector<std::string>{"sft"});
        QCOMPARE(
            missing_columns(pt, Stage::Sft).message,
            std::string(
                "\"columns\" names no 'response' column, which stage sft needs (is this a pre-training dataset?)"));
        DatasetEntry rank = sharegpt_entry();
        rank.ranking = true;
        rank.columns.chosen = "chosen";
        QCOMPARE(missing_columns(rank, Stage::Dpo).message,
                 std::string("\"columns\" must name both 'chosen' and 'rejected' for a ranking dataset"));
    }
    void placeholders() {
        Sample s;
        s.system = "You are {{name}}.";
        s.prompt = {{Role::User, "Who made {{name}}?"}};
        s.response = {{Role::Assistant, "{{author}} made me, {{name}}. {{name}}!"}};
        Sample unset = s;
        fill_placeholders(s, "Lathe", "the Lathe team");
        QCOMPARE(s.system, std::string("You are Lathe."));
        QCOMPARE(s.prompt[0].content, std::string("Who made Lathe?"));
        QCOMPARE(s.response[0].content, std::string("the Lathe team made me, Lathe. Lathe!"));
        fill_placeholders(unset, "", "");
        QCOMPARE(unset.response[0].content, std::string("{{author}} made me, {{name}}. {{name}}!"));
        // A value holding a placeholder does not loop.
        Sample self;
        self.text = "{{name}}";
        fill_placeholders(self, "{{name}}x", "");
        QCOMPARE(self.text, std::string("{{name}}x"));
    }
};

LATHE_TEST(TestConverters)
#include "test_converters.moc"
