// The OpenAI wire format, apart from HTTP: request bodies of /v1/chat/completions and /v1/completions
// read into plain structs (unknown fields ignored, wrong types and values refused with the field named),
// and the response bodies, stream chunks and error objects written as OpenAI writes them.
#pragma once
#include "core/data/message.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lathe {

// OpenAI's error object: {"error": {"message", "type", "param", "code"}} with its HTTP status.
struct ApiError : std::runtime_error {
    int status;
    std::string type, param, code;
    ApiError(int status, const std::string& message, std::string type = "invalid_request_error",
             std::string param = {}, std::string code = {});
    std::string json() const;
};

// A parsed request body. Settings left out are unset: the server's defaults apply.
struct ApiCall {
    bool chat = true;
    std::string model;                  // as the client named it (echoed back, never checked)
    std::vector<Message> messages;      // chat: user and assistant turns, ending with a user turn
    std::string system;                 // chat: the system messages, joined by blank lines
    std::string prompt;                 // completions: the raw prompt text ...
    std::vector<int32_t> prompt_ids;    // ... or its token ids
    bool stream = false;
    bool include_usage = false;         // stream_options.include_usage
    std::optional<int64_t> max_tokens;  // max_tokens or max_completion_tokens
    std::optional<double> temperature, top_p, repetition_penalty;
    std::optional<int> top_k;
    std::vector<std::string> stop;
    std::optional<uint64_t> seed;
    // chat: chat_template_kwargs.enable_thinking (vLLM's and SGLang's key for Qwen3's hybrid thinking):
    // false starts a reasoning template's answer with an empty thought; unset = the template's default.
    std::optional<bool> enable_thinking;
};

// Throw ApiError (400) naming the field for malformed JSON, wrong types and values out of range.
ApiCall parse_chat_request(const std::string& body);
ApiCall parse_completion_request(const std::string& body);

// One answer as the response bodies carry it.
struct ApiAnswer {
    std::string id;          // "chatcmpl-..." or "cmpl-..."
    std::string model;
    int64_t created = 0;     // Unix seconds
    bool chat = true;
    std::string text;
    std::string finish;      // "stop" or "length"
    int64_t prompt_tokens = 0, completion_tokens = 0;
};

std::string completion_json(const ApiAnswer& a);  // the whole (non-stream) response
// A stream chunk: `text` as the delta (chat: the first chunk also carries the role), `finish` "" = null.
std::string chunk_json(const ApiAnswer& a, const std::string& text, bool first, const std::string& finish);
std::string usage_chunk_json(const ApiAnswer& a);  // stream_options.include_usage: choices [] and usage
std::string models_json(const std::string& model, int64_t created);

// A fresh response id: prefix + 24 random alphanumerics.
std::string new_response_id(const std::string& prefix);

// Compares in time that depends on the lengths only, never on where the first difference is.
bool constant_time_equal(const std::string& a, const std::string& b);
// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace lathe
