// bench-decode: Lathe's KV-cached decode speed (time to first token and tokens/s) on random Llama
// models of two sizes, and the export of the same weights for llama.cpp (bench/decode_vs_llamacpp.sh
// runs both and prints the table for docs/benchmarks.md).
//
//   bench-decode --preset 15m|110m [--threads N] [--prompt-tokens 32] [--new-tokens 128] [--repeat 3]
//   bench-decode --preset 15m --write DIR --tokenizer TOKDIR     HF folder + F32 GGUF of the same weights
//   bench-decode --preset 110m --export-speed --tokenizer TOKDIR [--write DIR]   HF fp16 and GGUF Q4_K_M
//   bench-decode --agreement MODEL_DIR [--seq 256] [--new-tokens 64]   bf16 and int8 weights against f32:
//       teacher-forced top-1 agreement and perplexity on a fixed sequence, and the greedy ids in common
//   bench-decode --adapter-overhead MODEL_DIR [--weights bf16] [--lora-rank 8] [--dora] [--new-tokens 64] [--repeat 3]
//       decode with a LoRA adapter on every projection applied unmerged (as Chat attaches one) against the
//       same model with the adapter switched off
//
// Weights: normal(0, 0.02) from a fixed seed, so every run and both engines see the same model. One
// JSON object per measurement on stdout.
#include "core/export/export.h"
#include "core/infer/inference_weights.h"
#include "core/model/generate.h"
#include "core/model/model_folder.h"
#include "core/model/transformer.h"
#include "core/peft/lora.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

// llama2.c's stories15M shape, and a GPT-2-small-sized Llama.
ModelConfig preset(const std::string& name) {
    ModelConfig c;
    c.model_type = "llama";
    c.vocab_size = 32000;
    c.max_position_embeddings = 1024;
    c.rms_norm_eps = 1e-5;
    c.bos_token_id = 1;
    c.eos_token_ids = {2};
    if (name == "15m") {
        c.hidden_size = 288, c.num_hidden_layers = 6, c.num_attention_heads = 6, c.num_key_value_heads = 6;
        c.intermediate_size = 768;
    } else if (name == "110m") {
        c.hidden_size = 768, c.num_hidden_layers = 12, c.num_attention_heads = 12, c.num_key_value_heads = 12;
        c.intermediate_size = 2048;
    } else {
        throw std::runtime_error("--preset takes 15m or 110m");
    }
    c.head_dim = c.hidden_size / c.num_attention_heads;
    return c;
}

struct Args {
    std::string preset = "15m", write, tokenizer, agreement, adapter_overhead, weights = "bf16";
    int seq = 256, lora_rank = 8;
    int threads = 2, prompt_tokens = 32, new_tokens = 128, repeat = 3;
    bool export_speed = false, dora = false;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(k + " needs a value");
            return argv[++i];
        };
        if (k == "--preset") a.preset = next();
        else if (k == "--threads") a.threads = std::stoi(next());
        else if (k == "--prompt-tokens") a.prompt_tokens = std::stoi(next());
        else if (k == "--new-tokens") a.new_tokens = std::stoi(next());
        else if (k == "--repeat") a.repeat = std::stoi(next());
        else if (k == "--write") a.write = next();
        else if (k == "--tokenizer") a.tokenizer = next();
        else if (k == "--export-speed") a.export_speed = true;
        else if (k == "--agreement") a.agreement = next();
        else if (k == "--seq") a.seq = std::stoi(next());
        else if (k == "--adapter-overhead") a.adapter_overhead = next();
        else if (k == "--dora") a.dora = true;
        else if (k == "--weights") a.weights = next();
        else if (k == "--lora-rank") a.lora_rank = std::stoi(next());
        else throw std::runtime_error("unknown option " + k);
    }
    return a;
}

std::vector<int32_t> prompt_ids(int n) {
    std::vector<int32_t> ids = {1};
    for (int i = 1; i < n; ++i) ids.push_back(int32_t(100 + (i * 7919) % 31000));
    return ids;
}

