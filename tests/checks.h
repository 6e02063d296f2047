// What the tests check with: the message of the error a call throws (what a user would read), whether a
// text holds a part, the largest difference between two tensors.
#pragma once
#include "core/util/error.h"

#include <torch/types.h>

#include <string>
#include <vector>

namespace lathe::test {

// The message of the E (any lathe::Error by default) that f() throws, or "" when it returns.
// Another exception type escapes, failing the test.
template <class E = Error, class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "";
}

inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The largest absolute difference between a and b, computed in double.
inline double max_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace lathe::test

// Checks that message `msg` holds every part given (Qt Test; use inside a test slot):
// EXPECT_PARTS(error_of([&] { ... }), path, "line 3", "field \"messages\"").
#define EXPECT_PARTS(msg, ...)                                                       \
    do {                                                                             \
        const std::string m_ = (msg);                                                \
        for (const std::string& part_ : std::vector<std::string>{__VA_ARGS__})       \
            QVERIFY2(m_.find(part_) != std::string::npos, (m_ + "\n  lacks: " + part_).c_str()); \
    } while (0)
