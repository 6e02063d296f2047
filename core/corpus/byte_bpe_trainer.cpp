#include "core/corpus/byte_bpe_trainer.h"

#include "core/io/json_file.h"
#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/pcre_regex.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace lathe {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Qwen2's pre-tokenizer: contractions, letter runs with one leading non-letter, single digits,
// punctuation runs, newlines, spaces.
const char* kPattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
    "\\s+(?!\\S)|\\s+";

const char* kChatml =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

uint64_t pair_key(int32_t a, int32_t b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }

struct Word {
    std::vector<int32_t> symbols;
    uint64_t count = 0;
};

}  // namespace

void train_byte_level_bpe(const std::string& text_file, const std::string& dir, const ByteBpeOptions& options) {
    std::vector<std::string> specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    for (const std::string& s : options.special_tokens)
        if (std::find(specials.begin(), specials.end(), s) == specials.end()) specials.push_back(s);
    const int merges_wanted = options.vocab_size - 256 - int(specials.size());
    if (merges_wanted < 0)
        throw ConfigError(config_problem("tokenizer_vocab_size", "vocab_too_small_for_bytes",
                                         {std::to_string(options.vocab_size), std::to_string(specials.size())}));

    // Count the pre-tokenized pieces.
    const PcreRegex split(kPattern, "byte-level BPE pre-tokenizer");
    std::unordered_map<std::string, uint64_t> counts;
    {
        std::ifstream in(text_file, std::ios::binary);
        if (!in) throw IoError(file_problem(text_file, 0, 0, "cannot_open", {std::strerror(errno)}));
        std::string line;
        std::vector<std::pair<size_t, size_t>> spans;
        while (std::getline(in, line)) {
            throw_if_cancelled();
            line += '\n';
            spans.clear();
            split.find_all(line, spans);
            for (const auto& [b, e] : spans) ++counts[line.substr(b, e - b)];
        }
    }

    // Token ids 0..255 are the bytes, in GPT-2's alphabet; merges add one id each.
    std::vector<std::string> tokens(256);
    for (int b = 0; b < 256; ++b) {
        const char c = char(b);
        byte_level::encode(std::string_view(&c, 1), tokens[size_t(b)]);
    }
    std::vector<Word> words;
    words.reserve(counts.size());
    for (const auto& [piece, n] : counts) {
        Word w;
        w.count = n;
        for (const char c : piece) w.symbols.push_back(int32_t(static_cast<unsigned char>(c)));
        if (w.symbols.size() > 1) words.push_back(std::move(w));
    }
    counts.clear();

    std::unordered_map<uint64_t, int64_t> pair_counts;
    std::unordered_map<uint64_t, std::unordered_set<uint32_t>> where;
    for (uint32_t wi = 0; wi < words.size(); ++wi) {
        const Word& w = words[wi];
        for (size_t k = 0; k + 1 < w.symbols.size(); ++k) {
            const uint64_t p = pair_key(w.symbols[k], w.symbols[k + 1]);
            pair_counts[p] += int64_t(w.count);
            where[p].insert(wi);
        }
    }
    // Max-heap of (count, pair), re-pushed when a count changes; stale entries are skipped when popped.
    using Entry = std::pair<int64_t, uint64_t>;
    auto older = [&](const Entry& a, const Entry& b) {
        if (a.first != b.first) return a.first < b.first;
        return a.second > b.second;  // ties: the pair made of earlier tokens first (deterministic)
    };
    std::priority_queue<Entry, std::vector<Entry>, decltype(older)> heap(older);
    for (const auto& [p, n] : pair_counts) heap.push({n, p});

    std::vector<std::pair<int32_t, int32_t>> merges;
    while (int(merges.size()) < merges_wanted && !heap.empty()) {
        const auto [n, p] = heap.top();
        heap.pop();
        const auto it = pair_counts.find(p);
        if (it == pair_counts.end() || it->second != n || n < 2) {
            if (it != pair_counts.end() && it->second == n && n < 2) break;  // nothing repeats any more
            continue;
        }
        if (merges.size() % 256 == 0) throw_if_cancelled();
        const int32_t a = int32_t(p >> 32), b = int32_t(p & 0xffffffffu);
        const std::string merged = tokens[size_t(a)] + tokens[size_t(b)];
        const int32_t id = int32_t(tokens.size());
        tokens.push_back(merged);
        merges.emplace_back(a, b);
        std::unordered_map<uint64_t, int64_t> delta;
        const std::unordered_set<uint32_t> affected = std::move(where[p]);
        where.erase(p);
        for (uint32_t wi : affected) {
            Word& w = words[wi];
            const auto cnt = int64_t(w.count);
            // Remove this word's pairs, merge, add its pairs back.
            for (size_t k = 0; k + 1 < w.symbols.size(); ++k) delta[pair_key(w.symbols[k], w.symbols[k + 1])] -= cnt;
            std::vector<int32_t> next;
            next.reserve(w.symbols.size());
            for (size_t k = 0; k < w.symbols.size(); ++k) {
                if (k + 1 < w.symbols.size() && w.symbols[k] == a && w.symbols[k + 1] == b) {
                    next.push_back(id);
                    ++k;
                } else {
                    next.push_back(w.symbols[k]);
                }
            }
            w.symbols.swap(next);
            for (size_t k = 0; k + 1 < w.symbols.size(); ++k) {
                const uint64_t q = pair_key(w.symbols[k], w.symbols[k + 1]);
                delta[q] += cnt;
                if (q != p) where[q].insert(wi);
            }
        }
        pair_counts.erase(p);
        for (const auto& [q, d] : delta) {
            if (q == p || d == 0) continue;
            int64_t& c = pair_counts[q];
            c += d;
            if (c <= 0) {
                pair_counts.erase(q);
                where.erase(q);
            } else {
                heap.push({c, q});
            }
        }
    }

    // tokenizer.json in Qwen2's layout.
    json vocab = json::object();
    for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = int(i);
    json merge_list = json::array();
    for (const auto& [a, b] : merges) merge_list.push_back(tokens[size_t(a)] + " " + tokens[size_t(b)]);
    json added = json::array();
    for (size_t i = 0; i < specials.size(); ++i)
        added.push_back({{"id", int(tokens.size() + i)}, {"content", specials[i]}, {"single_word", false},
                         {"lstrip", false}, {"rstrip", false}, {"normalized", false}, {"special", true}});
    const json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
    const json tokenizer = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", added},
        {"normalizer", {{"type", "NFC"}}},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers",
           json::array({{{"type", "Split"}, {"pattern", {{"Regex", kPattern}}}, {"behavior", "Isolated"}, {"invert", false}},
                        byte_level})}}},
        {"post_processor", byte_level},
        {"decoder", byte_level},
        {"model",
         {{"type", "BPE"},
          {"dropout", nullptr},
          {"unk_token", nullptr},
          {"continuing_subword_prefix", ""},
          {"end_of_word_suffix", ""},
          {"fuse_unk", false},
          {"byte_fallback", false},
          {"ignore_merges", false},
          {"vocab", vocab},
          {"merges", merge_list}}}};
    fs::create_directories(dir);
    write_json_file(path_join(dir, "tokenizer.json"), tokenizer, -1);
    const int eos = int(tokens.size()) + 2;  // <|im_end|>
    write_json_file(path_join(dir, "tokenizer_config.json"),
                    {{"tokenizer_class", "PreTrainedTokenizerFast"}, {"bos_token", nullptr}, {"eos_token", "<|im_end|>"},
                     {"pad_token", "<|endoftext|>"}, {"unk_token", nullptr}, {"add_bos_token", false},
                     {"add_eos_token", false}, {"chat_template", kChatml}, {"model_max_length", 4096}});
    write_json_file(path_join(dir, "generation_config.json"),
                    {{"eos_token_id", {eos, int(tokens.size())}}, {"do_sample", false}});
}

}  // namespace lathe
