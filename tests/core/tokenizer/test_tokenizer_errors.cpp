// Every bad tokenizer folder gives a TokenizerError that says which file and what is wrong.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/json_file.h"
#include "core/tokenizer/sentencepiece_module_loader.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <filesystem>

using namespace lathe;
using json = nlohmann::json;

namespace {

std::string fresh_dir(const std::string& name) {
    const std::string dir = test::scratch_dir() + "/errors-" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// The message of the TokenizerError that `f` throws ("" if none).
using lathe::test::error_of;

bool mentions(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The problem of the TokenizerError that reading `dir` throws.
Problem problem_reading(const std::string& dir) {
    try {
        Tokenizer::from_dir(dir);
    } catch (const TokenizerError& e) {
        return e.problem();
    }
    return {};
}

// A minimal valid byte-level tokenizer.json; tests break one part of it.
json tiny_tokenizer_json() {
    const json vocab = {{"a", 0}, {"b", 1}, {"ab", 2}};
    return {{"version", "1.0"},
            {"added_tokens", json::array()},
            {"normalizer", nullptr},
            {"pre_tokenizer", nullptr},
            {"post_processor", nullptr},
            {"decoder", nullptr},
            {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({"a b"})}}}};
}

std::string dir_with_tokenizer_json(const std::string& name, const json& j) {
    const std::string dir = fresh_dir(name);
    write_json_file(dir + "/tokenizer.json", j);
    return dir;
}

}  // namespace

