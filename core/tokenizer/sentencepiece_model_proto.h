// A reader for the parts of SentencePiece's ModelProto (tokenizer.model) that libsentencepiece's API
// does not expose: piece types (user-defined included), the model type and the normalizer settings.
// Just enough protobuf wire format to walk three messages; no protobuf library involved.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lathe {

struct SpmPiece {
    std::string piece;
    float score = 0;
    int type = 1;  // LATHE_SPM_NORMAL ... LATHE_SPM_BYTE (sentencepiece_module_api.h)
};

struct SpmModelInfo {
    std::vector<SpmPiece> pieces;
    int model_type = 1;  // 1 unigram, 2 bpe, 3 word, 4 char
    bool byte_fallback = false;
    std::string normalizer_name;  // "nmt_nfkc", "identity", ...
    bool add_dummy_prefix = true;
    bool remove_extra_whitespaces = true;
    bool escape_whitespaces = true;
};

// Throws TokenizerError naming `origin` when `bytes` is not a well-formed ModelProto.
SpmModelInfo read_spm_model_info(std::string_view bytes, const std::string& origin);

}  // namespace lathe
