// The lathe_spm module: SentencePiece behind a C interface (sentencepiece_module_api.h). Built as a
// MODULE library and loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) so that the protobuf-lite bundled in
// Debian's libsentencepiece never binds against LibTorch's libprotobuf. No exception leaves this file.
// The module target has no project include path: include the API header from this directory.
#include "sentencepiece_module_api.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

// Exported by libsentencepiece but missing from its installed headers.
namespace sentencepiece::logging {
void SetMinLogLevel(int v);
}

struct lathe_spm {
    sentencepiece::SentencePieceProcessor sp;
};

namespace {

char* copy_string(const std::string& s) {
    char* p = static_cast<char*>(std::malloc(s.size() + 1));
    if (!p) return nullptr;
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

void set_error(char** error, const std::string& message) {
    if (error) *error = copy_string(message);
}

template <typename Load>
lathe_spm* load_with(Load load, char** error) {
    try {
        auto h = std::make_unique<lathe_spm>();
        const auto status = load(h->sp);
        if (!status.ok()) {
            set_error(error, status.ToString());
            return nullptr;
        }
        return h.release();
    } catch (const std::exception& e) {
        set_error(error, e.what());
    } catch (...) {
        set_error(error, "unknown error in SentencePiece");
    }
    return nullptr;
}

bool valid_id(const lathe_spm* sp, int32_t id) { return sp && id >= 0 && id < sp->sp.GetPieceSize(); }

}  // namespace

extern "C" {

int lathe_spm_abi_version(void) { return LATHE_SPM_ABI_VERSION; }

lathe_spm* lathe_spm_load_file(const char* path, char** error) {
    return load_with([&](sentencepiece::SentencePieceProcessor& sp) { return sp.Load(path); }, error);
}

lathe_spm* lathe_spm_load_bytes(const char* data, size_t size, char** error) {
    return load_with(
        [&](sentencepiece::SentencePieceProcessor& sp) { return sp.LoadFromSerializedProto(absl::string_view(data, size)); },
        error);
}

void lathe_spm_destroy(lathe_spm* sp) { delete sp; }

int lathe_spm_encode(const lathe_spm* sp, const char* text, size_t size, int32_t** ids, size_t* n_ids, char** error) {
    try {
        std::vector<int> out;
        const auto status = sp->sp.Encode(absl::string_view(text, size), &out);
        if (!status.ok()) {
            set_error(error, status.ToString());
            return 1;
        }
        *n_ids = out.size();
        *ids = static_cast<int32_t*>(std::malloc(std::max<size_t>(1, out.size()) * sizeof(int32_t)));
        if (!*ids) throw std::bad_alloc();
        for (size_t i = 0; i < out.size(); ++i) (*ids)[i] = out[i];
        return 0;
    } catch (const std::exception& e) {
        set_error(error, e.what());
    }
    return 1;
}

int lathe_spm_decode(const lathe_spm* sp, const int32_t* ids, size_t n_ids, char** text, size_t* size, char** error) {
    try {
        std::vector<int> in(ids, ids + n_ids);
        std::string out;
        const auto status = sp->sp.Decode(in, &out);
        if (!status.ok()) {
            set_error(error, status.ToString());
            return 1;
        }
        *text = copy_string(out);
        if (!*text) throw std::bad_alloc();
        *size = out.size();
        return 0;
    } catch (const std::exception& e) {
        set_error(error, e.what());
    }
    return 1;
}

int32_t lathe_spm_vocab_size(const lathe_spm* sp) { return sp ? sp->sp.GetPieceSize() : 0; }

const char* lathe_spm_id_to_piece(const lathe_spm* sp, int32_t id, size_t* size) {
    if (!valid_id(sp, id)) return nullptr;
    const std::string& piece = sp->sp.IdToPiece(id);
    if (size) *size = piece.size();
    return piece.c_str();
}

int32_t lathe_spm_piece_to_id(const lathe_spm* sp, const char* piece, size_t size) {
    if (!sp) return -1;
    const absl::string_view p(piece, size);
    const int id = sp->sp.PieceToId(p);
    // PieceToId answers unk_id for unknown pieces; only an exact round trip is a hit.
    return valid_id(sp, id) && sp->sp.IdToPiece(id) == std::string(piece, size) ? id : -1;
}

float lathe_spm_score(const lathe_spm* sp, int32_t id) { return valid_id(sp, id) ? sp->sp.GetScore(id) : 0.0f; }

int lathe_spm_piece_type(const lathe_spm* sp, int32_t id) {
    if (!valid_id(sp, id)) return 0;
    if (sp->sp.IsUnknown(id)) return LATHE_SPM_UNKNOWN;
    if (sp->sp.IsControl(id)) return LATHE_SPM_CONTROL;
    if (sp->sp.IsUnused(id)) return LATHE_SPM_UNUSED;
    if (sp->sp.IsByte(id)) return LATHE_SPM_BYTE;
    return LATHE_SPM_NORMAL;
}

int32_t lathe_spm_bos_id(const lathe_spm* sp) { return sp ? sp->sp.bos_id() : -1; }
int32_t lathe_spm_eos_id(const lathe_spm* sp) { return sp ? sp->sp.eos_id() : -1; }
int32_t lathe_spm_unk_id(const lathe_spm* sp) { return sp ? sp->sp.unk_id() : -1; }
int32_t lathe_spm_pad_id(const lathe_spm* sp) { return sp ? sp->sp.pad_id() : -1; }

void lathe_spm_set_min_log_level(int level) { sentencepiece::logging::SetMinLogLevel(level); }

char* lathe_spm_train(const char* args) {
    try {
        const auto status = sentencepiece::SentencePieceTrainer::Train(absl::string_view(args));
        return status.ok() ? nullptr : copy_string(status.ToString());
    } catch (const std::exception& e) {
        return copy_string(e.what());
    } catch (...) {
        return copy_string("unknown error in SentencePiece training");
    }
}

void lathe_spm_free(void* p) { std::free(p); }

}  // extern "C"
