#include "core/tokenizer/sentencepiece_module_loader.h"

#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include "lathe_build_paths.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

namespace lathe {

namespace {

constexpr const char* kModuleFile = "liblathe_spm.so";

template <typename F>
void bind(void* lib, const char* name, F& out, const std::string& path) {
    out = reinterpret_cast<F>(dlsym(lib, name));
    if (!out) throw TokenizerError(file_problem(path, -1, -1, "spm_module_lacks", {name}));
}

SpmApi bind_all(void* lib, const std::string& path) {
    SpmApi api;
    api.path = path;
    decltype(&lathe_spm_abi_version) abi = nullptr;
    bind(lib, "lathe_spm_abi_version", abi, path);
    if (abi() != LATHE_SPM_ABI_VERSION) {
        throw TokenizerError(file_problem(path, -1, -1, "spm_module_abi",
                                          {std::to_string(abi()), std::to_string(LATHE_SPM_ABI_VERSION)}));
    }
    bind(lib, "lathe_spm_load_file", api.load_file, path);
    bind(lib, "lathe_spm_load_bytes", api.load_bytes, path);
    bind(lib, "lathe_spm_destroy", api.destroy, path);
    bind(lib, "lathe_spm_encode", api.encode, path);
    bind(lib, "lathe_spm_decode", api.decode, path);
    bind(lib, "lathe_spm_vocab_size", api.vocab_size, path);
    bind(lib, "lathe_spm_id_to_piece", api.id_to_piece, path);
    bind(lib, "lathe_spm_piece_to_id", api.piece_to_id, path);
    bind(lib, "lathe_spm_score", api.score, path);
    bind(lib, "lathe_spm_piece_type", api.piece_type, path);
    bind(lib, "lathe_spm_bos_id", api.bos_id, path);
    bind(lib, "lathe_spm_eos_id", api.eos_id, path);
    bind(lib, "lathe_spm_unk_id", api.unk_id, path);
    bind(lib, "lathe_spm_pad_id", api.pad_id, path);
    bind(lib, "lathe_spm_set_min_log_level", api.set_min_log_level, path);
    bind(lib, "lathe_spm_train", api.train, path);
    bind(lib, "lathe_spm_free", api.free, path);
    return api;
}

}  // namespace

std::string SpmApi::take_string(char* s) const {
    if (!s) return {};
    std::string out(s);
    free(s);
    return out;
}

std::vector<std::string> spm_module_candidates() {
    std::vector<std::string> c;
    if (const char* env = std::getenv("LATHE_SPM_MODULE"); env && *env) c.emplace_back(env);
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) c.push_back((exe.parent_path() / kModuleFile).string());
    c.emplace_back(LATHE_SPM_MODULE_BUILD_PATH);
    return c;
}

namespace {

// The sanitizer runtimes' dlopen refuses RTLD_DEEPBIND and stops the program. In a sanitizer build
// (scripts/sanitize.sh) the module is opened by glibc's dlopen behind theirs: inside the module memory
// then comes from glibc's allocator, which is why everything it hands out goes back through its own
// lathe_spm_free.
void* open_module(const char* path, int flags) {
#ifdef LATHE_SANITIZED
    using Dlopen = void* (*)(const char*, int);
    static const auto glibc_dlopen = reinterpret_cast<Dlopen>(dlsym(RTLD_NEXT, "dlopen"));
    if (glibc_dlopen) return glibc_dlopen(path, flags);
#endif
    return dlopen(path, flags);
}

}  // namespace

SpmApi load_spm_module(const std::vector<std::string>& candidates) {
    for (const std::string& path : candidates) {
        if (!file_exists(path)) continue;
        int flags = RTLD_NOW | RTLD_LOCAL;
#ifdef RTLD_DEEPBIND
        flags |= RTLD_DEEPBIND;  // the module's own protobuf-lite symbols win inside it
#endif
        void* lib = open_module(path.c_str(), flags);
        if (!lib) {
            const char* why = dlerror();
            throw TokenizerError(file_problem(path, -1, -1, "spm_module_load_failed", {why ? why : "unknown dlopen error"}));
        }
        // Never dlclose: pieces handed out by the module point into its memory.
        return bind_all(lib, path);
    }
    std::string searched;
    for (const std::string& p : candidates) searched += (searched.empty() ? "" : ", ") + p;
    throw TokenizerError(plain_problem("spm_module_not_found", {kModuleFile, searched}));
}

const SpmApi& spm_module() {
    static std::mutex mutex;
    static std::unique_ptr<SpmApi> api;
    std::lock_guard<std::mutex> lock(mutex);
    // A failure is not remembered: the next call searches again (e.g. after LATHE_SPM_MODULE is set).
    if (!api) api = std::make_unique<SpmApi>(load_spm_module(spm_module_candidates()));
    return *api;
}

}  // namespace lathe
