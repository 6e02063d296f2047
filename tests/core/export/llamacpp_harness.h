// Running bench/llamacpp/run.mjs and render.mjs (node-llama-cpp's prebuilt llama.cpp, installed by
// scripts/llamacpp-setup.sh) from a test. Tests skip with harness_missing()'s message when absent.
#pragma once
#include "core/util/fs.h"

#include <QProcess>
#include <QStandardPaths>
#include <QStringList>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace lathe::test {

inline std::string llamacpp_dir() { return std::string(LATHE_SOURCE_DIR) + "/bench/llamacpp"; }

inline std::string harness_missing() {
    if (QStandardPaths::findExecutable("node").isEmpty()) return "node is not installed (needed for bench/llamacpp/run.mjs)";
    if (!file_exists(llamacpp_dir() + "/node_modules/node-llama-cpp/package.json"))
        return "node-llama-cpp is not installed: run scripts/llamacpp-setup.sh";
    return "";
}

// Runs `script` with `args` (and `input` on stdin); returns its JSON, throws on failure.
inline nlohmann::json run_node(const std::string& script, const QStringList& args, const std::string& input = "") {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true");
    p.setProcessEnvironment(env);
    p.start("node", QStringList{QString::fromStdString(llamacpp_dir() + "/" + script)} + args);
    if (!input.empty()) p.write(input.data(), qint64(input.size()));
    p.closeWriteChannel();
    if (!p.waitForFinished(240000)) {
        p.kill();
        p.waitForFinished();
        throw std::runtime_error(script + " did not finish in 240 s");
    }
    const std::string out = p.readAllStandardOutput().toStdString(), err = p.readAllStandardError().toStdString();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(out);
    } catch (const std::exception&) {
        throw std::runtime_error(script + " printed no JSON (exit " + std::to_string(p.exitCode()) + "): " + out + err);
    }
    if (!j.value("ok", false)) throw std::runtime_error(script + " failed: " + j.dump() + "\n" + err);
    return j;
}

}  // namespace lathe::test

// Qt Test aborts on an escaping exception: turn harness failures into test failures.
#define LATHE_RUN_NODE(var, ...)              \
    nlohmann::json var;                       \
    try {                                     \
        var = ::lathe::test::run_node(__VA_ARGS__); \
    } catch (const std::exception& e) {       \
        QFAIL(e.what());                      \
    }
