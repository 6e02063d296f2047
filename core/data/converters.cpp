#include "core/data/converters.h"

#include "core/data/file_readers.h"
#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <algorithm>
#include <cctype>

namespace lathe {

namespace {

using json = nlohmann::json;


// Typed access to the fields of one JSON object; every failure names `where` and the field.
class Fields {
public:
    Fields(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}
    // The fields of an object inside the record (a message): failures say which one, as message `within_id`
    // ("message {0}: {1}") with `within` and the failure's own wording as arguments.
    Fields(const json& obj, const Fields& record, std::string within_id, std::string within)
        : obj_(obj), where_(record.where_), within_id_(std::move(within_id)), within_(std::move(within)) {}

    // A problem with a message id (core/util/messages.cpp), which the studio words in its language; the
    // loader adds the file and record (dataset_loader.cpp).
    [[noreturn]] void fail_as(const std::string& id, std::vector<std::string> args) const {
        Problem p;
        if (within_id_.empty()) {
            p.id = id;
            p.message = format_message(id, args);
            p.args = std::move(args);
        } else {
            p = composed(within_id_, {verbatim(within_), note(id, std::move(args))});
        }
        p.message = where_ + ": " + p.message;
        throw DataError(std::move(p));
    }

    // The value of `key`, or nullptr when the column is unused, absent or null.
    const json* find(const std::string& key) const {
        if (key.empty()) return nullptr;
        auto it = obj_.find(key);
        return it == obj_.end() || it->is_null() ? nullptr : &*it;
    }

    const json& required(const std::string& key) const {
        auto it = obj_.find(key);
        if (it == obj_.end()) fail_as("record_missing_field", {key});
        return *it;
    }

    std::string required_string(const std::string& key) const { return as_string(key, required(key)); }

    std::string optional_string(const std::string& key) const {
        const json* v = find(key);
        return v ? as_string(key, *v) : std::string();
    }

    std::string as_string(const std::string& key, const json& v) const {
        if (!v.is_string()) fail_as("record_field_type", {key, json_type_phrase(v), "a string"});
        return v.get<std::string>();
    }

    // Tool descriptions: usually JSON text already; arrays/objects are kept as JSON text.
    std::string tools(const std::string& key) const {
        const json* v = find(key);
        if (!v) return "";
        if (v->is_string()) return v->get<std::string>();
        if (v->is_array() || v->is_object()) return v->dump();
        fail_as("record_field_type", {key, json_type_phrase(*v), "a string (JSON text) or a JSON array"});
    }