class TestTokenizerErrors : public QObject {
    Q_OBJECT
private slots:
    void missingFolder() {
        const std::string dir = test::scratch_dir() + "/no-such-model";
        QCOMPARE(error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); }), dir + ": tokenizer folder not found");
    }

    void fileInsteadOfFolder() {
        const std::string file = fresh_dir("file") + "/tokenizer.json";
        write_file_atomic(file, "{}");
        QVERIFY(mentions(error_of<TokenizerError>([&] { Tokenizer::from_dir(file); }), file + ": not a folder"));
    }

    void emptyFolder() {
        const std::string dir = fresh_dir("empty");
        QCOMPARE(error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); }), dir + ": no tokenizer.json or tokenizer.model in this folder");
    }

    void corruptTokenizerJson() {
        const std::string dir = fresh_dir("corrupt-json");
        write_file_atomic(dir + "/tokenizer.json", "{\n  \"model\": {\n    \"type\": \"BPE\",,\n  }\n}\n");
        const std::string msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); });
        QVERIFY2(msg.rfind(dir + "/tokenizer.json:3:", 0) == 0, msg.c_str());
        QVERIFY2(mentions(msg, "invalid JSON"), msg.c_str());
    }

    void unsupportedModelType() {
        json j = tiny_tokenizer_json();
        j["model"] = {{"type", "Unigram"}, {"vocab", json::array()}};
        const std::string dir = dir_with_tokenizer_json("unigram", j);
        const std::string msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); });
        QVERIFY2(mentions(msg, dir + "/tokenizer.json: unsupported model type \"Unigram\""), msg.c_str());
    }

    void unsupportedPipelineParts() {
        const std::pair<const char*, const char*> parts[] = {
            {"normalizer", "Precompiled"}, {"pre_tokenizer", "BertPreTokenizer"},
            {"decoder", "WordPiece"}, {"post_processor", "Mystery"}};
        for (auto [key, type] : parts) {
            json j = tiny_tokenizer_json();
            j[key] = {{"type", type}};
            const std::string dir = dir_with_tokenizer_json(std::string("unsupported-") + key, j);
            const std::string msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); });
            const std::string expected = std::string(key) + ": unsupported " + key + " type \"" + type + "\"";
            QVERIFY2(mentions(msg, "tokenizer.json") && mentions(msg, expected), msg.c_str());
            // As data, for the studio: the file, the place inside it and the type.
            const Problem p = problem_reading(dir);
            QCOMPARE(p.id, "tokenizer_json_" + std::string(key) + "_type");
            QCOMPARE(p.file, dir + "/tokenizer.json");
            QCOMPARE(p.args, (std::vector<std::string>{key, type}));
            QCOMPARE(p.message, dir + "/tokenizer.json: " + expected);
        }
        // A step of a Sequence is named by its path.
        json j = tiny_tokenizer_json();
        j["normalizer"] = {{"type", "Sequence"}, {"normalizers", json::array({{{"type", "NFC"}}, {{"type", "Precompiled"}}})}};
        const std::string dir = dir_with_tokenizer_json("unsupported-step", j);
        const Problem p = problem_reading(dir);
        QCOMPARE(p.id, std::string("tokenizer_json_normalizer_type"));
        QCOMPARE(p.args, (std::vector<std::string>{"normalizer.normalizers[1]", "Precompiled"}));
        QCOMPARE(p.message, dir + "/tokenizer.json: normalizer.normalizers[1]: unsupported normalizer type \"Precompiled\"");
    }

    // Parts of the right name and the wrong JSON type are errors naming the part (found under clang,
    // where `j["added_tokens"] = {one_object}` makes an object, not a list of one).
    void wrongJsonTypes() {
        json j = tiny_tokenizer_json();
        j["added_tokens"] = {{"id", 3}, {"content", "<s>"}};
        std::string msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir_with_tokenizer_json("added-object", j)); });
        QVERIFY2(mentions(msg, "tokenizer.json: added_tokens must be a list, found object"), msg.c_str());
        j = tiny_tokenizer_json();
        j["model"]["type"] = 5;
        msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir_with_tokenizer_json("type-number", j)); });
        QVERIFY2(mentions(msg, "tokenizer.json: model.type must be a string, found number"), msg.c_str());
        // Inside a part, the JSON library's type and key errors become data: the place, the type wanted and
        // the one found, or the missing key (the studio words them in Korean).
        j = tiny_tokenizer_json();
        j["added_tokens"] = json::array({{{"id", "three"}, {"content", "<s>"}}});
        std::string dir = dir_with_tokenizer_json("added-id-string", j);
        Problem p = problem_reading(dir);
        QCOMPARE(p.id, std::string("tokenizer_json_value_type"));
        QCOMPARE(p.file, dir + "/tokenizer.json");
        QCOMPARE(p.args, (std::vector<std::string>{"added_tokens[0]", "number", "string"}));
        QCOMPARE(p.message, dir + "/tokenizer.json: added_tokens[0]: expected a JSON number, found string");
        j["added_tokens"] = json::array({{{"content", "<s>"}}});
        dir = dir_with_tokenizer_json("added-no-id", j);
        p = problem_reading(dir);
        QCOMPARE(p.id, std::string("tokenizer_json_missing_key"));
        QCOMPARE(p.args, (std::vector<std::string>{"added_tokens[0]", "id"}));
        QCOMPARE(p.message, dir + "/tokenizer.json: added_tokens[0]: no \"id\" key");
        // In a pipeline part the path carries the part's type; another JSON error keeps the library's text,
        // without its "[json.exception...]" prefix.
        j = tiny_tokenizer_json();
        j["normalizer"] = {{"type", "Sequence"}, {"normalizers", 7}};
        dir = dir_with_tokenizer_json("normalizers-number", j);
        p = problem_reading(dir);
        QCOMPARE(p.id, std::string("tokenizer_json_invalid_value"));
        QCOMPARE(p.args.size(), size_t(2));
        QCOMPARE(p.args[0], std::string("normalizer (Sequence)"));
        QVERIFY2(mentions(p.args[1], "operator[]") && !mentions(p.args[1], "json.exception"), p.args[1].c_str());
    }

    void mergeOfUnknownToken() {
        json j = tiny_tokenizer_json();
        j["model"]["merges"] = json::array({"a b", "a c"});
        const std::string dir = dir_with_tokenizer_json("bad-merge", j);
        const std::string msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); });
        QVERIFY2(mentions(msg, "model.merges[1]: token \"c\" is not in the vocabulary"), msg.c_str());
        const Problem p = problem_reading(dir);
        QCOMPARE(p.id, std::string("tokenizer_json_merge_not_in_vocab"));
        QCOMPARE(p.file, dir + "/tokenizer.json");
        QCOMPARE(p.args, (std::vector<std::string>{"model.merges[1]", "c"}));
    }

    void invalidRegex() {
        json j = tiny_tokenizer_json();
        j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}, {"invert", false}};
        const std::string dir = dir_with_tokenizer_json("bad-regex", j);
        const std::string msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); });
        QVERIFY2(mentions(msg, "pre_tokenizer.pattern: invalid regex at offset"), msg.c_str());
        Problem p = problem_reading(dir);  // as data: placed at the file, the JSON path first
        QCOMPARE(p.id, std::string("tokenizer_regex_invalid"));
        QCOMPARE(p.file, dir + "/tokenizer.json");
        QCOMPARE(p.args.size(), size_t(4));
        QCOMPARE(p.args[0], std::string("pre_tokenizer.pattern"));
        QCOMPARE(p.args[3], std::string("(unclosed"));

        j["pre_tokenizer"]["pattern"] = {{"Glob", "*"}};
        const std::string form = dir_with_tokenizer_json("bad-pattern-form", j);
        p = problem_reading(form);
        QCOMPARE(p.id, std::string("tokenizer_pattern_form"));
        QCOMPARE(p.args, (std::vector<std::string>{"pre_tokenizer.pattern", "{\"Glob\":\"*\"}"}));
        QVERIFY2(mentions(p.message, form + "/tokenizer.json: pre_tokenizer.pattern: pattern must be {\"String\": ...} or "
                                     "{\"Regex\": ...}, found {\"Glob\":\"*\"}"),
                 p.message.c_str());
    }

    void badTokenizerConfig() {
        const std::string dir = dir_with_tokenizer_json("bad-config", tiny_tokenizer_json());
        write_file_atomic(dir + "/tokenizer_config.json", "{\"bos_token\": 7}");
        QVERIFY(mentions(error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); }),
                         dir + "/tokenizer_config.json: bos_token must be a string, {\"content\": ...} or null, found 7"));
        write_file_atomic(dir + "/tokenizer_config.json", "{\"chat_template\": 3}");
        QVERIFY(mentions(error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); }), "chat_template must be a string or a list"));
        write_file_atomic(dir + "/tokenizer_config.json", "{\"add_bos_token\": \"yes\"}");
        QVERIFY(mentions(error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); }), "add_bos_token must be true or false"));
        write_file_atomic(dir + "/tokenizer_config.json", "{\n\"bos_token\": }");
        const std::string msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); });
        QVERIFY2(msg.rfind(dir + "/tokenizer_config.json:2:", 0) == 0, msg.c_str());
    }

    void missingTokenizerModel() {
        const std::string dir = dir_with_tokenizer_json("no-model", tiny_tokenizer_json());
        QCOMPARE(error_of<TokenizerError>([&] { Tokenizer::from_dir(dir, TokenizerSource::SentencePieceModel); }),
                 dir + "/tokenizer.model: file not found");
    }

    void corruptTokenizerModel() {
        const std::string dir = fresh_dir("corrupt-model");
        write_file_atomic(dir + "/tokenizer.model", std::string("\x0a\xff\xff\xff\xffgarbage, not a protobuf", 28));
        const std::string msg = error_of<TokenizerError>([&] { Tokenizer::from_dir(dir); });
        QVERIFY2(mentions(msg, dir + "/tokenizer.model: not a valid SentencePiece model"), msg.c_str());
        const Problem p = problem_reading(dir);
        QCOMPARE(p.id, std::string("spm_model_invalid"));
        QCOMPARE(p.file, dir + "/tokenizer.model");
        QCOMPARE(p.args.size(), size_t(1));  // the reader's reason (English: SentencePiece's own words)
    }

    void missingModule() {
        const std::string a = test::scratch_dir() + "/nowhere/liblathe_spm.so";
        const std::string msg = error_of<TokenizerError>([&] { load_spm_module({a}); });
        QVERIFY2(mentions(msg, "SentencePiece module (liblathe_spm.so) not found") && mentions(msg, a) &&
                     mentions(msg, "LATHE_SPM_MODULE"),
                 msg.c_str());
    }

    void moduleThatIsNotALibrary() {
        const std::string fake = fresh_dir("fake-module") + "/liblathe_spm.so";
        write_file_atomic(fake, "not an ELF file");
        const std::string msg = error_of<TokenizerError>([&] { load_spm_module({fake}); });
        QVERIFY2(mentions(msg, fake + ": cannot load the SentencePiece module"), msg.c_str());
    }
};

LATHE_TEST(TestTokenizerErrors)
#include "test_tokenizer_errors.moc"
