#include "core/serve/openai_api.h"

#include <nlohmann/json.hpp>

#include <random>

namespace lathe {

using nlohmann::json;

namespace {

// Text that is not valid UTF-8 (a parse error quoting the bytes it read, a model's half character) is
// written with U+FFFD in its place: dump() would otherwise throw.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

ApiError::ApiError(int s, const std::string& message, std::string t, std::string p, std::string c)
    : std::runtime_error(message), status(s), type(std::move(t)), param(std::move(p)), code(std::move(c)) {}

std::string ApiError::json() const {
    nlohmann::json e = {{"message", what()}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
    if (!param.empty()) e["param"] = param;
    if (!code.empty()) e["code"] = code;
    return dump(nlohmann::json{{"error", e}});
}

namespace {

ApiError bad(const std::string& param, const std::string& message) { return ApiError(400, param + ": " + message, "invalid_request_error", param); }

const char* type_name(const json& v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "an integer";
        case json::value_t::number_float: return "a number";
        default: return "something else";
    }
}

json parse_body(const std::string& body) {
    if (body.empty()) throw ApiError(400, "the request body is empty: expected a JSON object");
    json j;
    try {
        j = json::parse(body);
    } catch (const json::exception& e) {  // parse errors, and numbers too large for a double
        throw ApiError(400, std::string("the request body is not valid JSON (") + e.what() + ")");
    }
    if (!j.is_object()) throw ApiError(400, std::string("the request body must be a JSON object, got ") + type_name(j));
    return j;
}

// The field when present and not null.
const json* field(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return nullptr;
    return &*it;
}

std::optional<double> number(const json& j, const char* name, double lo, double hi, bool lo_open = false) {
    const json* v = field(j, name);
    if (!v) return std::nullopt;
    if (!v->is_number()) throw bad(name, std::string("expected a number, got ") + type_name(*v));
    const double x = v->get<double>();
    if (x < lo || x > hi || (lo_open && x == lo))
        throw bad(name, std::to_string(x) + " is out of range: expected " + (lo_open ? "> " : ">= ") + std::to_string(lo) +
                            " and <= " + std::to_string(hi));
    return x;
}

std::optional<int64_t> integer(const json& j, const char* name, int64_t lo) {
    const json* v = field(j, name);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) throw bad(name, std::string("expected an integer, got ") + type_name(*v));
    const int64_t x = v->get<int64_t>();
    if (x < lo) throw bad(name, std::to_string(x) + " is out of range: expected at least " + std::to_string(lo));
    return x;
}

bool boolean(const json& j, const char* name) {
    const json* v = field(j, name);
    if (!v) return false;
    if (!v->is_boolean()) throw bad(name, std::string("expected true or false, got ") + type_name(*v));
    return v->get<bool>();
}

// The settings both endpoints share.
void parse_common(const json& j, ApiCall& c) {
    if (const json* m = field(j, "model")) {
        if (!m->is_string()) throw bad("model", std::string("expected a string, got ") + type_name(*m));
        c.model = m->get<std::string>();
    }
    c.stream = boolean(j, "stream");
    if (const json* so = field(j, "stream_options")) {
        if (!so->is_object()) throw bad("stream_options", std::string("expected an object, got ") + type_name(*so));
        c.include_usage = boolean(*so, "include_usage");
    }
    c.max_tokens = integer(j, "max_tokens", 1);
    if (auto m = integer(j, "max_completion_tokens", 1)) c.max_tokens = m;
    c.temperature = number(j, "temperature", 0, 2);
    c.top_p = number(j, "top_p", 0, 1, true);
    if (auto k = integer(j, "top_k", 0)) c.top_k = static_cast<int>(std::min<int64_t>(*k, 1 << 30));
    c.repetition_penalty = number(j, "repetition_penalty", 0, 100, true);
    if (auto n = integer(j, "n", 1); n && *n != 1) throw bad("n", "only n = 1 is supported (one answer per request)");
    if (const json* s = field(j, "seed")) {
        if (!s->is_number_integer()) throw bad("seed", std::string("expected an integer, got ") + type_name(*s));
        c.seed = s->is_number_unsigned() ? s->get<uint64_t>() : static_cast<uint64_t>(s->get<int64_t>());
    }
    if (const json* s = field(j, "stop")) {
        if (s->is_string()) {
            c.stop.push_back(s->get<std::string>());
        } else if (s->is_array()) {
            if (s->size() > 16) throw bad("stop", "at most 16 stop strings, got " + std::to_string(s->size()));
            for (size_t i = 0; i < s->size(); ++i) {
                if (!(*s)[i].is_string())
                    throw bad("stop[" + std::to_string(i) + "]", std::string("expected a string, got ") + type_name((*s)[i]));
                c.stop.push_back((*s)[i].get<std::string>());
            }
        } else {
            throw bad("stop", std::string("expected a string or an array of strings, got ") + type_name(*s));
        }
    }
}

// A message's content: a string, or OpenAI's array of parts of which only text parts are understood.
std::string content_text(const json& content, const std::string& where) {
    if (content.is_string()) return content.get<std::string>();
    if (content.is_null()) return {};
    if (!content.is_array()) throw bad(where, std::string("expected a string or an array of text parts, got ") + type_name(content));
    std::string text;
    for (size_t i = 0; i < content.size(); ++i) {
        const json& part = content[i];
        const std::string at = where + "[" + std::to_string(i) + "]";
        if (!part.is_object()) throw bad(at, std::string("expected an object, got ") + type_name(part));
        const json* type = field(part, "type");
        if (!type || !type->is_string() || type->get<std::string>() != "text")
            throw bad(at + ".type", "only text parts are supported (this model reads text)");
        const json* t = field(part, "text");
        if (!t || !t->is_string()) throw bad(at + ".text", "expected a string");
        text += t->get<std::string>();
    }
    return text;
}

}  // namespace

ApiCall parse_chat_request(const std::string& body) {
    const json j = parse_body(body);
    ApiCall c;
    c.chat = true;
    parse_common(j, c);
    const json* messages = field(j, "messages");
    if (!messages) throw bad("messages", "required: the conversation, as an array of {role, content}");
    if (!messages->is_array()) throw bad("messages", std::string("expected an array, got ") + type_name(*messages));
    bool seen_turn = false;
    for (size_t i = 0; i < messages->size(); ++i) {
        const json& m = (*messages)[i];
        const std::string at = "messages[" + std::to_string(i) + "]";
        if (!m.is_object()) throw bad(at, std::string("expected an object, got ") + type_name(m));
        const json* role = field(m, "role");
        if (!role || !role->is_string()) throw bad(at + ".role", "required: system, user or assistant");
        const std::string r = role->get<std::string>();
        const json* content = field(m, "content");
        const std::string text = content ? content_text(*content, at + ".content") : std::string();
        if (r == "system" || r == "developer") {
            if (seen_turn) throw bad(at + ".role", "system messages must come before the conversation");
            c.system += (c.system.empty() ? "" : "\n\n") + text;
            continue;
        }
        Role expected = c.messages.empty() || c.messages.back().role == Role::Assistant ? Role::User : Role::Assistant;
        Role got;
        if (r == "user") got = Role::User;
        else if (r == "assistant") got = Role::Assistant;
        else throw bad(at + ".role", "'" + r + "' is not supported: expected system, user or assistant");
        if (got != expected)
            throw bad(at + ".role", std::string("expected a ") + (expected == Role::User ? "user" : "assistant") +
                                         " message here: user and assistant messages alternate, starting with user");
        seen_turn = true;
        c.messages.push_back(Message{got, text});
    }
    if (const json* kwargs = field(j, "chat_template_kwargs")) {
        if (!kwargs->is_object())
            throw bad("chat_template_kwargs", std::string("expected an object, got ") + type_name(*kwargs));
        if (const json* t = field(*kwargs, "enable_thinking")) {
            if (!t->is_boolean())
                throw bad("chat_template_kwargs.enable_thinking", std::string("expected true or false, got ") + type_name(*t));
            c.enable_thinking = t->get<bool>();
        }
    }
    if (c.messages.empty()) throw bad("messages", "no user message: there is nothing to answer");
    if (c.messages.back().role != Role::User) throw bad("messages", "the last message must be the user's");
    return c;
}

ApiCall parse_completion_request(const std::string& body) {
    const json j = parse_body(body);
    ApiCall c;
    c.chat = false;
    parse_common(j, c);
    const json* p = field(j, "prompt");
    if (!p) throw bad("prompt", "required: the text to continue");
    auto ids = [&](const json& list, const std::string& at) {
        for (size_t i = 0; i < list.size(); ++i) {
            if (!list[i].is_number_integer() || list[i].get<int64_t>() < 0 || list[i].get<int64_t>() > INT32_MAX)
                throw bad(at + "[" + std::to_string(i) + "]", "expected a token id");
            c.prompt_ids.push_back(list[i].get<int32_t>());
        }
    };
    if (p->is_string()) {
        c.prompt = p->get<std::string>();
    } else if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) {
        c.prompt = (*p)[0].get<std::string>();
    } else if (p->is_array() && !p->empty() && (*p)[0].is_number()) {
        ids(*p, "prompt");
    } else if (p->is_array() && p->size() == 1 && (*p)[0].is_array()) {
        ids((*p)[0], "prompt[0]");
    } else if (p->is_array() && p->size() > 1) {
        throw bad("prompt", "one prompt per request: send the others as separate requests");
    } else {
        throw bad("prompt", std::string("expected a string, got ") + type_name(*p));
    }
    if (c.prompt.empty() && c.prompt_ids.empty()) throw bad("prompt", "empty: there is nothing to continue");
    return c;
}

