// lathe-cli generate refuses bad flags and values with a message naming the flag and the value, before
// loading the model where it can; a malformed generation_config.json names the file and the key.
#include "tests/cli/test_cli_errors.h"

#include "core/io/json_file.h"
#include "core/model/transformer.h"
#include "tests/core/model/tiny_models.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <filesystem>

using namespace lathe;

class TestCliGenerateErrors : public QObject {
    Q_OBJECT

    std::string model_;  // a tiny model (vocab 97) without tokenizer

private slots:
    void initTestCase() {
        CausalLM m(test::tiny_config("llama"));
        m->init_weights(5);
        model_ = test::write_model_folder(*m, "generate-errors-model", "");
    }

    void flagErrors() {
        test::check_errors({
            {{"generate", "--model", model_, "--prompt-ids", "1,x,3", "--ids"}, 1, {"--prompt-ids: 'x' is not a token id"}},
            {{"generate", "--model", model_, "--prompt-ids", "1,-4", "--ids"}, 1, {"--prompt-ids: '-4' is not a token id"}},
            {{"generate", "--model", model_, "--prompt-ids", ",", "--ids"}, 1, {"--prompt-ids: no ids given"}},
            {{"generate", "--model", model_, "--prompt-ids", "5,97", "--ids"}, 1,
             {"prompt token id 97 is outside the vocabulary [0, 97)"}},
            {{"generate", "--model", model_, "--ids"}, 1, {"give exactly one of --prompt and --prompt-ids"}},
            {{"generate", "--model", model_, "--prompt", "a", "--prompt-ids", "1", "--ids"}, 1,
             {"give exactly one of --prompt and --prompt-ids"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids", "--temperature", "hot"}, 1,
             {"--temperature: expected a number, got 'hot'"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids", "--temperature", "-1"}, 1,
             {"temperature must be >= 0"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids", "--temperature", "nan"}, 1,
             {"temperature must be >= 0, got nan"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids", "--top-p", "1.5"}, 1,
             {"top_p must be in (0, 1], got 1.5"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids", "--max-new-tokens", "ten"}, 1,
             {"--max-new-tokens: expected an integer, got 'ten'"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids", "--max-new-tokens", "-3"}, 1,
             {"--max-new-tokens: expected a count >= 0, got -3"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids", "--seed", "99999999999999999999"}, 1,
             {"--seed: expected an integer"}},
            // Text output needs the tokenizer the folder lacks.
            {{"generate", "--model", model_, "--prompt-ids", "1"}, 1, {model_}},
        });
    }

    void generationConfigErrors() {
        const std::string path = model_ + "/generation_config.json";
        const std::vector<std::string> args = {"generate", "--model", model_, "--prompt-ids", "1", "--ids"};
        write_json_file(path, nlohmann::json{{"do_sample", true}, {"temperature", "warm"}});
        test::check_errors({{args, 1, {path + ": 'temperature' must be a number, got \"warm\""}}});
        write_json_file(path, nlohmann::json{{"do_sample", "yes"}});
        test::check_errors({{args, 1, {path + ": 'do_sample' must be true or false, got \"yes\""}}});
        write_json_file(path, nlohmann::json::array({1, 2}));
        test::check_errors({{args, 1, {path + ": expected a JSON object, got array"}}});
        write_file_atomic(path, "{\"do_sample\": true,");
        test::check_errors({{args, 1, {path}}});
        // Out of range values are refused as the flags are.
        write_json_file(path, nlohmann::json{{"do_sample", true}, {"top_p", 0}});
        test::check_errors({{args, 1, {"top_p must be in (0, 1], got 0"}}});
        std::filesystem::remove(path);
    }
};

LATHE_TEST(TestCliGenerateErrors)
#include "test_cli_generate_errors.moc"
