#include "core/serve/api_server.h"

#include "core/serve/openai_api.h"
#include "core/serve/serving_engine.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <httplib.h>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

namespace lathe {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// What one generating request did, filled by its handler and its content provider (both run on the
// connection's thread) and read by the logger after the last byte.
struct Generation {
    std::shared_ptr<ServeJob> job;
    ApiAnswer answer;
    bool stream = false;
    bool include_usage = false;
    bool first_sent = false;
    bool done = false;
    double first_token_s = 0;
    Clock::time_point started = Clock::now();
};

thread_local std::shared_ptr<Generation> t_generation;
thread_local std::string t_error;

void send_error(httplib::Response& res, const ApiError& e) {
    res.status = e.status;
    res.set_content(e.json(), "application/json");
    t_error = e.what();
}

std::string status_type(int status) {
    switch (status) {
        case 401: return "authentication_error";
        case 404: return "not_found_error";
        case 413: return "request_too_large";
        case 429: return "rate_limit_exceeded";
        default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

std::string status_message(int status, const httplib::Request& req) {
    switch (status) {
        case 400: return "the request could not be read";
        case 404: return "no such endpoint: " + req.method + " " + req.path +
                         " (this server has GET /v1/models, POST /v1/chat/completions, POST /v1/completions, GET /health)";
        case 405: return "method " + req.method + " is not allowed on " + req.path;
        case 413: return "the request body is larger than this server accepts";
        case 408: return "the request took too long to arrive";
        default: return "HTTP error " + std::to_string(status);
    }
}

}  // namespace

std::string ApiLogEntry::line() const {
    char buf[160];
    std::string s = remote + " " + method + " " + path + " " + std::to_string(status);
    if (prompt_tokens || completion_tokens || !finish.empty()) {
        std::snprintf(buf, sizeof buf, " %s%lld+%lld tokens %s", stream ? "stream " : "", static_cast<long long>(prompt_tokens),
                      static_cast<long long>(completion_tokens), finish.c_str());
        s += buf;
    }
    std::snprintf(buf, sizeof buf, " %.2f s", seconds);
    s += buf;
    if (!error.empty()) s += " (" + error + ")";
    return s;
}

struct ApiServer::Impl {
    ServingEngine& engine;
    ApiServerOptions options;
    std::string model_name;
    int64_t created = static_cast<int64_t>(std::time(nullptr));
    std::unique_ptr<httplib::Server> server;
    std::thread listener;
    int port = 0;
    std::atomic<bool> stopping{false};
    std::atomic<bool> listening{false};
    std::mutex log_mutex;
    std::function<void(const ApiLogEntry&)> log;
    std::mutex live_mutex;
    std::set<std::shared_ptr<ServeJob>> live;

    Impl(ServingEngine& e, const ApiServerOptions& o) : engine(e), options(o) {}

    void generate(const httplib::Request& req, httplib::Response& res, bool chat);
    bool authorized(const httplib::Request& req) const;
    void setup();
};

bool ApiServer::Impl::authorized(const httplib::Request& req) const {
    if (options.api_key.empty()) return true;
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    const std::string given = header.compare(0, prefix.size(), prefix) == 0 ? header.substr(prefix.size()) : std::string();
    return constant_time_equal(given, options.api_key);
}

void ApiServer::Impl::generate(const httplib::Request& req, httplib::Response& res, bool chat) {
    auto g = std::make_shared<Generation>();
    ApiCall call = chat ? parse_chat_request(req.body) : parse_completion_request(req.body);
    std::vector<int32_t> prompt;
    try {
        if (chat) prompt = engine.encode_chat(call.messages, call.system, call.enable_thinking.value_or(true));
        else prompt = call.prompt_ids.empty() ? engine.encode_text(call.prompt) : call.prompt_ids;
    } catch (const Error& e) {
        throw ApiError(400, e.what(), "invalid_request_error", chat ? "messages" : "prompt");
    }
    const int64_t context = engine.context_length();
    const auto tokens = static_cast<int64_t>(prompt.size());
    const char* what = chat ? "messages" : "prompt";
    if (tokens >= context)
        throw ApiError(400,
                       "this model's maximum context length is " + std::to_string(context) + " tokens, but the " + what +
                           " take " + std::to_string(tokens) + " tokens; shorten them",
                       "invalid_request_error", what, "context_length_exceeded");
    ServeRequest r = engine.defaults();
    if (call.max_tokens) {
        if (tokens + *call.max_tokens > context)
            throw ApiError(400,
                           "this model's maximum context length is " + std::to_string(context) + " tokens, but " +
                               std::to_string(tokens + *call.max_tokens) + " were requested (" + std::to_string(tokens) +
                               " in the " + what + ", " + std::to_string(*call.max_tokens) +
                               " in the completion); lower max_tokens or shorten the " + what,
                           "invalid_request_error", "max_tokens", "context_length_exceeded");
        r.max_new_tokens = *call.max_tokens;
    } else {
        r.max_new_tokens = std::min<int64_t>(r.max_new_tokens, context - tokens);
    }
    if (call.temperature) r.temperature = *call.temperature;
    if (call.top_p) r.top_p = *call.top_p;
    if (call.top_k) r.top_k = *call.top_k;
    if (call.repetition_penalty) r.repetition_penalty = *call.repetition_penalty;
    r.seed = call.seed;
    r.stop = call.stop;
    r.chat = chat;
    r.prompt = std::move(prompt);
    try {
        g->job = engine.submit(std::move(r));
    } catch (const Error& e) {
        throw ApiError(400, e.what());
    }
    if (!g->job) {
        res.set_header("Retry-After", "1");
        throw ApiError(429, "the server is busy: every generation place and the queue are taken; retry shortly",
                       "rate_limit_exceeded", {}, "rate_limit_exceeded");
    }
    {
        std::lock_guard<std::mutex> lock(live_mutex);
        live.insert(g->job);
    }
    g->answer.id = new_response_id(chat ? "chatcmpl-" : "cmpl-");
    g->answer.model = call.model.empty() ? model_name : call.model;
    g->answer.created = static_cast<int64_t>(std::time(nullptr));
    g->answer.chat = chat;
    g->answer.prompt_tokens = tokens;
    g->stream = call.stream;
    g->include_usage = call.include_usage;
    t_generation = g;

    auto release = [this, g](bool) {
        if (!g->done) g->job->cancel();  // the client went away, a write failed, or the server stops
        std::lock_guard<std::mutex> lock(live_mutex);
        live.erase(g->job);
    };
    if (call.stream) {
        res.set_header("Cache-Control", "no-cache");
        res.set_header("X-Accel-Buffering", "no");
        res.set_chunked_content_provider(
            "text/event-stream",
            [this, g](size_t, httplib::DataSink& sink) {
                auto event = [&](const std::string& data) {
                    const std::string frame = "data: " + data + "\n\n";
                    return sink.write(frame.data(), frame.size());
                };
                if (!g->first_sent) {
                    g->first_sent = true;
                    if (g->answer.chat && !event(chunk_json(g->answer, "", true, ""))) return false;
                }
                while (!stopping) {
                    if (!sink.is_writable()) return false;
                    const ServeUpdate u = g->job->wait(std::chrono::milliseconds(100));
                    g->answer.completion_tokens = u.completion_tokens;
                    if (!u.text.empty()) {
                        if (g->first_token_s == 0) g->first_token_s = seconds_since(g->started);
                        g->answer.text += u.text;
                        if (!event(chunk_json(g->answer, u.text, false, ""))) return false;
                    }
                    if (u.done) {
                        g->done = true;
                        g->answer.finish = u.finish;
                        if (u.finish == "error") {
                            t_error = u.error;
                            event(ApiError(500, "generation failed: " + u.error, "server_error").json());
                        } else {
                            if (!event(chunk_json(g->answer, "", false, u.finish))) return false;
                            if (g->include_usage && !event(usage_chunk_json(g->answer))) return false;
                        }
                        if (!event("[DONE]")) return false;
                        sink.done();
                        return true;
                    }
                    if (!u.text.empty()) return true;
                }
                return false;
            },
            release);
    } else {
        res.set_chunked_content_provider(
            "application/json",
            [this, g](size_t, httplib::DataSink& sink) {
                while (!stopping) {
                    if (!sink.is_writable()) return false;
                    const ServeUpdate u = g->job->wait(std::chrono::milliseconds(100));
                    if (!u.text.empty() && g->first_token_s == 0) g->first_token_s = seconds_since(g->started);
                    g->answer.text += u.text;
                    if (!u.done) continue;
                    g->done = true;
                    g->answer.finish = u.finish;
                    g->answer.completion_tokens = u.completion_tokens;
                    std::string body;
                    if (u.finish == "error") {
                        t_error = u.error;
                        body = ApiError(500, "generation failed: " + u.error, "server_error").json();
                    } else {
                        body = completion_json(g->answer);
                    }
                    if (!sink.write(body.data(), body.size())) return false;
                    sink.done();
                    return true;
                }
                return false;
            },
            release);
    }
}

void ApiServer::Impl::setup() {
    server = std::make_unique<httplib::Server>();
    // Every streaming request holds a thread for its whole answer: enough threads for every place in the
    // batch and the queue, and a few for /health, /v1/models and the 429s beyond.
    ServingStats s = engine.stats();
    const size_t threads = static_cast<size_t>(s.max_batch + s.max_queue + 4);
    server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server->set_payload_max_length(options.max_body_bytes);
    server->set_read_timeout(options.timeout_s, 0);
    server->set_write_timeout(options.timeout_s, 0);
    server->set_keep_alive_timeout(5);
    server->set_tcp_nodelay(true);
    // httplib's default also sets SO_REUSEPORT, with which a second server on the same port starts without
    // an error and the kernel splits the requests between the two. SO_REUSEADDR alone still lets a restart
    // bind while old connections linger in TIME_WAIT.
    server->set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof yes);
    });

    server->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        t_generation.reset();
        t_error.clear();
        if (req.path == "/health" || authorized(req)) return httplib::Server::HandlerResponse::Unhandled;
        res.set_header("WWW-Authenticate", "Bearer");
        send_error(res, ApiError(401,
                                 req.has_header("Authorization")
                                     ? "incorrect API key: send the server's key as 'Authorization: Bearer KEY'"
                                     : "this server requires an API key: send it as 'Authorization: Bearer KEY'",
                                 "authentication_error", {}, "invalid_api_key"));
        return httplib::Server::HandlerResponse::Handled;
    });
    auto guarded = [this](bool chat) {
        return [this, chat](const httplib::Request& req, httplib::Response& res) {
            try {
                generate(req, res, chat);
            } catch (const ApiError& e) {
                send_error(res, e);
            }
        };
    };
    server->Post("/v1/chat/completions", guarded(true));
    server->Post("/v1/completions", guarded(false));
    server->Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(models_json(model_name, created), "application/json");
    });
    server->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
        const ServingStats st = engine.stats();
        res.set_content("{\"status\":\"ok\",\"active\":" + std::to_string(st.active) + ",\"queued\":" +
                            std::to_string(st.queued) + ",\"max_concurrency\":" + std::to_string(st.max_batch) + "}",
                        "application/json");
    });
    for (const char* path : {"/v1/chat/completions", "/v1/completions"})
        server->Get(path, [](const httplib::Request& req, httplib::Response& res) {
            res.set_header("Allow", "POST");
            send_error(res, ApiError(405, "use POST for " + req.path, "invalid_request_error"));
        });
    server->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        send_error(res, ApiError(res.status, status_message(res.status, req), status_type(res.status)));
    });
    server->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        send_error(res, ApiError(500, "internal error: " + what, "server_error"));
    });
    server->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        ApiLogEntry e;
        e.remote = req.remote_addr + ":" + std::to_string(req.remote_port);
        e.method = req.method;
        e.path = req.path;
        e.status = res.status;
        e.error = t_error;
        if (auto g = t_generation) {
            e.stream = g->stream;
            e.prompt_tokens = g->answer.prompt_tokens;
            e.completion_tokens = g->answer.completion_tokens;
            e.finish = g->done ? g->answer.finish : "cancelled";
            e.seconds = seconds_since(g->started);
            e.first_token_s = g->first_token_s;
        }
        t_generation.reset();
        t_error.clear();
        std::lock_guard<std::mutex> lock(log_mutex);
        if (log) log(e);
    });
}

