// bench-serve: the API server under load on loopback (issue 12). The server runs in this process on a
// free 127.0.0.1 port; client threads speak HTTP to it as any OpenAI client would, each streaming one
// greedy chat request after another.
//
//   bench-serve [--shape smollm2-135m | --model DIR] [--clients 8] [--requests 1000] [--max-tokens 16]
//               [--max-concurrency 8] [--threads 2] [--weights auto|f32|bf16|int8] [--single 16]
//
// Phase 1 (--single N): one client, N requests, one at a time: the single-stream tokens/s, and the
// reference answer of each of the 16 distinct prompts. Phase 2: --clients clients share --requests
// requests; each answer is checked against its prompt's reference ("mixed" counts answers equal to another
// prompt's, "differs" answers equal to none; both must be 0) and nothing may be lost. Reports requests/s,
// tokens/s, p50/p99 time to first token, and RSS before, after the first tenth, and at the end. One JSON
// object on stdout. Bounded: at most --requests requests and --time-limit seconds.
#include "bench/model_shapes.h"
#include "bench/proc_memory.h"
#include "core/serve/api_server.h"
#include "core/serve/serving_engine.h"
#include "core/util/threads.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

using namespace lathe;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    std::string shape = "smollm2-135m", model, weights = "auto";
    int clients = 8, requests = 1000, max_tokens = 16, max_concurrency = 8, threads = 2, single = 16;
    double time_limit = 1500;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(k + " needs a value");
            return argv[++i];
        };
        if (k == "--shape") a.shape = next();
        else if (k == "--model") a.model = next();
        else if (k == "--clients") a.clients = std::stoi(next());
        else if (k == "--requests") a.requests = std::stoi(next());
        else if (k == "--max-tokens") a.max_tokens = std::stoi(next());
        else if (k == "--max-concurrency") a.max_concurrency = std::stoi(next());
        else if (k == "--threads") a.threads = std::stoi(next());
        else if (k == "--weights") a.weights = next();
        else if (k == "--single") a.single = std::stoi(next());
        else if (k == "--time-limit") a.time_limit = std::stod(next());
        else throw std::runtime_error("unknown option " + k);
    }
    return a;
}

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string prompt_of(int i) {
    static const char* topics[] = {"rivers", "bread", "stars", "chess", "tea", "bridges", "owls", "rain",
                                   "maps", "glass", "bees", "salt", "clocks", "snow", "ships", "moss"};
    return "Tell me one fact about " + std::string(topics[i % 16]) + ".";
}

struct Outcome {
    bool ok = false;
    std::string text;
    double ttft = 0, seconds = 0;
    int tokens = 0;
};

