// Writes a random-weight Hugging Face folder of a real model's shape (bench/model_shapes.h says where
// each config comes from), for benchmarks on real proportions without a model hub.
//
//   bench-shapes --list
//   bench-shapes --shape qwen2.5-0.5b --out DIR [--seed 0] [--tokenizers ../shared/tokenizers]
//
// The folder loads with `lathe-cli info` and trains with `lathe-cli train` (model_name_or_path: DIR).
#include "bench/model_shapes.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

using namespace lathe;

namespace {

int usage() {
    std::fprintf(stderr, "usage: bench-shapes --list\n"
                         "       bench-shapes --shape NAME --out DIR [--seed 0] [--tokenizers DIR]\n");
    return 2;
}

void list() {
    std::printf("| shape        | parameters | layers | hidden | heads/KV | intermediate |  vocab | tied | tokenizer | config from\n");
    std::printf("|--------------|-----------:|-------:|-------:|---------:|-------------:|-------:|------|-----------|------------\n");
    for (const auto& s : bench::model_shapes()) {
        const ModelConfig c = ModelConfig::from_json(s.config, s.name);
        std::printf("| %-12s | %9.1fM | %6lld | %6lld | %4lld/%-3lld | %12lld | %6lld | %-4s | %-9s | %s\n", s.name.c_str(),
                    c.parameter_count() / 1e6, (long long)c.num_hidden_layers, (long long)c.hidden_size,
                    (long long)c.num_attention_heads, (long long)c.num_key_value_heads, (long long)c.intermediate_size,
                    (long long)c.vocab_size, c.tie_word_embeddings ? "yes" : "no", s.tokenizer.c_str(), s.source.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string shape, out, tokenizers = bench::shared_tokenizers_dir();
    uint64_t seed = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (k == "--list") return list(), 0;
        if (k == "--shape") shape = next();
        else if (k == "--out") out = next();
        else if (k == "--seed") seed = std::strtoull(next().c_str(), nullptr, 10);
        else if (k == "--tokenizers") tokenizers = next();
        else return usage();
    }
    if (shape.empty() || out.empty()) return usage();
    try {
        const auto& s = bench::find_model_shape(shape);
        const auto t0 = std::chrono::steady_clock::now();
        const ModelConfig c = bench::write_shape_folder(s, out, seed, tokenizers);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::error_code ec;
        const auto bytes = std::filesystem::file_size(out + "/model.safetensors", ec);
        std::printf("%s: %s, %.1fM parameters, model.safetensors %.1f MB (BF16, seed %llu), written in %.1f s\n",
                    s.name.c_str(), out.c_str(), c.parameter_count() / 1e6, bytes / 1e6, (unsigned long long)seed, secs);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-shapes: %s\n", e.what());
        return 1;
    }
    return 0;
}