void check_server_options(const ApiServerOptions& options) {
    if (options.port < 0 || options.port > 65535)
        throw ConfigError(config_problem("port", "port_not_tcp", {std::to_string(options.port)}));
    if (!is_loopback_host(options.host) && options.api_key.empty())
        throw ConfigError(plain_problem("serve_host_needs_key", {options.host}));
    if (options.max_body_bytes < 1024) throw ConfigError(plain_problem("serve_body_limit_small"));
    if (options.timeout_s < 1) throw ConfigError(config_problem("timeout", "must_be_at_least_one_second"));
}

ApiServer::ApiServer(ServingEngine& engine, const ApiServerOptions& options)
    : impl_(std::make_unique<Impl>(engine, options)) {
    check_server_options(options);
    impl_->model_name = options.model_name.empty() ? engine.model_name() : options.model_name;
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::set_log(std::function<void(const ApiLogEntry&)> log) {
    std::lock_guard<std::mutex> lock(impl_->log_mutex);
    impl_->log = std::move(log);
}

int ApiServer::start() {
    if (impl_->listening) return impl_->port;
    impl_->stopping = false;
    impl_->setup();
    const std::string& host = impl_->options.host;
    const std::string bind_host = host == "localhost" ? "127.0.0.1" : host;
    int port = impl_->options.port;
    if (port == 0) port = impl_->server->bind_to_any_port(bind_host);
    else if (!impl_->server->bind_to_port(bind_host, port)) port = -1;
    if (port < 0)
        throw IoError(plain_problem("serve_cannot_listen", {host + ":" + std::to_string(impl_->options.port)}));
    impl_->port = port;
    impl_->listening = true;
    httplib::Server* server = impl_->server.get();
    impl_->listener = std::thread([server] { server->listen_after_bind(); });
    return port;
}

void ApiServer::stop() {
    if (!impl_->listening) return;
    impl_->stopping = true;
    {
        std::lock_guard<std::mutex> lock(impl_->live_mutex);
        for (const auto& job : impl_->live) job->cancel();
    }
    impl_->server->stop();
    if (impl_->listener.joinable()) impl_->listener.join();
    impl_->server.reset();
    impl_->listening = false;
}

bool ApiServer::running() const { return impl_->listening; }
int ApiServer::port() const { return impl_->port; }

std::string ApiServer::url() const {
    const std::string& h = impl_->options.host;
    const std::string host = h == "0.0.0.0" || h.empty() ? "127.0.0.1" : (h.find(':') != std::string::npos && h[0] != '[' ? "[" + h + "]" : h);
    return "http://" + host + ":" + std::to_string(impl_->port);
}

std::string curl_example(const std::string& url, const std::string& model, bool with_key) {
    std::string s = "curl " + url + "/v1/chat/completions \\\n  -H 'Content-Type: application/json' \\\n";
    if (with_key) s += "  -H \"Authorization: Bearer $API_KEY\" \\\n";
    s += "  -d '{\"model\": \"" + model + "\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}'";
    return s;
}

}  // namespace lathe
