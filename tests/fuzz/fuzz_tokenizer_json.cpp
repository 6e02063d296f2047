// A tokenizer.json (models, normalizers, pre-tokenizers with their regexes, decoders, added tokens,
// post-processors), then a round of encoding and decoding on mixed text.
#include "core/tokenizer/hf_tokenizer.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = lathe::fuzz::as_file(data, size, "tokenizer.json");
    lathe::fuzz::expect_clean("tokenizer.json", [&] {
        auto tok = lathe::HfTokenizer::load(path);
        for (const char* text : {"Hello, world! 123", "  안녕하세요 세계\n\t", "<|im_start|>user\nhi<|im_end|>", "\xff\xfe bad utf-8"}) {
            const auto ids = tok->encode(text, true);
            (void)tok->decode(ids);
        }
    });
    return 0;
}
