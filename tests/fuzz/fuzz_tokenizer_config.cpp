// A tokenizer_config.json in a model folder: special tokens in every form transformers writes
// (strings, AddedToken objects, lists), flags and the chat template.
#include "core/tokenizer/tokenizer_config.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lathe::fuzz::as_file(data, size, "tokenizer_config.json");
    lathe::fuzz::expect_clean("tokenizer_config.json", [&] { (void)lathe::read_tokenizer_config(lathe::fuzz::scratch()); });
    return 0;
}
