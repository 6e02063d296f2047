// A GGUF file: magic, version, metadata of every value type, tensor infos and offsets, and the decoding
// of each (small) tensor to float32.
#include "core/io/gguf.h"
#include "tests/fuzz/fuzz_util.h"

#include <ATen/ATen.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = lathe::fuzz::as_file(data, size, "model.gguf");
    lathe::fuzz::expect_clean("gguf", [&] {
        lathe::GgufFile file(path);
        for (const auto& kv : file.metadata()) (void)file.find(kv.key);
        for (const auto& info : file.tensors()) {
            (void)file.tensor_bytes(info.name);
            const int64_t n = info.n_elements();
            if (n > 0 && n < (1 << 16)) (void)file.tensor_f32(info.name).sum().item<float>();
        }
    });
    return 0;
}