// HF folder with the tokenizer files copied in (export needs a tokenizer).
std::string write_model(CausalLMImpl& m, const std::string& dir, const std::string& tokenizer) {
    const std::string hf = dir + "/hf";
    fs::remove_all(hf);
    save_causal_lm(m, hf);
    if (tokenizer.empty()) throw std::runtime_error("--tokenizer DIR is needed to write an exportable model");
    for (const auto& e : fs::directory_iterator(tokenizer)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("tokenizer", 0) == 0 || n == "special_tokens_map.json") fs::copy_file(e.path(), hf + "/" + n);
    }
    return hf;
}

double export_once(const std::string& model, const std::string& out, const std::string& format, const std::string& q) {
    ExportConfig c;
    c.model_name_or_path = model;
    c.export_dir = out;
    c.export_format = format;
    c.export_quantization = q;
    c.export_overwrite = true;
    c.model_name = "bench";
    const ExportSummary s = run_export(c);
    if (s.status != ExportSummary::Status::Completed) throw std::runtime_error(s.message);
    nlohmann::json j = {{"bench", "export"}, {"format", format}, {"quantization", q}, {"seconds", s.seconds},
                        {"bytes", s.total_bytes}, {"threads", at::get_num_threads()}};
    std::cout << j.dump() << std::endl;
    return s.seconds;
}

// Teacher-forced over a fixed sequence of `n` ids, then greedy from its first 8: what bf16 and int8
// weights change against float32 weights of the same checkpoint.
int agreement(const std::string& dir, int n, int new_tokens) {
    c10::InferenceMode guard;
    const ModelConfig c = read_model_config(dir);
    std::vector<int64_t> seq;
    for (int i = 0; i < n; ++i) seq.push_back(100 + (int64_t(i) * 104729) % (c.vocab_size - 100));
    const auto input = torch::tensor(seq).unsqueeze(0);
    const auto targets = input.narrow(1, 1, n - 1).reshape(-1);
    torch::Tensor ref_top1;
    std::vector<int32_t> ref_ids;
    for (auto f : {WeightFormat::F32, WeightFormat::BF16, WeightFormat::Int8}) {
        InferenceOptions o;
        o.weights = f;
        CausalLM m = load_for_inference(dir, o);
        const auto logits = m->forward(input).narrow(1, 0, n - 1).reshape({n - 1, -1});
        const double nll = -torch::log_softmax(logits, -1).gather(1, targets.unsqueeze(1)).mean().item<double>();
        const auto top1 = logits.argmax(-1);
        GenerateOptions g;
        g.sampling.temperature = 0;
        g.max_new_tokens = new_tokens;
        const auto ids = generate(*m, nullptr, std::vector<int32_t>(seq.begin(), seq.begin() + 8), g).ids;
        if (f == WeightFormat::F32) ref_top1 = top1, ref_ids = ids;
        size_t same = 0;
        while (same < ids.size() && same < ref_ids.size() && ids[same] == ref_ids[same]) ++same;
        nlohmann::json j = {{"bench", "agreement"}, {"model", dir}, {"weights", weight_format_name(f)},
                            {"positions", n - 1},
                            {"top1_agreement", top1.eq(ref_top1).to(torch::kDouble).mean().item<double>()},
                            {"perplexity", std::exp(nll)}, {"greedy_prefix_in_common", same},
                            {"greedy_tokens", ids.size()}};
        std::cout << j.dump() << std::endl;
    }
    return 0;
}

