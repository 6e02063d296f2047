// The OpenAI-compatible HTTP server in front of a ServingEngine (cpp-httplib, Debian's libcpp-httplib):
// GET /v1/models, POST /v1/chat/completions and /v1/completions (both with "stream": true as server-sent
// events ending with "data: [DONE]"), GET /health. Every error is OpenAI's JSON error object. Each
// request runs on a thread of the server's pool while the engine batches the generations; a client that
// goes away (a failed write, a closed socket) cancels its generation.
// No LibTorch and no httplib in this header.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lathe {

class ServingEngine;

struct ApiServerOptions {
    std::string host = "127.0.0.1";
    int port = 8000;                     // 0: any free port (tests)
    std::string api_key;                 // required for an address other than loopback
    std::string model_name;              // the id /v1/models lists; "" = the model folder's name
    size_t max_body_bytes = 4u << 20;    // larger bodies get 413
    int timeout_s = 60;                  // a client that sends or reads nothing this long is dropped
};

// One line of the request log.
struct ApiLogEntry {
    std::string remote;    // "127.0.0.1:51234"
    std::string method, path;
    int status = 0;
    bool stream = false;
    int64_t prompt_tokens = 0, completion_tokens = 0;
    std::string finish;    // stop | length | cancelled | error; "" for requests that generate nothing
    double seconds = 0;    // from the request to its last byte
    double first_token_s = 0;
    std::string error;     // the error message of a 4xx/5xx answer
    std::string line() const;  // "127.0.0.1:51234 POST /v1/chat/completions 200 stream 12+34 tokens 1.20 s"
};

// Throws ConfigError for settings that must not run: an address other than loopback without an API key,
// a port out of range, a body limit under 1 KB, a timeout under 1 s. Needs no model (lathe-cli calls it
// before loading one).
void check_server_options(const ApiServerOptions& options);

class ApiServer {
public:
    // Throws ConfigError as check_server_options.
    ApiServer(ServingEngine& engine, const ApiServerOptions& options);
    ~ApiServer();  // stop()
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Called from the server's threads for every answered request.
    void set_log(std::function<void(const ApiLogEntry&)> log);
    // Binds and starts listening on a thread of its own; returns the port. Throws IoError naming the
    // address when it cannot bind (in use, not an address of this machine).
    int start();
    // Cancels every generation, closes the connections and the listener, joins the threads. Idempotent.
    void stop();
    bool running() const;
    int port() const;
    std::string url() const;  // "http://127.0.0.1:8000"

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The curl command that asks the server at `url` one chat question (the studio shows it, the README too).
std::string curl_example(const std::string& url, const std::string& model, bool with_key);

}  // namespace lathe
