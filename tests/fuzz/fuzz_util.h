// Shared by the libFuzzer harnesses (tests/fuzz/README.md): the fuzzed bytes as a file, and the rule
// every harness checks.
//
// The rule: a reader given any bytes either succeeds or throws a lathe::Error, whose message names the
// file and the problem. A crash, a sanitizer report, a hang or any other exception (a JSON library's
// type_error, std::out_of_range, std::bad_alloc from a size read off the file) is a finding: the harness
// prints it and aborts, and libFuzzer keeps the input.
#pragma once
#include "core/util/error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace lathe::fuzz {

// A folder of this process's own under the temp directory (created once).
inline const std::string& scratch() {
    static const std::string dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        auto d = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("lathe-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d.string();
    }();
    return dir;
}

// Writes the bytes to scratch()/name (replacing what the last input left) and returns the path.
inline std::string as_file(const uint8_t* data, size_t size, const std::string& name) {
    const std::string path = scratch() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

// Runs `body`; a lathe::Error is an expected answer to bad bytes, anything else thrown is a finding.
template <class F>
void expect_clean(const char* what, F&& body) {
    try {
        body();
    } catch (const lathe::Error&) {
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lathe fuzz (%s): an exception that is not a lathe::Error: %s\n", what, e.what());
        std::abort();
    }
}

}  // namespace lathe::fuzz
