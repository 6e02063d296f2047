// Every way to call lathe-cli wrongly ends with a non-zero exit code, nothing on stdout, and a message on
// stderr that says what is wrong (the flag, the file, the value). generate's own flags: in
// test_cli_generate_errors.cpp.
#include "tests/cli/test_cli_errors.h"

#include "core/model/transformer.h"
#include "tests/core/model/tiny_models.h"

#include <QtTest>

#include <filesystem>

using namespace lathe;

class TestCliErrors : public QObject {
    Q_OBJECT

    std::string model_;      // a tiny model (vocab 97) without tokenizer
    std::string tok_only_;   // tokenizer files only
    std::string corrupt_;    // config.json and a broken model.safetensors

private slots:
    void initTestCase() {
        CausalLM m(test::tiny_config("llama"));
        m->init_weights(5);
        model_ = test::write_model_folder(*m, "errors-model", "");
        corrupt_ = test::write_model_folder(*m, "errors-corrupt", "");
        const std::string weights = corrupt_ + "/model.safetensors";
        std::string bytes = read_file(weights);
        write_file_atomic(weights, bytes.substr(0, bytes.size() / 2));  // cut short: tensors past the end
        tok_only_ = test::scratch_dir() + "/errors-tokenizer-only";
        const std::string shared = test::shared_tokenizer_dir("llama3");
        if (!shared.empty()) test::copy_tokenizer_json(shared, tok_only_);
    }

    // An unknown LATHE_KERNEL_ISA (a bench or test setting) is named on stderr instead of silently
    // running the fastest kernels; a known one says nothing.
    void unknownKernelIsaIsNamed() {
        qputenv("LATHE_KERNEL_ISA", "avx9");
        const auto bad = test::run_cli({"--help"});
        qputenv("LATHE_KERNEL_ISA", "avx2");
        const auto good = test::run_cli({"--help"});
        qunsetenv("LATHE_KERNEL_ISA");
        QVERIFY2(bad.err.find("LATHE_KERNEL_ISA='avx9' is not one of amx, avx512-bf16, avx512, avx2, portable; ignored") !=
                     std::string::npos,
                 bad.why().c_str());
        QVERIFY2(good.err.find("LATHE_KERNEL_ISA") == std::string::npos, good.why().c_str());
    }

    void commandErrors() {
        test::check_errors({
            {{}, 2, {"usage: lathe-cli <command>"}},
            {{"frobnicate"}, 2, {"unknown command 'frobnicate'", "usage:"}},
            {{"info"}, 1, {"missing --model"}},
            {{"tokenize", "--text", "hi"}, 1, {"missing --model"}},
            {{"generate", "--prompt-ids", "1"}, 1, {"missing --model"}},
            {{"chat"}, 1, {"missing --model"}},
            {{"info", "--model", model_, "--bogus", "1"}, 1, {"unknown option --bogus"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids", "--temprature", "0"}, 1,
             {"unknown option --temprature"}},
            {{"info", "--model"}, 1, {"--model needs a value"}},
            {{"generate", "--model", model_, "--prompt-ids", "1", "--ids=yes"}, 1, {"--ids takes no value"}},
            {{"info", "--model", model_, "extra"}, 1, {"unexpected argument 'extra'"}},
            {{"info", "--model", model_, "--cutoff-len", "0"}, 1, {"--cutoff-len must be at least 1, got 0"}},
            {{"info", "--model", model_, "--batch", "-2"}, 1, {"--batch must be at least 1, got -2"}},
            {{"info", "--model", model_, "--stage", "ppo2"}, 1, {"--stage must be pt, sft, rm, dpo or kto, got 'ppo2'"}},
            {{"info", "--model", model_, "--bf16", "maybe"}, 1, {"bf16: expected auto, true or false, got 'maybe'"}},
            // key=value pairs without a config file start from the defaults: the settings are checked, not
            // looked for as a file.
            {{"train", "model_name_or_path=" + model_, "learning_rate=-1"}, 1, {"learning_rate: must be positive"}},
            {{"export", "model_name_or_path=" + model_, "export_format=onnx"}, 1, {"export_format: 'onnx' is not one of"}},
            {{"train", "no-such.yaml"}, 1, {"no-such.yaml: file not found"}},
        });
    }

    void modelFolderErrors() {
        const std::string missing = test::scratch_dir() + "/no-such-model";
        test::check_errors({
            {{"info", "--model", missing}, 1, {"model folder '" + missing + "' does not exist"}},
            {{"generate", "--model", missing, "--prompt-ids", "1", "--ids"}, 1, {"model folder '" + missing + "' does not exist"}},
            {{"generate", "--model", missing, "--prompt", "hi"}, 1, {"model folder '" + missing + "' does not exist"}},
            {{"chat", "--model", missing}, 1, {"model folder '" + missing + "' does not exist"}},
            // Sampling options are refused before any model is read.
            {{"chat", "--model", missing, "--top-p", "1.5"}, 1, {"top_p must be in (0, 1], got 1.5"}},
            {{"chat", "--model", missing, "--max-new-tokens", "0"}, 1, {"--max-new-tokens: expected a count >= 1, got 0"}},
            {{"tokenize", "--model", missing, "--text", "hi"}, 1, {missing}},
            {{"info", "--model", corrupt_}, 1, {corrupt_ + "/model.safetensors: file is truncated"}},
            {{"generate", "--model", corrupt_, "--prompt-ids", "1", "--ids"}, 1,
             {corrupt_ + "/model.safetensors: file is truncated"}},
        });
        // A folder with only tokenizer files has no model.
        if (tok_only_.empty() || !std::filesystem::exists(tok_only_)) QSKIP("../shared/tokenizers is absent");
        test::check_errors({
            {{"info", "--model", tok_only_}, 1, {tok_only_ + ": no config.json"}},
            {{"generate", "--model", tok_only_, "--prompt", "hi"}, 1, {tok_only_ + ": no config.json"}},
            {{"chat", "--model", tok_only_}, 1, {tok_only_ + ": no config.json"}},
        });
    }

    void tokenizeErrors() {
        const std::string text_file = test::scratch_dir() + "/errors-text.txt";
        write_file_atomic(text_file, "hi");
        test::check_errors({
            {{"tokenize", "--model", model_, "--text", "a", "--text-file", text_file}, 1,
             {"give exactly one of --text and --text-file"}},
            {{"tokenize", "--model", model_}, 1, {"give exactly one of --text and --text-file"}},
            {{"tokenize", "--model", model_, "--text-file", text_file + ".missing"}, 1,
             {text_file + ".missing: file not found"}},
            {{"tokenize", "--model", test::scratch_dir() + "/nowhere", "--text", "hi"}, 1,
             {test::scratch_dir() + "/nowhere: tokenizer folder not found"}},
            // A model folder without tokenizer files.
            {{"tokenize", "--model", model_, "--text", "hi"}, 1, {model_ + ": no tokenizer.json or tokenizer.model"}},
        });
    }
};

LATHE_TEST(TestCliErrors)
#include "test_cli_errors.moc"
