// A training or export config as YAML (the first byte picks), as lathe-cli reads it: the flat YAML
// reader, every key's type and range, and the checks across keys.
#include "core/export/export_config.h"
#include "core/io/yaml_config.h"
#include "core/train/train_config.h"
#include "tests/fuzz/fuzz_util.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    lathe::fuzz::expect_clean("yaml", [&] { (void)lathe::read_flat_yaml(text, "fuzz.yaml"); });
    if (data[0] % 2 == 0) {
        lathe::fuzz::expect_clean("train config", [&] {
            auto c = lathe::TrainConfig::from_yaml(text, "fuzz.yaml");
            c.validate();
        });
    } else {
        lathe::fuzz::expect_clean("export config", [&] {
            auto c = lathe::ExportConfig::from_yaml(text, "fuzz.yaml");
            c.validate();
        });
    }
    return 0;
}
