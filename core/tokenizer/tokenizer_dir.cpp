// Tokenizer::from_dir: picks the tokenizer file of a Hugging Face model folder and applies its config.
#include "core/tokenizer/hf_tokenizer.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/tokenizer_config.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"
#include "core/util/memory.h"

#include <filesystem>

namespace lathe {

std::unique_ptr<Tokenizer> Tokenizer::from_dir(const std::string& dir) { return from_dir(dir, TokenizerSource::Auto); }

std::unique_ptr<Tokenizer> Tokenizer::from_dir(const std::string& dir, TokenizerSource source) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) throw TokenizerError(file_problem(dir, 0, 0, "tokenizer_folder_not_found"));
    if (!dir_exists(dir)) throw TokenizerError(file_problem(dir, 0, 0, "tokenizer_folder_is_file"));
    const std::string json_path = path_join(dir, "tokenizer.json");
    const std::string model_path = path_join(dir, "tokenizer.model");
    const bool use_json = source == TokenizerSource::TokenizerJson || (source == TokenizerSource::Auto && file_exists(json_path));
    const bool use_model = source == TokenizerSource::SentencePieceModel || (source == TokenizerSource::Auto && !use_json && file_exists(model_path));
    if (!use_json && !use_model) throw TokenizerError(file_problem(dir, 0, 0, "no_tokenizer_files"));
    const TokenizerConfig cfg = read_tokenizer_config(dir);
    const std::string& path = use_json ? json_path : model_path;
    try {
        if (use_json) {
            auto tok = HfTokenizer::load(json_path);
            tok->apply_config(cfg, dir);
            release_free_memory();  // the parsed tokenizer.json (tens of MB for a 150k vocabulary) is gone
            return tok;
        }
        auto tok = SpmTokenizer::load(model_path);
        tok->apply_config(cfg, dir);
        return tok;
    } catch (Error& e) {
        e.set_file_id(path, "tokenizer_unreadable");
        throw;
    }
}

}  // namespace lathe
