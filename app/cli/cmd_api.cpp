// lathe-cli api: an OpenAI-compatible server (core/serve/api_server.h) for a model folder and its adapters,
// set by flags or by LLaMA-Factory's YAML keys, with LLaMA-Factory's API_HOST / API_PORT / API_KEY.
#include "app/cli/args.h"
#include "app/cli/common.h"
#include "core/io/yaml_config.h"
#include "core/peft/params.h"
#include "core/serve/api_server.h"
#include "core/serve/serving_engine.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <unistd.h>

namespace lathe::cli {

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
    if (g_stop.exchange(true)) _exit(130);
}

const char* kUsage =
    "usage: lathe-cli api --model DIR [--adapter DIR[,DIR...]] [--template NAME] [--host 127.0.0.1]\n"
    "                     [--port 8000] [--api-key KEY] [--max-concurrency 8] [--max-queue 32]\n"
    "                     [--model-name NAME] [--weights auto|f32|bf16|int8] [--device D] [--threads N]\n"
    "                     [--timeout 60] [--max-body-mb 4]\n"
    "       lathe-cli api CONFIG.yaml [key=value ...] [--host ... any option above]\n"
    "Serves the model with an OpenAI-compatible API until Ctrl+C:\n"
    "  GET /v1/models, POST /v1/chat/completions, POST /v1/completions (\"stream\": true for server-sent\n"
    "  events), GET /health.\n"
    "\n"
    "  --model DIR          a Hugging Face model folder (YAML: model_name_or_path)\n"
    "  --adapter DIRS       LoRA adapters, comma-separated, merged in order (adapter_name_or_path)\n"
    "  --template NAME      chat template (template); default: picked from the tokenizer\n"
    "  --host ADDR          address to listen on (env API_HOST); default 127.0.0.1, this machine only.\n"
    "                       Any other address needs an API key: the server refuses to start without one\n"
    "  --port N             TCP port (env API_PORT); default 8000, 0 picks a free one\n"
    "  --api-key KEY        clients must send 'Authorization: Bearer KEY' (env API_KEY)\n"
    "  --max-concurrency N  requests generated together in one batch; default 8\n"
    "  --max-queue N        requests that may wait beyond those; more get 429 Too Many Requests; default 32\n"
    "  --model-name NAME    the model id /v1/models lists (env API_MODEL_NAME); default the folder's name\n"
    "  --weights FORMAT     how the weights are held: auto (the checkpoint's dtype), f32, bf16, int8\n"
    "                       (YAML infer_dtype: auto, float32, bfloat16)\n"
    "  --device D           auto, cpu or cuda[:N]\n"
    "  --threads N          CPU threads (0 = one per core)\n"
    "  --timeout S          a client that sends or reads nothing for S seconds is dropped; default 60\n"
    "  --max-body-mb N      larger request bodies get 413; default 4\n"
    "YAML keys also set the defaults for requests that leave them out: temperature, top_p, top_k,\n"
    "max_new_tokens, repetition_penalty, do_sample (false = greedy).";

struct ApiSettings {
    ServingOptions serving;
    ApiServerOptions server;
};

// One LLaMA-Factory key of an api/chat YAML file (or a key=value override).
void apply_key(ApiSettings& s, const std::string& key, const std::string& value, const std::string& at) {
    const std::string where = at.empty() ? "" : at + ": ";
    const bool null = value == "null" || value == "~";
    try {
        if (key == "model_name_or_path") s.serving.model_dir = null ? "" : value;
        else if (key == "adapter_name_or_path") s.serving.adapters = null ? std::vector<std::string>{} : split_list(value);
        else if (key == "template") s.serving.template_name = null ? "" : value;
        else if (key == "infer_dtype") {
            if (value == "auto" || null) s.serving.weights = "auto";
            else if (value == "float32") s.serving.weights = "f32";
            else if (value == "bfloat16") s.serving.weights = "bf16";
            else if (value == "float16") s.serving.weights = "f32";  // no f16 kernels on the CPU: float32 keeps its values
            else throw ConfigError("infer_dtype: expected auto, float32, bfloat16 or float16, got '" + value + "'");
        } else if (key == "temperature") s.serving.temperature = parse_double(key, value);
        else if (key == "top_p") s.serving.top_p = parse_double(key, value);
        else if (key == "top_k") s.serving.top_k = parse_int(key, value);
        else if (key == "repetition_penalty") s.serving.repetition_penalty = parse_double(key, value);
        else if (key == "max_new_tokens") s.serving.max_new_tokens = parse_int(key, value);
        else if (key == "do_sample") {
            if (value == "false" || value == "False") s.serving.temperature = 0.0;
        } else if (key == "finetuning_type" || key == "infer_backend" || key == "trust_remote_code" ||
                   key == "quantization_bit" || key == "max_length" || key == "default_system" || key == "stage" ||
                   key == "length_penalty" || key == "num_beams" || key == "skip_special_tokens" ||
                   key == "enable_thinking") {
            // LLaMA-Factory keys that change nothing here: accepted so its files load unchanged.
        } else {
            throw ConfigError("unknown key '" + key +
                              "' (lathe-cli api reads model_name_or_path, adapter_name_or_path, template, infer_dtype, "
                              "temperature, top_p, top_k, max_new_tokens, repetition_penalty, do_sample)");
        }
    } catch (const ConfigError& e) {
        throw ConfigError(where + e.what());
    }
}

