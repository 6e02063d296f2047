// Running lathe-cli from the tests (QProcess) and the model folders they run it on.
#pragma once
#include "core/model/model_folder.h"
#include "core/util/fs.h"
#include "tests/registry.h"

#include <QProcess>
#include <QStringList>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace lathe::test {

struct CliResult {
    int code = -1;  // exit code; -1 when it crashed or did not finish
    std::string out, err;
    // For failure messages: the command's stderr, shortened.
    std::string why() const { return "exit " + std::to_string(code) + ", stderr: " + err.substr(0, 2000); }
};

// Runs lathe-cli with `args`, feeding `input` on stdin. `file_limit_kb` >= 0 runs it under
// `ulimit -f` (no file may grow past that many KiB, as on a full disk).
inline CliResult run_cli(const std::vector<std::string>& args, const std::string& input = {}, int timeout_ms = 180000,
                         int file_limit_kb = -1) {
    QStringList list;
    for (const auto& a : args) list << QString::fromStdString(a);
    QProcess p;
    if (file_limit_kb >= 0)
        p.start(QStringLiteral("/bin/bash"), QStringList{QStringLiteral("-c"),
                                                         QStringLiteral("ulimit -f %1 && exec \"$0\" \"$@\"").arg(file_limit_kb),
                                                         QStringLiteral(LATHE_CLI_EXE)} +
                                                 list);
    else
        p.start(QStringLiteral(LATHE_CLI_EXE), list);
    CliResult r;
    if (!p.waitForStarted(30000)) {
        r.err = "could not start " LATHE_CLI_EXE;
        return r;
    }
    if (!input.empty()) p.write(input.data(), static_cast<qint64>(input.size()));
    p.closeWriteChannel();
    const bool finished = p.waitForFinished(timeout_ms);
    if (!finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    r.out = p.readAllStandardOutput().toStdString();
    r.err = p.readAllStandardError().toStdString();
    if (finished && p.exitStatus() == QProcess::NormalExit) r.code = p.exitCode();
    return r;
}

// "1,2,3" (generate --ids) or "1 2 3" (tokenize) -> ids; the line must end with a newline.
inline std::vector<int32_t> parse_ids(const std::string& line, char sep) {
    std::vector<int32_t> ids;
    if (line.empty() || line.back() != '\n') return {-999};  // never equal to a real answer
    std::istringstream in(line.substr(0, line.size() - 1));
    std::string item;
    while (std::getline(in, item, sep)) ids.push_back(static_cast<int32_t>(std::stol(item)));
    return ids;
}

// Copies the tokenizer files of `tokenizer_dir` (tokenizer.json and its config only, so that a folder
// holding both tokenizer.json and tokenizer.model is not ambiguous) into `dir`.
inline void copy_tokenizer_json(const std::string& tokenizer_dir, const std::string& dir) {
    std::filesystem::create_directories(dir);
    for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
        const std::string src = tokenizer_dir + "/" + f;
        if (file_exists(src)) write_file_atomic(dir + "/" + f, read_file(src));
    }
}

// Saves `model` as scratch_dir()/name (config.json + model.safetensors), with the tokenizer of
// `tokenizer_dir` beside it unless that is "".
inline std::string write_model_folder(CausalLMImpl& model, const std::string& name, const std::string& tokenizer_dir,
                                      torch::ScalarType dtype = torch::kFloat) {
    const std::string dir = scratch_dir() + "/" + name;
    std::filesystem::remove_all(dir);
    save_causal_lm(model, dir, dtype);
    if (!tokenizer_dir.empty()) copy_tokenizer_json(tokenizer_dir, dir);
    return dir;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace lathe::test

#define LATHE_SKIP_WITHOUT_TOKENIZERS(name)                                   \
    if (::lathe::test::shared_tokenizer_dir(name).empty())                    \
        QSKIP("../shared/tokenizers is absent (set LATHE_SHARED_DIR)")
