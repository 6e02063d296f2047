#include "core/corpus/tokenizer_lab.h"

#include "core/corpus/byte_bpe_trainer.h"
#include "core/corpus/text_clean.h"
#include "core/io/json_file.h"
#include "core/tokenizer/sentencepiece_convert.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/sentencepiece_trainer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/new_model.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace lathe {

namespace fs = std::filesystem;

void train_tokenizer_folder(const std::string& text_file, const std::string& dir, const TokenizerTrainSettings& s) {
    if (s.model_type == "byte_bpe") {
        ByteBpeOptions o;
        o.vocab_size = s.vocab_size;
        o.special_tokens = s.special_tokens;
        train_byte_level_bpe(text_file, dir, o);
        return;
    }
    if (s.model_type != "bpe" && s.model_type != "unigram")
        throw ConfigError(config_problem("tokenizer_type", "not_one_of", {s.model_type, "bpe, unigram, byte_bpe"}));
    if (s.vocab_size < 100) throw ConfigError(config_problem("tokenizer_vocab_size", "must_be_at_least", {"100"}));
    fs::create_directories(dir);
    SentencePieceTrainOptions opt;
    opt.input_files = {text_file};
    opt.model_prefix = path_join(dir, "tokenizer");
    opt.vocab_size = s.vocab_size;
    opt.model_type = s.model_type;
    opt.character_coverage = s.character_coverage;
    opt.byte_fallback = s.byte_fallback;
    opt.user_defined_symbols = {"<|im_start|>", "<|im_end|>"};
    for (const std::string& t : s.special_tokens)
        if (t != "<|im_start|>" && t != "<|im_end|>") opt.user_defined_symbols.push_back(t);
    opt.input_sentence_size = 2000000;
    opt.extra_args = {"--hard_vocab_limit=false", "--pad_id=-1", "--max_sentence_length=16384",
                      "--shuffle_input_sentence=true"};
    train_sentencepiece(opt);
    std::error_code ec;
    fs::remove(path_join(dir, "tokenizer.vocab"), ec);
    write_new_model_tokenizer_files(dir, 4096);
}

TokenizerMeasure measure_tokenizer(const Tokenizer& tokenizer, const std::vector<std::string>& texts,
                                   const std::string& sentence) {
    TokenizerMeasure m;
    m.path = tokenizer.dir();
    m.name = fs::path(tokenizer.dir()).filename().string();
    m.kind = tokenizer.kind();
    m.vocab_size = tokenizer.vocab_size();
    const int32_t unk = tokenizer.special().unk_id;
    // Which ids are byte-fallback pieces (<0x00>..<0xFF>), looked up once.
    std::vector<int32_t> byte_ids;
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        const int32_t id = tokenizer.token_to_id(name);
        if (id >= 0) byte_ids.push_back(id);
    }
    std::sort(byte_ids.begin(), byte_ids.end());
    for (const std::string& t : texts) {
        const std::vector<int32_t> ids = tokenizer.encode(t, false);
        ++m.texts;
        m.tokens += ids.size();
        m.chars += count_chars(t);
        bool in_word = false;
        for (const char c : t) {
            const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
            if (!space && !in_word) ++m.words;
            in_word = !space;
        }
        for (int32_t id : ids) {
            if (id == unk && unk >= 0) ++m.unknown_tokens;
            else if (std::binary_search(byte_ids.begin(), byte_ids.end(), id)) ++m.byte_tokens;
        }
    }
    // Each token as the vocabulary shows it ("▁word", "<0xEB>"); byte-level tokens, whose vocabulary form is
    // a byte mapping, as the text they stand for with spaces as '▁' (part of a character shows as U+FFFD).
    const bool byte_level = tokenizer.kind() == "bpe-bytelevel";
    for (int32_t id : tokenizer.encode(sentence, false)) {
        if (!byte_level) {
            m.sentence_pieces.push_back(tokenizer.id_to_token(id));
            continue;
        }
        std::string shown;
        for (const char c : tokenizer.decode({id}, false)) shown += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
        m.sentence_pieces.push_back(shown);
    }
    return m;
}

}  // namespace lathe
