// Shared by the error test classes: run lathe-cli and check the exit code and the message.
#pragma once
#include "tests/cli/cli_fixtures.h"

#include <QtTest>

#include <string>
#include <vector>

namespace lathe::test {

struct ErrorCase {
    std::vector<std::string> args;
    int code;
    std::vector<std::string> messages;  // each must appear on stderr
};

// Every case must exit with its code, print nothing on stdout and its messages on stderr.
// Reports through QVERIFY: check QTest::currentTestFailed() after it.
inline void check_errors(const std::vector<ErrorCase>& cases) {
    for (const auto& c : cases) {
        std::string cmd;
        for (const auto& a : c.args) cmd += a + " ";
        auto r = run_cli(c.args);
        QVERIFY2(r.code == c.code, (cmd + ": " + r.why()).c_str());
        QVERIFY2(r.out.empty(), (cmd + ": stdout '" + r.out + "'").c_str());
        for (const auto& m : c.messages)
            QVERIFY2(contains(r.err, m), (cmd + ": stderr lacks '" + m + "': " + r.err).c_str());
    }
}

}  // namespace lathe::test
