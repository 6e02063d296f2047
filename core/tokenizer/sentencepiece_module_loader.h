// Finds and loads the lathe_spm module (SentencePiece behind a C interface). Debian's libsentencepiece
// exports the protobuf-lite it bundles; linked next to LibTorch it crashes the program at start-up, so
// it lives in a module opened with dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND).
#pragma once
#include "core/tokenizer/sentencepiece_module_api.h"

#include <string>
#include <vector>

namespace lathe {

// The module's entry points.
struct SpmApi {
    std::string path;  // where the module was loaded from
    decltype(&lathe_spm_load_file) load_file = nullptr;
    decltype(&lathe_spm_load_bytes) load_bytes = nullptr;
    decltype(&lathe_spm_destroy) destroy = nullptr;
    decltype(&lathe_spm_encode) encode = nullptr;
    decltype(&lathe_spm_decode) decode = nullptr;
    decltype(&lathe_spm_vocab_size) vocab_size = nullptr;
    decltype(&lathe_spm_id_to_piece) id_to_piece = nullptr;
    decltype(&lathe_spm_piece_to_id) piece_to_id = nullptr;
    decltype(&lathe_spm_score) score = nullptr;
    decltype(&lathe_spm_piece_type) piece_type = nullptr;
    decltype(&lathe_spm_bos_id) bos_id = nullptr;
    decltype(&lathe_spm_eos_id) eos_id = nullptr;
    decltype(&lathe_spm_unk_id) unk_id = nullptr;
    decltype(&lathe_spm_pad_id) pad_id = nullptr;
    decltype(&lathe_spm_set_min_log_level) set_min_log_level = nullptr;
    decltype(&lathe_spm_train) train = nullptr;
    decltype(&lathe_spm_free) free = nullptr;

    // Takes ownership of a module-allocated string (may be null) and returns it as std::string.
    std::string take_string(char* s) const;
};

// Where the module is looked for, in order: $LATHE_SPM_MODULE, beside the running program
// (/proc/self/exe; every Lathe binary lands in build/bin), then the build tree's path.
std::vector<std::string> spm_module_candidates();

// The process-wide module, loaded on first use (thread-safe). Throws TokenizerError listing the places
// searched when no candidate exists, or dlopen's message when one cannot be loaded.
const SpmApi& spm_module();

// Loads the first existing candidate of `candidates` (spm_module() with candidates of the caller's
// choosing; tests use it). The library stays loaded for the life of the process.
SpmApi load_spm_module(const std::vector<std::string>& candidates);

}  // namespace lathe