ApiSettings read_settings(int argc, char** argv) {
    ApiSettings s;
    int first_flag = 2;
    if (argc > 2 && argv[2][0] != '-') {
        const std::string path = argv[2];
        if (!file_exists(path)) throw IoError(path + ": no such config file");
        for (const YamlEntry& e : read_flat_yaml(read_file(path), path)) {
            if (e.is_mapping) throw ConfigError(e.at + ": " + e.key + ": expected a plain value, got a mapping");
            apply_key(s, e.key, e.value, e.at);
        }
        first_flag = 3;
        while (first_flag < argc && argv[first_flag][0] != '-') {
            const auto [key, value] = split_assignment(argv[first_flag]);
            apply_key(s, key, value, "command line");
            ++first_flag;
        }
    }
    // LLaMA-Factory's environment variables, then the flags.
    if (const char* v = std::getenv("API_HOST"); v && *v) s.server.host = v;
    if (const char* v = std::getenv("API_PORT"); v && *v) s.server.port = parse_int("API_PORT", v);
    if (const char* v = std::getenv("API_KEY"); v && *v) s.server.api_key = v;
    if (const char* v = std::getenv("API_MODEL_NAME"); v && *v) s.server.model_name = v;

    Args args(argc, argv, first_flag, {},
              {"model", "adapter", "template", "host", "port", "api-key", "max-concurrency", "max-queue", "model-name",
               "weights", "device", "threads", "timeout", "max-body-mb"});
    if (auto v = args.get("model")) s.serving.model_dir = *v;
    if (auto v = args.get("adapter")) s.serving.adapters = split_list(*v);
    if (auto v = args.get("template")) s.serving.template_name = *v;
    if (auto v = args.get("weights")) s.serving.weights = *v;
    if (auto v = args.get("device")) s.serving.device = *v;
    s.serving.threads = args.get_int("threads", 0);
    s.serving.max_batch = args.get_int("max-concurrency", s.serving.max_batch);
    s.serving.max_queue = args.get_int("max-queue", s.serving.max_queue);
    if (auto v = args.get("host")) s.server.host = *v;
    s.server.port = args.get_int("port", s.server.port);
    if (auto v = args.get("api-key")) s.server.api_key = *v;
    if (auto v = args.get("model-name")) s.server.model_name = *v;
    s.server.timeout_s = args.get_int("timeout", s.server.timeout_s);
    const int body_mb = args.get_int("max-body-mb", 4);
    if (body_mb < 1) throw ConfigError("--max-body-mb: must be at least 1, got " + std::to_string(body_mb));
    s.server.max_body_bytes = static_cast<size_t>(body_mb) << 20;
    if (s.serving.model_dir.empty())
        throw ConfigError("no model: give --model DIR, or model_name_or_path in the config file");
    return s;
}

}  // namespace

int cmd_api(int argc, char** argv) {
    if (wants_help(argc, argv)) {
        std::puts(kUsage);
        return 0;
    }
    ApiSettings s = read_settings(argc, argv);
    check_server_options(s.server);  // settings that must not run are refused before the model loads
    std::fprintf(stderr, "loading %s ...\n", s.serving.model_dir.c_str());
    ServingEngine engine(s.serving);
    ApiServer server(engine, s.server);
    server.set_log([](const ApiLogEntry& e) {
        std::fprintf(stderr, "%s\n", e.line().c_str());
        std::fflush(stderr);
    });
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const int port = server.start();
    const std::string model = s.server.model_name.empty() ? engine.model_name() : s.server.model_name;
    std::printf("serving %s (%s)\n", model.c_str(), engine.describe().c_str());
    std::printf("listening on %s  (up to %d requests together, %d more queued%s)\n", server.url().c_str(),
                s.serving.max_batch, s.serving.max_queue, s.server.api_key.empty() ? "" : ", API key required");
    std::printf("port %d\n", port);
    std::printf("try:\n%s\n", curl_example(server.url(), model, !s.server.api_key.empty()).c_str());
    std::fflush(stdout);
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::fprintf(stderr, "stopping: closing connections\n");
    server.stop();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    return 0;
}

}  // namespace lathe::cli
