// A SentencePiece tokenizer.model as Lathe reads it itself (core/tokenizer/sentencepiece_model_proto: the
// protobuf wire format of ModelProto, walked without a protobuf library: piece types, model type,
// normalizer settings). libsentencepiece's own parser is not fuzzed here: it is Debian's build, without
// the sanitizers' instrumentation, loaded as a module with RTLD_DEEPBIND (core/tokenizer).
#include "core/tokenizer/sentencepiece_model_proto.h"
#include "tests/fuzz/fuzz_util.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lathe::fuzz::expect_clean("tokenizer.model", [&] {
        const auto info = lathe::read_spm_model_info(std::string_view(reinterpret_cast<const char*>(data), size), "tokenizer.model");
        size_t bytes = 0;
        for (const auto& p : info.pieces) bytes += p.piece.size();  // every piece read
        (void)bytes;
    });
    return 0;
}
