#include "core/train/new_model.h"

#include "core/io/json_file.h"
#include "core/tokenizer/sentencepiece_convert.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/sentencepiece_trainer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace lathe {

const std::vector<NewModelPreset>& new_model_presets() {
    // name   hidden layers heads kv  ffn   vocab  context
    static const std::vector<NewModelPreset> presets = {
        {"tiny", 256, 4, 4, 4, 688, 4096, 1024, "~5M parameters: trains in minutes on two CPU cores"},
        {"small", 512, 6, 8, 8, 1376, 8192, 2048, "~25M parameters: a small but coherent model on a laptop"},
        {"base", 768, 12, 12, 12, 2048, 16000, 2048, "~100M parameters: GPT-2 small class, wants hours"},
    };
    return presets;
}

const NewModelPreset& find_new_model_preset(const std::string& name) {
    std::string known;
    for (const auto& p : new_model_presets()) {
        if (name == p.name) return p;
        known += (known.empty() ? "" : ", ") + std::string(p.name);
    }
    throw ConfigError(config_problem("create_new_model", "new_model_unknown_size", {name, known}));
}

namespace {

const char* kChatmlJinja =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

}  // namespace

ModelConfig preset_model_config(const NewModelPreset& p, int64_t vocab) {
    ModelConfig c;
    c.model_type = "llama";
    c.hidden_size = p.hidden;
    c.num_hidden_layers = p.layers;
    c.num_attention_heads = p.heads;
    c.num_key_value_heads = p.kv_heads;
    c.head_dim = p.hidden / p.heads;
    c.intermediate_size = p.intermediate;
    c.vocab_size = vocab;
    c.max_position_embeddings = p.context;
    c.rms_norm_eps = 1e-5;
    c.rope_theta = 10000.0;
    c.tie_word_embeddings = true;
    return c;
}

void write_new_model_tokenizer_files(const std::string& dir, int64_t context) {
    auto spm = SpmTokenizer::load(path_join(dir, "tokenizer.model"));
    write_json_file(path_join(dir, "tokenizer.json"), sentencepiece_to_tokenizer_json(*spm), -1);
    const int32_t bos = spm->token_to_id("<s>"), eos = spm->token_to_id("</s>"), im_end = spm->token_to_id("<|im_end|>");
    write_json_file(path_join(dir, "tokenizer_config.json"),
                    {{"tokenizer_class", "LlamaTokenizer"}, {"bos_token", "<s>"}, {"eos_token", "</s>"},
                     {"unk_token", "<unk>"}, {"pad_token", nullptr}, {"add_bos_token", true}, {"add_eos_token", false},
                     {"chat_template", kChatmlJinja}, {"model_max_length", context}, {"legacy", false}});
    write_json_file(path_join(dir, "generation_config.json"),
                    {{"bos_token_id", bos}, {"eos_token_id", {eos, im_end}}, {"do_sample", false}});
}

namespace {

// The tokenizer files of `from` (a tokenizer folder, e.g. one the Data tab's tokenizer lab wrote) copied
// into the new model's folder `dir`.
void copy_tokenizer_folder(const std::string& from, const std::string& dir) {
    static const char* kFiles[] = {"tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                   "generation_config.json", "vocab.json", "merges.txt"};
    if (!file_exists(path_join(from, "tokenizer.json")) && !file_exists(path_join(from, "tokenizer.model")))
        throw ConfigError(config_problem("new_model_tokenizer", "new_model_tokenizer_missing", {from}));
    for (const char* f : kFiles) {
        const std::string src = path_join(from, f);
        if (!file_exists(src)) continue;
        write_file_atomic(path_join(dir, f), read_file(src));
    }
}

}  // namespace

ModelConfig create_new_model_files(const std::string& preset_name, const std::vector<std::string>& texts,
                                   const std::string& dir, int vocab_override,
                                   const NoteSink& message,
                                   const std::string& tokenizer_dir) {
    const NewModelPreset& p = find_new_model_preset(preset_name);
    fs::create_directories(dir);
    if (!tokenizer_dir.empty()) {
        copy_tokenizer_folder(tokenizer_dir, dir);
        const auto tok = Tokenizer::from_dir(dir);
        if (tok->token_to_id("<|im_start|>") < 0 || tok->token_to_id("<|im_end|>") < 0)
            if (message) message("warning", note("new_model_no_chatml_tokens", {tokenizer_dir}));
        ModelConfig c = preset_model_config(p, tok->vocab_size());
        if (tok->special().bos_id >= 0) c.bos_token_id = tok->special().bos_id;
        if (tok->special().eos_id >= 0) c.eos_token_ids = {tok->special().eos_id};
        c.validate("create_new_model");
        if (message)
            message("info", note("new_model_with_tokenizer", {p.name, std::to_string(c.parameter_count()), tokenizer_dir,
                                                              std::to_string(c.vocab_size)}));
        return c;
    }
    if (texts.empty()) throw DataError(config_problem("create_new_model", "new_model_no_text"));

    // SentencePiece reads sentences from files: one line per line of text.
    const std::string corpus = temp_sibling(path_join(dir, "tokenizer-corpus.txt"));
    {
        std::ofstream out(corpus, std::ios::binary);
        for (const auto& t : texts) out << t << '\n';
        if (!out) throw IoError(file_problem(corpus, 0, 0, "cannot_write_corpus"));
    }
    SentencePieceTrainOptions opt;
    opt.input_files = {corpus};
    opt.model_prefix = path_join(dir, "tokenizer");
    opt.vocab_size = vocab_override > 0 ? vocab_override : p.vocab;
    opt.user_defined_symbols = {"<|im_start|>", "<|im_end|>"};
    opt.extra_args = {"--hard_vocab_limit=false", "--pad_id=-1", "--max_sentence_length=16384"};
    if (message)
        message("info", note("new_model_training_tokenizer", {std::to_string(opt.vocab_size), std::to_string(texts.size())}));
    try {
        train_sentencepiece(opt);
    } catch (...) {
        std::error_code ec;
        fs::remove(corpus, ec);
        throw;
    }
    std::error_code ec;
    fs::remove(corpus, ec);
    fs::remove(path_join(dir, "tokenizer.vocab"), ec);
    write_new_model_tokenizer_files(dir, p.context);

    auto spm = SpmTokenizer::load(path_join(dir, "tokenizer.model"));
    ModelConfig c = preset_model_config(p, spm->vocab_size());
    c.bos_token_id = spm->token_to_id("<s>");
    c.eos_token_ids = {spm->token_to_id("</s>")};
    c.validate("create_new_model");
    if (message)
        message("info", note("new_model_made", {p.name, std::to_string(c.parameter_count()), std::to_string(c.vocab_size)}));
    return c;
}

}  // namespace lathe