namespace {

json usage(const ApiAnswer& a) {
    return {{"prompt_tokens", a.prompt_tokens},
            {"completion_tokens", a.completion_tokens},
            {"total_tokens", a.prompt_tokens + a.completion_tokens}};
}

json head(const ApiAnswer& a, const char* object) {
    return {{"id", a.id}, {"object", object}, {"created", a.created}, {"model", a.model}};
}

json finish_value(const std::string& finish) { return finish.empty() ? json(nullptr) : json(finish); }

}  // namespace

std::string completion_json(const ApiAnswer& a) {
    json j = head(a, a.chat ? "chat.completion" : "text_completion");
    json choice = {{"index", 0}, {"finish_reason", finish_value(a.finish)}};
    if (a.chat) {
        choice["message"] = {{"role", "assistant"}, {"content", a.text}};
        choice["logprobs"] = nullptr;
    } else {
        choice["text"] = a.text;
        choice["logprobs"] = nullptr;
    }
    j["choices"] = json::array({choice});
    j["usage"] = usage(a);
    return dump(j);
}

std::string chunk_json(const ApiAnswer& a, const std::string& text, bool first, const std::string& finish) {
    json j = head(a, a.chat ? "chat.completion.chunk" : "text_completion");
    json choice = {{"index", 0}, {"finish_reason", finish_value(finish)}, {"logprobs", nullptr}};
    if (a.chat) {
        json delta = json::object();
        if (first) delta["role"] = "assistant";
        if (!text.empty() || (first && finish.empty())) delta["content"] = text;
        choice["delta"] = delta;
    } else {
        choice["text"] = text;
    }
    j["choices"] = json::array({choice});
    return dump(j);
}

std::string usage_chunk_json(const ApiAnswer& a) {
    json j = head(a, a.chat ? "chat.completion.chunk" : "text_completion");
    j["choices"] = json::array();
    j["usage"] = usage(a);
    return dump(j);
}

std::string models_json(const std::string& model, int64_t created) {
    return dump(json{{"object", "list"},
                     {"data", json::array({{{"id", model}, {"object", "model"}, {"created", created}, {"owned_by", "lathe"}}})}});
}

std::string new_response_id(const std::string& prefix) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    thread_local std::mt19937_64 rng(std::random_device{}());
    std::string id = prefix;
    for (int i = 0; i < 24; ++i) id += alphabet[rng() % (sizeof(alphabet) - 1)];
    return id;
}

bool constant_time_equal(const std::string& a, const std::string& b) {
    // Every byte of the longer string is read whatever the contents; a length difference is folded in.
    const size_t n = std::max(a.size(), b.size());
    volatile unsigned char diff = static_cast<unsigned char>(a.size() != b.size());
    for (size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff = diff | static_cast<unsigned char>(x ^ y);
    }
    return diff == 0;
}

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

}  // namespace lathe
