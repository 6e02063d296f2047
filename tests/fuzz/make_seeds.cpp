// make-fuzz-seeds OUT: writes the binary seeds of the fuzz corpora with Lathe's own writers, so every
// harness starts from valid files (scripts/fuzz.sh adds the text seeds from the repository).
//   OUT/safetensors/*.safetensors   tensors of each dtype, with and without metadata
//   OUT/gguf/*.gguf                 metadata of every value type; F32, F16, BF16, Q8_0, Q4_K and Q6_K tensors
#include "core/io/gguf.h"
#include "core/io/safetensors.h"

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using namespace lathe;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make-fuzz-seeds OUT\n");
        return 2;
    }
    const fs::path out = argv[1];
    fs::create_directories(out / "safetensors");
    fs::create_directories(out / "gguf");
    torch::manual_seed(1);
    write_safetensors((out / "safetensors" / "dtypes.safetensors").string(),
                      {{"a.weight", torch::randn({4, 3})},
                       {"b.weight", torch::randn({2, 5}).to(torch::kBFloat16)},
                       {"c.weight", torch::randn({2, 2}).to(torch::kHalf)},
                       {"d.ids", torch::arange(3, torch::kLong)},
                       {"e.mask", torch::ones({5}, torch::kBool)}});
    write_safetensors((out / "safetensors" / "metadata.safetensors").string(),
                      {{"model.embed_tokens.weight", torch::randn({6, 4}).to(torch::kBFloat16)}}, {{"format", "pt"}});
    write_safetensors((out / "safetensors" / "empty.safetensors").string(), {});

    {
        GgufWriter w((out / "gguf" / "types.gguf").string());
        w.set("general.architecture", GgufValue::string("llama"));
        w.set("general.name", GgufValue::string("fuzz seed"));
        w.set("llama.block_count", GgufValue::u32(1));
        w.set("llama.rope.freq_base", GgufValue::f32(10000.0f));
        w.set("fuzz.i8", GgufValue::i8(-3));
        w.set("fuzz.u16", GgufValue::u16(7));
        w.set("fuzz.i64", GgufValue::i64(-9));
        w.set("fuzz.f64", GgufValue::f64(0.5));
        w.set("fuzz.flag", GgufValue::boolean(true));
        w.set("tokenizer.ggml.tokens", GgufValue::array(std::vector<std::string>{"<s>", "</s>", "a", "b"}));
        w.set("tokenizer.ggml.scores", GgufValue::array(std::vector<float>{0, 0, -1, -2}));
        const std::pair<const char*, GgmlType> tensors[] = {
            {"f32", GgmlType::F32}, {"f16", GgmlType::F16}, {"bf16", GgmlType::BF16},
            {"q8_0", GgmlType::Q8_0}, {"q4_k", GgmlType::Q4_K}, {"q6_k", GgmlType::Q6_K}};
        for (const auto& [name, type] : tensors) w.add_tensor(name, {2, 256}, type);
        for (const auto& [name, type] : tensors) w.write_tensor(name, torch::randn({2, 256}));
        w.finish();
    }
    {
        GgufWriter w((out / "gguf" / "aligned64.gguf").string(), 64);
        w.set("general.architecture", GgufValue::string("qwen2"));
        w.add_tensor("token_embd.weight", {3, 32}, GgmlType::Q8_0);
        w.write_tensor("token_embd.weight", torch::randn({3, 32}));
        w.finish();
    }
    std::printf("seeds written to %s\n", out.c_str());
    return 0;
}