// One streaming chat request; the time to the first content delta as the client sees it.
Outcome ask(int port, int prompt, int max_tokens) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(300, 0);
    json body = {{"model", "bench"},
                 {"messages", json::array({{{"role", "user"}, {"content", prompt_of(prompt)}}})},
                 {"max_tokens", max_tokens},
                 {"temperature", 0},
                 {"stream", true},
                 {"stream_options", {{"include_usage", true}}}};
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    Outcome o;
    std::string buffer;
    bool done = false;
    const auto start = Clock::now();
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        buffer.append(data, n);
        size_t end;
        while ((end = buffer.find("\n\n")) != std::string::npos) {
            const std::string event = buffer.substr(0, end);
            buffer.erase(0, end + 2);
            if (event.rfind("data: ", 0) != 0) continue;
            const std::string payload = event.substr(6);
            if (payload == "[DONE]") {
                done = true;
                continue;
            }
            const json j = json::parse(payload, nullptr, false);
            if (j.is_discarded()) return false;
            if (j.contains("usage") && j["usage"].is_object()) o.tokens = j["usage"]["completion_tokens"].get<int>();
            if (!j.contains("choices") || j["choices"].empty()) continue;
            const json& d = j["choices"][0]["delta"];
            if (d.contains("content") && !d["content"].get<std::string>().empty()) {
                if (o.text.empty()) o.ttft = since(start);
                o.text += d["content"].get<std::string>();
            }
        }
        return true;
    };
    auto r = c.send(req);
    o.seconds = since(start);
    o.ok = r && r->status == 200 && done;
    return o;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
    prefer_passive_openmp(argv);
    const Args a = parse(argc, argv);
    const std::string dir = a.model.empty() ? bench::cached_shape_folder(a.shape) : a.model;
    ServingOptions so;
    so.model_dir = dir;
    so.threads = a.threads;
    so.weights = a.weights;
    so.max_batch = a.max_concurrency;
    so.max_queue = std::max(32, a.clients);
    ServingEngine engine(so);
    ApiServerOptions ao;
    ao.port = 0;
    ApiServer server(engine, ao);
    const int port = server.start();
    std::cerr << "bench-serve: " << engine.describe() << " on port " << port << "\n";
    const double rss_start = bench::mib_of("VmRSS:");

    // Phase 1: one stream at a time; the reference answers.
    std::vector<std::string> reference(16);
    int single_tokens = 0;
    const auto t1 = Clock::now();
    for (int i = 0; i < std::max(a.single, 16); ++i) {
        const Outcome o = ask(port, i % 16, a.max_tokens);
        if (!o.ok) throw std::runtime_error("single-stream request failed");
        if (i < 16) reference[i] = o.text;
        single_tokens += o.tokens;
    }
    const double single_s = since(t1);
    const double single_tps = single_tokens / single_s;
    const double rss_warm = bench::mib_of("VmRSS:");

    // Phase 2: the clients share the requests.
    std::atomic<int> next{0};
    std::mutex m;
    std::vector<double> ttfts;
    int lost = 0, mixed = 0, differs = 0, tokens = 0, finished = 0;
    double rss_tenth = 0;
    const auto t2 = Clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < a.clients; ++c)
        clients.emplace_back([&] {
            while (since(t2) < a.time_limit) {
                const int i = next++;
                if (i >= a.requests) break;
                const Outcome o = ask(port, i % 16, a.max_tokens);
                std::lock_guard<std::mutex> lock(m);
                ++finished;
                if (finished == std::max(1, a.requests / 10)) rss_tenth = bench::mib_of("VmRSS:");
                if (!o.ok) {
                    ++lost;
                    continue;
                }
                ttfts.push_back(o.ttft);
                tokens += o.tokens;
                if (o.text != reference[i % 16]) {
                    const bool other = std::find(reference.begin(), reference.end(), o.text) != reference.end();
                    ++(other ? mixed : differs);
                }
            }
        });
    for (auto& t : clients) t.join();
    const double seconds = since(t2);
    const double rss_end = bench::mib_of("VmRSS:");
    server.stop();

    const ServingStats st = engine.stats();
    json out = {{"bench", "serve"},
                {"model", a.model.empty() ? a.shape : a.model},
                {"engine", engine.describe()},
                {"clients", a.clients},
                {"max_concurrency", a.max_concurrency},
                {"max_tokens", a.max_tokens},
                {"single_stream_tokens_per_s", single_tps},
                {"requests", finished},
                {"lost", lost},
                {"mixed", mixed},
                {"differs", differs},
                {"seconds", seconds},
                {"requests_per_s", finished / seconds},
                {"tokens_per_s", tokens / seconds},
                {"speedup_vs_single", tokens / seconds / single_tps},
                {"ttft_p50_s", percentile(ttfts, 0.5)},
                {"ttft_p99_s", percentile(ttfts, 0.99)},
                {"decode_steps", st.steps},
                {"rss_start_mib", rss_start},
                {"rss_after_single_mib", rss_warm},
                {"rss_after_tenth_mib", rss_tenth},
                {"rss_end_mib", rss_end}};
    std::cout << out.dump() << std::endl;
    return lost == 0 && mixed == 0 ? 0 : 1;
}