// Decode speed with a LoRA adapter on every projection, applied unmerged on top of the packed weights
// (what Chat does when a checkpoint is attached), against the same model with the adapter switched off.
// lora_B is random (not PEFT's zeros) so that the adapter changes the output, as a trained one does.
int adapter_overhead(const Args& a) {
    InferenceOptions o;
    o.weights = parse_weight_format(a.weights);
    CausalLM m = load_for_inference(a.adapter_overhead, o);
    LoraSettings s;
    s.rank = a.lora_rank;
    s.use_dora = a.dora;
    LoraModel lora = LoraModel::apply(m.ptr(), s);
    {
        torch::NoGradGuard no_grad;
        for (const auto& p : m->named_parameters())
            if (p.key().find("lora_B") != std::string::npos) p.value().normal_(0, 0.02);
    }
    c10::InferenceMode guard;
    const ModelConfig& c = m->config();
    std::vector<int32_t> prompt;
    for (int i = 0; i < 8; ++i) prompt.push_back(int32_t(100 + (int64_t(i) * 7919) % (c.vocab_size - 100)));
    GenerateOptions g;
    g.sampling.temperature = 0;
    g.max_new_tokens = a.new_tokens;
    double best[2] = {0, 0};
    std::vector<int32_t> ids[2];
    for (int r = 0; r < a.repeat; ++r)
        for (int on = 0; on < 2; ++on) {
            lora.set_enabled(on == 1);
            const GenerateResult res = generate(*m, nullptr, prompt, g);
            best[on] = std::max(best[on], res.decode_tokens_per_s());
            ids[on] = res.ids;
        }
    nlohmann::json j = {{"bench", "adapter_overhead"}, {"model", a.adapter_overhead}, {"weights", a.weights},
                        {"lora_rank", a.lora_rank}, {"dora", a.dora}, {"adapted_linears", lora.modules().size()},
                        {"tokens", a.new_tokens}, {"threads", at::get_num_threads()},
                        {"base_tokens_per_s", best[0]}, {"lora_tokens_per_s", best[1]},
                        {"overhead", best[0] / best[1] - 1}, {"outputs_differ", ids[0] != ids[1]}};
    std::cout << j.dump() << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Args a = parse(argc, argv);
        at::set_num_threads(a.threads);
        if (!a.agreement.empty()) return agreement(a.agreement, a.seq, a.new_tokens);
        if (!a.adapter_overhead.empty()) return adapter_overhead(a);
        const ModelConfig c = preset(a.preset);
        CausalLM m(c);
        m->init_weights(1234, 0.02);
        m->eval();
        if (!a.write.empty() || a.export_speed) {
            const std::string dir = a.write.empty() ? (fs::temp_directory_path() / "lathe-bench-decode").string() : a.write;
            fs::create_directories(dir);
            const std::string hf = write_model(*m, dir, a.tokenizer);
            if (a.export_speed) {
                export_once(hf, dir + "/export-hf-f16", "hf", "f16");
                export_once(hf, dir + "/export-gguf-q4_k_m", "gguf", "q4_k_m");
            } else {
                export_once(hf, dir + "/gguf-f32", "gguf", "f32");
                for (const char* q : {"q8_0", "q4_0", "q4_k_m"}) export_once(hf, dir + "/gguf-" + q, "gguf", q);
            }
            return 0;
        }
        const std::vector<int32_t> prompt = prompt_ids(a.prompt_tokens);
        GenerateOptions o;
        o.sampling.temperature = 0;
        o.max_new_tokens = 8;
        generate(*m, nullptr, prompt, o);  // warm-up: allocator, thread pool, rope tables
        o.max_new_tokens = a.new_tokens;
        std::vector<double> ttft, tps;
        std::vector<int32_t> ids;
        for (int r = 0; r < a.repeat; ++r) {
            const GenerateResult g = generate(*m, nullptr, prompt, o);
            ttft.push_back(g.time_to_first_token_s * 1000);
            tps.push_back(g.decode_tokens_per_s());
            ids = g.ids;
        }
        std::sort(ttft.begin(), ttft.end());
        std::sort(tps.begin(), tps.end());
        std::vector<int32_t> head(ids.begin(), ids.begin() + std::min<size_t>(8, ids.size()));
        nlohmann::json j = {{"bench", "decode"},      {"engine", "lathe"},          {"preset", a.preset},
                            {"threads", a.threads},   {"prompt_tokens", prompt.size()}, {"new_tokens", a.new_tokens},
                            {"ttft_ms", ttft[ttft.size() / 2]}, {"decode_tokens_per_s", tps[tps.size() / 2]},
                            {"params", c.parameter_count()}, {"first_ids", head}};
        std::cout << j.dump() << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-decode: %s\n", e.what());
        return 1;
    }
}
