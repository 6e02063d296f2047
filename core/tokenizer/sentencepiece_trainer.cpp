#include "core/tokenizer/sentencepiece_trainer.h"

#include "core/tokenizer/sentencepiece_module_loader.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

namespace lathe {

namespace fs = std::filesystem;

namespace {

// SentencePiece parses its argument string on spaces and its lists on commas, with no quoting.
bool safe_in_args(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

void validate(const SentencePieceTrainOptions& o) {
    static const std::set<std::string> types = {"bpe", "unigram", "char", "word"};
    if (o.input_files.empty()) throw ConfigError("SentencePiece training: input_files is empty");
    for (const auto& f : o.input_files)
        if (!file_exists(f)) throw ConfigError("SentencePiece training: input file not found: " + f);
    if (o.model_prefix.empty()) throw ConfigError("SentencePiece training: model_prefix is empty");
    if (o.vocab_size <= 0) throw ConfigError("SentencePiece training: vocab_size must be positive, found " + std::to_string(o.vocab_size));
    if (!types.count(o.model_type))
        throw ConfigError("SentencePiece training: model_type must be bpe, unigram, char or word, found \"" + o.model_type + "\"");
    if (o.character_coverage <= 0 || o.character_coverage > 1)
        throw ConfigError("SentencePiece training: character_coverage must be in (0, 1], found " + std::to_string(o.character_coverage));
    if (o.normalization_rule_name.empty() || !safe_in_args(o.normalization_rule_name))
        throw ConfigError("SentencePiece training: normalization_rule_name \"" + o.normalization_rule_name + "\" is not a rule name");
    for (const auto& s : o.user_defined_symbols)
        if (s.empty() || !safe_in_args(s))
            throw ConfigError("SentencePiece training: user-defined symbol \"" + s + "\" is empty or holds a space or comma");
    for (const auto& a : o.extra_args)
        if (a.rfind("--", 0) != 0 || !safe_in_args(a))
            throw ConfigError("SentencePiece training: extra argument \"" + a + "\" must be --name=value without spaces");
}

// A fresh folder under the system temp directory, removed on scope exit.
class StagingDir {
public:
    explicit StagingDir(const fs::path& parent) {
        std::string tmpl = (parent / "lathe-spm-train-XXXXXX").string();
        if (!::mkdtemp(tmpl.data()))
            throw IoError(parent.string() + ": cannot create a staging folder (" + std::strerror(errno) + ")");
        path_ = tmpl;
    }
    ~StagingDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string build_args(const SentencePieceTrainOptions& o, const std::vector<std::string>& inputs, const std::string& prefix) {
    std::ostringstream a;
    a << "--input=";
    for (size_t i = 0; i < inputs.size(); ++i) a << (i ? "," : "") << inputs[i];
    a << " --model_prefix=" << prefix << " --vocab_size=" << o.vocab_size << " --model_type=" << o.model_type
      << " --character_coverage=" << o.character_coverage << " --byte_fallback=" << (o.byte_fallback ? "true" : "false")
      << " --split_digits=" << (o.split_digits ? "true" : "false")
      << " --normalization_rule_name=" << o.normalization_rule_name
      << " --remove_extra_whitespaces=" << (o.remove_extra_whitespaces ? "true" : "false")
      << " --allow_whitespace_only_pieces=" << (o.allow_whitespace_only_pieces ? "true" : "false")
      << " --num_threads=" << (o.num_threads > 0 ? o.num_threads : std::max(1u, std::thread::hardware_concurrency()));
    if (o.input_sentence_size > 0) a << " --input_sentence_size=" << o.input_sentence_size << " --shuffle_input_sentence=true";
    if (!o.user_defined_symbols.empty()) {
        a << " --user_defined_symbols=";
        for (size_t i = 0; i < o.user_defined_symbols.size(); ++i) a << (i ? "," : "") << o.user_defined_symbols[i];
    }
    for (const auto& e : o.extra_args) a << " " << e;
    return a.str();
}

}  // namespace

void train_sentencepiece(const SentencePieceTrainOptions& options) {
    validate(options);
    const SpmApi& api = spm_module();
    fs::path out = fs::absolute(options.model_prefix);
    fs::path parent = out.parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (!fs::is_directory(parent)) throw IoError(parent.string() + ": cannot create the output folder");
    StagingDir staging(fs::temp_directory_path());
    // Inputs are linked under plain names so that their real paths never meet SentencePiece's parser.
    std::vector<std::string> inputs;
    for (size_t i = 0; i < options.input_files.size(); ++i) {
        const fs::path link = staging.path() / ("input" + std::to_string(i) + ".txt");
        fs::create_symlink(fs::absolute(options.input_files[i]), link, ec);
        if (ec) throw IoError(link.string() + ": cannot link training input (" + ec.message() + ")");
        inputs.push_back(link.string());
    }
    const std::string staged_prefix = (staging.path() / "model").string();
    if (!safe_in_args(staged_prefix))
        throw ConfigError("SentencePiece training: the temp folder " + staging.path().string() +
                          " holds a space or comma; set TMPDIR to a plain path");
    api.set_min_log_level(options.quiet ? 2 : 0);
    const std::string message = api.take_string(api.train(build_args(options, inputs, staged_prefix).c_str()));
    api.set_min_log_level(0);
    if (!message.empty()) throw TokenizerError("SentencePiece training failed: " + message);
    for (const char* ext : {".model", ".vocab"}) {
        const std::string target = out.string() + ext;
        fs::rename(staged_prefix + ext, target, ec);
        if (ec) write_file_atomic(target, read_file(staged_prefix + ext));  // another file system
    }
}

void train_sentencepiece(const std::vector<std::string>& input_files, const std::string& model_prefix, int vocab_size,
                         const std::string& model_type, const std::vector<std::string>& extra_args) {
    SentencePieceTrainOptions o;
    o.input_files = input_files;
    o.model_prefix = model_prefix;
    o.vocab_size = vocab_size;
    o.model_type = model_type;
    o.extra_args = extra_args;
    train_sentencepiece(o);
}

}  // namespace lathe
