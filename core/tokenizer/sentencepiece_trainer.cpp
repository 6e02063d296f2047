#include "core/tokenizer/sentencepiece_trainer.h"

#include "core/tokenizer/sentencepiece_module_loader.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lathe {

namespace fs = std::filesystem;

namespace {

// SentencePiece parses its argument string on spaces and its lists on commas, with no quoting.
bool safe_in_args(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

void validate(const SentencePieceTrainOptions& o) {
    static const std::set<std::string> types = {"bpe", "unigram", "char", "word"};
    if (o.input_files.empty()) throw ConfigError(plain_problem("spm_no_input_files"));
    for (const auto& f : o.input_files)
        if (!file_exists(f)) throw ConfigError(plain_problem("spm_input_not_found", {f}));
    if (o.model_prefix.empty()) throw ConfigError(plain_problem("spm_no_model_prefix"));
    if (o.vocab_size <= 0) throw ConfigError(plain_problem("spm_vocab_size_not_positive", {std::to_string(o.vocab_size)}));
    if (!types.count(o.model_type))
        throw ConfigError(plain_problem("spm_model_type_unknown", {o.model_type}));
    if (o.character_coverage <= 0 || o.character_coverage > 1)
        throw ConfigError(plain_problem("spm_character_coverage_range", {std::to_string(o.character_coverage)}));
    if (o.normalization_rule_name.empty() || !safe_in_args(o.normalization_rule_name))
        throw ConfigError(plain_problem("spm_normalization_rule_invalid", {o.normalization_rule_name}));
    for (const auto& s : o.user_defined_symbols)
        if (s.empty() || !safe_in_args(s))
            throw ConfigError(plain_problem("spm_symbol_invalid", {s}));
    for (const auto& a : o.extra_args)
        if (a.rfind("--", 0) != 0 || !safe_in_args(a))
            throw ConfigError(plain_problem("spm_extra_argument_invalid", {a}));
}

// A fresh folder under the system temp directory, removed on scope exit.
class StagingDir {
public:
    explicit StagingDir(const fs::path& parent) {
        std::string tmpl = (parent / "lathe-spm-train-XXXXXX").string();
        if (!::mkdtemp(tmpl.data()))
            throw IoError(file_problem(parent.string(), -1, -1, "staging_folder_failed", {std::strerror(errno)}));
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

// SentencePiece's trainer in this process: its error message, "" on success.
std::string train_here(const SpmApi& api, const std::string& args, bool quiet) {
    api.set_min_log_level(quiet ? 2 : 0);
    std::string message = api.take_string(api.train(args.c_str()));
    api.set_min_log_level(0);
    return message;
}

// SentencePiece's trainer has no way to stop, so it runs in a child process that Abort (the thread's
// CancelScope, core/util/cancel.h) kills within 20 ms; its peak memory also leaves with it. The child
// only calls into the module (its own runtime, loaded before the fork) and reports an error message
// through a pipe. Where no child can be made, the training runs here, uninterruptible as before.
std::string train_in_child(const SpmApi& api, const std::string& args, bool quiet) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return train_here(api, args, quiet);  // no other child inherits it
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return train_here(api, args, quiet);
    }
    if (pid == 0) {
        ::close(fds[0]);
        api.set_min_log_level(quiet ? 2 : 0);
        char* error = api.train(args.c_str());
        int code = 0;
        if (error) {
            code = 1;
            for (size_t off = 0, n = std::strlen(error); off < n;) {
                const ssize_t w = ::write(fds[1], error + off, n - off);
                if (w <= 0) break;
                off += static_cast<size_t>(w);
            }
        }
        ::_exit(code);  // no atexit handlers, no flushing of the parent's buffers
    }
    ::close(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    std::string message;
    auto drain = [&] {
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fds[0], buf, sizeof buf)) > 0) message.append(buf, static_cast<size_t>(n));
    };
    int status = 0;
    while (true) {
        drain();
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) break;
        if (cancel_requested()) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            ::close(fds[0]);
            throw_if_cancelled();
        }
        ::usleep(20000);
    }
    drain();
    ::close(fds[0]);
    throw_if_cancelled();  // Ctrl-C reaches the child too: a cancelled run, not a failed one
    if (WIFSIGNALED(status))
        return "the trainer process was killed by signal " + std::to_string(WTERMSIG(status)) +
               (WTERMSIG(status) == SIGKILL ? " (out of memory?)" : "");
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && message.empty())
        return "the trainer process exited with status " + std::to_string(WEXITSTATUS(status));
    return message;
}

}  // namespace

void train_sentencepiece(const SentencePieceTrainOptions& options) {
    validate(options);
    const SpmApi& api = spm_module();
    fs::path out = fs::absolute(options.model_prefix);
    fs::path parent = out.parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (!fs::is_directory(parent)) throw IoError(file_problem(parent.string(), -1, -1, "output_folder_failed"));
    StagingDir staging(fs::temp_directory_path());
    // Inputs are linked under plain names so that their real paths never meet SentencePiece's parser.
    std::vector<std::string> inputs;
    for (size_t i = 0; i < options.input_files.size(); ++i) {
        const fs::path link = staging.path() / ("input" + std::to_string(i) + ".txt");
        fs::create_symlink(fs::absolute(options.input_files[i]), link, ec);
        if (ec) throw IoError(file_problem(link.string(), -1, -1, "training_input_link_failed", {ec.message()}));
        inputs.push_back(link.string());
    }
    const std::string staged_prefix = (staging.path() / "model").string();
    if (!safe_in_args(staged_prefix))
        throw ConfigError(plain_problem("spm_temp_folder_unsafe", {staging.path().string()}));
    throw_if_cancelled();
    const std::string message = train_in_child(api, build_args(options, inputs, staged_prefix), options.quiet);
    if (!message.empty()) throw TokenizerError(plain_problem("spm_training_failed", {message}));
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
