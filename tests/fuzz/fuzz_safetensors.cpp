// A .safetensors file: the header (JSON) and its offsets against the data section, then every tensor.
#include "core/io/safetensors.h"
#include "tests/fuzz/fuzz_util.h"

#include <ATen/ATen.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = lathe::fuzz::as_file(data, size, "model.safetensors");
    lathe::fuzz::expect_clean("safetensors", [&] {
        lathe::SafetensorsFile file(path);
        for (const auto& entry : file.entries()) {
            const at::Tensor t = file.tensor(entry.name);
            if (t.numel() > 0 && t.numel() < (1 << 16)) (void)t.to(at::kDouble).sum().item<double>();  // read every byte
        }
    });
    return 0;
}
