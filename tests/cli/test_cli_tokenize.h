// Shared by the tokenize test classes: run tokenize on one reference case and compare.
#pragma once
#include "tests/cli/cli_fixtures.h"
#include "tests/core/tokenizer/reference_fixture.h"

#include <QtTest>

#include <stdexcept>
#include <string>
#include <vector>

namespace lathe::test {

inline const char* const kCliTokenizers[] = {"llama3", "qwen3", "llama2"};

struct TokenizeCase {
    std::string name;   // a case of reference_ids.json
    bool with_special;  // also run with --add-special
};

inline std::string ids_line(const std::vector<int32_t>& ids) {
    std::string s;
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? " " : "") + std::to_string(ids[i]);
    return s + "\n";
}

inline ReferenceCase find_reference_case(const std::string& tokenizer, const std::string& name) {
    for (auto& c : reference_cases_for(tokenizer))
        if (c.name == name) return c;
    throw std::runtime_error("no reference case " + name);
}

// Runs tokenize on `source` (--text T or --text-file F) without, and if asked with, --add-special.
// Reports through QVERIFY: check QTest::currentTestFailed() after it.
inline void check_tokenize(const std::string& tokenizer, const ReferenceCase& c, const std::vector<std::string>& source,
                           bool with_special) {
    for (bool special : {false, true}) {
        if (special && !with_special) break;
        std::vector<std::string> args = {"tokenize", "--model", shared_tokenizer_dir(tokenizer)};
        args.insert(args.end(), source.begin(), source.end());
        if (special) args.push_back("--add-special");
        auto r = run_cli(args);
        const std::string what = tokenizer + "/" + c.name + (special ? " --add-special" : "") + " via " + source[0];
        QVERIFY2(r.code == 0, (what + ": " + r.why()).c_str());
        const std::string want = ids_line(special ? c.ids_special : c.ids);
        QVERIFY2(r.out == want, (what + ": printed '" + r.out + "' expected '" + want + "'").c_str());
    }
}

}  // namespace lathe::test