    std::optional<bool> flag(const std::string& key, bool required_here) const {
        if (key.empty()) return std::nullopt;
        const json* v = find(key);
        if (!v) {
            if (required_here) fail_as("record_missing_field", {key});
            return std::nullopt;
        }
        if (v->is_boolean()) return v->get<bool>();
        if (v->is_string()) {  // CSV cells are strings
            std::string s = v->get<std::string>();
            std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
            if (s == "true" || s == "false") return s == "true";
        }
        fail_as("record_field_type",
                {key, v->is_string() ? "'" + v->get<std::string>() + "'" : json_type_phrase(*v), "true or false"});
    }


private:
    const json& obj_;
    std::string where_;
    std::string within_id_, within_;
};

void check_pair_differs(const Fields& f, const Sample& s) {
    if (s.response[0].content == s.response[1].content && s.response[0].role == s.response[1].role)
        f.fail_as("record_pair_identical", {});
}

// Fields every chat-like sample shares.
void fill_common(const Fields& f, const DatasetEntry& e, Stage stage, Sample& s) {
    s.tools = f.tools(e.columns.tools);
    s.kto_tag = f.flag(e.columns.kto_tag, stage == Stage::Kto);
}

// ---- alpaca ----

std::string alpaca_user_turn(const Fields& f, const DatasetColumns& c) {
    std::string prompt = c.prompt.empty() ? "" : f.required_string(c.prompt);
    const std::string query = f.optional_string(c.query);
    if (!prompt.empty() && !query.empty()) prompt += "\n";
    return prompt + query;
}

Conversation alpaca_history(const Fields& f, const std::string& key) {
    Conversation out;
    const json* h = f.find(key);
    if (!h) return out;
    if (!h->is_array())
        f.fail_as("record_field_type", {key, json_type_phrase(*h), "an array of [query, response] pairs"});
    for (size_t i = 0; i < h->size(); ++i) {
        const json& pair = (*h)[i];
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
            f.fail_as("record_history_item", {key, std::to_string(i), pair.dump()});
        out.push_back({Role::User, pair[0].get<std::string>()});
        out.push_back({Role::Assistant, pair[1].get<std::string>()});
    }
    return out;
}

// ---- sharegpt ----

struct RoleTag {
    const std::string SharegptTags::*tag;
    Role role;
    bool user_side;  // odd positions (1st, 3rd, ...) after an optional system message
};
const RoleTag kRoleTags[] = {
    {&SharegptTags::user, Role::User, true},
    {&SharegptTags::observation, Role::Observation, true},
    {&SharegptTags::assistant, Role::Assistant, false},
    {&SharegptTags::function, Role::Function, false},
};

std::string expected_tags(const SharegptTags& tags, bool user_side) {
    std::string out;
    for (const RoleTag& t : kRoleTags)
        if (t.user_side == user_side && !(tags.*t.tag).empty())
            out += (out.empty() ? "'" : " or '") + tags.*t.tag + "'";
    return out;
}

// Where a message is: message `number` (from 1) of the record's array, or the field `field` ('chosen').
struct MessageLabel {
    size_t number = 0;
    std::string field;
    Fields of(const json& m, const Fields& record) const {
        return field.empty() ? Fields(m, record, "record_in_message", std::to_string(number))
                             : Fields(m, record, "record_in_field", field);
    }
};

// A message as a Message; its role must be user-side or not.
Message sharegpt_message(const Fields& f, const json& m, const SharegptTags& tags, const MessageLabel& label,
                         bool user_side) {
    const bool numbered = label.field.empty();
    const std::string at = numbered ? std::to_string(label.number) : label.field;
    if (!m.is_object())
        f.fail_as(numbered ? "record_message_not_object" : "record_field_not_message",
                  {at, json_type_phrase(m), tags.role, tags.content});
    const Fields mf = label.of(m, f);
    const std::string role = mf.required_string(tags.role);
    const std::string content = mf.required_string(tags.content);
    for (const RoleTag& t : kRoleTags)
        if (t.user_side == user_side && !(tags.*t.tag).empty() && role == tags.*t.tag) return {t.role, content};
    const char* id = numbered ? (user_side ? "record_message_not_user" : "record_message_not_assistant")
                              : "record_field_not_assistant";  // 'chosen' and 'rejected' answer
    f.fail_as(id, {at, role, expected_tags(tags, user_side)});
}

// The turns after an optional leading system message, which overrides the system column.
Conversation sharegpt_turns(const Fields& f, const DatasetEntry& e, std::string& system) {
    const std::string& key = e.columns.messages;
    const json& msgs = f.required(key);
    if (!msgs.is_array())
        f.fail_as("record_field_type", {key, json_type_phrase(msgs), "an array of messages"});
    const SharegptTags& tags = e.tags;
    size_t start = 0;
    if (!tags.system.empty() && !msgs.empty() && msgs[0].is_object()) {
        auto it = msgs[0].find(tags.role);
        if (it != msgs[0].end() && it->is_string() && it->get<std::string>() == tags.system) {
            system = MessageLabel{1, ""}.of(msgs[0], f).required_string(tags.content);
            start = 1;
        }
    }
    Conversation turns;
    for (size_t i = start; i < msgs.size(); ++i)
        turns.push_back(sharegpt_message(f, msgs[i], tags, {i + 1, ""}, (i - start) % 2 == 0));
    if (turns.empty()) f.fail_as(start ? "record_only_system_message" : "record_no_messages", {key});
    return turns;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}

}  // namespace

Sample convert_alpaca(const json& record, const DatasetEntry& e, Stage stage, const std::string& where) {
    const Fields f(record, where);
    const DatasetColumns& c = e.columns;
    Sample s;
    if (stage == Stage::Pt) {
        s.kind = SampleKind::Text;
        s.text = alpaca_user_turn(f, c);
        if (s.text.empty())
            f.fail_as("record_document_empty", {c.prompt.empty() ? c.query : c.prompt});
        return s;
    }
    s.prompt = alpaca_history(f, c.history);
    s.prompt.push_back({Role::User, alpaca_user_turn(f, c)});
    s.system = f.optional_string(c.system);
    fill_common(f, e, stage, s);
    if (stage_uses_pairs(stage)) {
        s.kind = SampleKind::Preference;
        s.response = {{Role::Assistant, f.required_string(c.chosen)}, {Role::Assistant, f.required_string(c.rejected)}};
        check_pair_differs(f, s);
    } else if (stage == Stage::Ppo) {
        if (f.find(c.response)) s.response = {{Role::Assistant, f.optional_string(c.response)}};
    } else {
        s.response = {{Role::Assistant, f.required_string(c.response)}};
    }
    return s;
}

Sample convert_sharegpt(const json& record, const DatasetEntry& e, Stage stage, const std::string& where) {
    const Fields f(record, where);
    Sample s;
    s.system = f.optional_string(e.columns.system);
    Conversation turns = sharegpt_turns(f, e, s.system);
    const size_t n = turns.size();
    const bool ends_on_user = n % 2 == 1;
    const std::string last = std::to_string(record.at(e.columns.messages).size());  // the last message's number
    if (stage == Stage::Pt) {  // LLaMA-Factory pre-trains on the first message only
        s = Sample{};
        s.kind = SampleKind::Text;
        s.text = std::move(turns.front().content);
        if (s.text.empty()) f.fail_as("record_first_message_empty", {});
        return s;
    }
    fill_common(f, e, stage, s);
    if (stage_uses_pairs(stage)) {
        if (!ends_on_user)
            f.fail_as("record_ranking_ends_with_assistant", {last});
        s.kind = SampleKind::Preference;
        s.prompt = std::move(turns);
        s.response = {
            sharegpt_message(f, f.required(e.columns.chosen), e.tags, {0, e.columns.chosen}, false),
            sharegpt_message(f, f.required(e.columns.rejected), e.tags, {0, e.columns.rejected}, false)};
        check_pair_differs(f, s);
        return s;
    }
    if (ends_on_user && stage != Stage::Ppo)
        f.fail_as("record_ends_with_user", {last});
    if (!ends_on_user) {
        s.response.push_back(std::move(turns.back()));
        turns.pop_back();
    }
    s.prompt = std::move(turns);
    return s;
}

Sample convert_record(const json& record, const DatasetEntry& entry, Stage stage, const std::string& where) {
    return entry.formatting == DatasetFormat::Sharegpt ? convert_sharegpt(record, entry, stage, where)
                                                       : convert_alpaca(record, entry, stage, where);
}

Problem missing_columns(const DatasetEntry& e, Stage stage) {
    const DatasetColumns& c = e.columns;
    if (stage_uses_pairs(stage) && (c.chosen.empty() || c.rejected.empty())) return note("columns_no_pair");
    if (e.formatting == DatasetFormat::Sharegpt) {
        if (c.messages.empty()) return note("columns_no_messages");
        if (e.tags.role.empty() || e.tags.content.empty()) return note("columns_no_tags");
        return {};
    }
    if (c.prompt.empty() && c.query.empty()) return note("columns_no_prompt");
    if ((stage == Stage::Sft || stage == Stage::Kto) && c.response.empty())
        return note("columns_no_response", {stage_name(stage)});
    return {};
}

void fill_placeholders(Sample& s, const std::string& name, const std::string& author) {
    auto fill = [&](std::string& text) {
        if (!name.empty()) replace_all(text, "{{name}}", name);
        if (!author.empty()) replace_all(text, "{{author}}", author);
    };
    fill(s.text);
    fill(s.system);
    for (Message& m : s.prompt) fill(m.content);
    for (Message& m : s.response) fill(m.content);
}

}  // namespace lathe
