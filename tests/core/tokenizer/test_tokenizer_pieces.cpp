// The parts of the tokenizer.json pipeline on small inputs built here, checked against the behaviour
// of Hugging Face tokenizers (the expected values follow its Rust sources and tests).
#include "tests/registry.h"

#include "core/io/json_file.h"
#include "core/tokenizer/decoder.h"
#include "core/tokenizer/hf_tokenizer.h"
#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/pcre_regex.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <filesystem>

using namespace lathe;
using json = nlohmann::json;

namespace {

using Words = std::vector<std::string>;

Words pre_tokenize(const json& spec, const std::string& text, bool first = true) {
    Words w{text};
    PreTokenizer::from_json(spec, "test")->apply(w, first);
    return w;
}

std::string normalize(const json& spec, std::string text) {
    Normalizer::from_json(spec, "test")->normalize(text);
    return text;
}

std::string decode_tokens(const json& spec, const Words& tokens) { return TokenDecoder::from_json(spec, "test")->decode(tokens); }

// A tokenizer whose vocabulary is every printable ASCII character (id = code) plus `extra` tokens; no
// merges unless given. Plain text therefore encodes to its character codes.
json char_tokenizer(const json& merges = json::array(), const json& extra = json::array()) {
    json vocab = json::object();
    for (int c = 32; c < 127; ++c) vocab[std::string(1, static_cast<char>(c))] = c;
    int next = 200;
    for (const auto& t : extra) vocab[t.get<std::string>()] = next++;
    return {{"added_tokens", json::array()}, {"normalizer", nullptr}, {"pre_tokenizer", nullptr},
            {"post_processor", nullptr},     {"decoder", nullptr},
            {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
}

std::vector<int32_t> chars(const std::string& s) { return std::vector<int32_t>(s.begin(), s.end()); }

std::vector<int32_t> cat(std::initializer_list<std::vector<int32_t>> parts) {
    std::vector<int32_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

json added(int id, const std::string& content, json flags = json::object()) {
    json t = {{"id", id}, {"content", content}, {"single_word", false}, {"lstrip", false},
              {"rstrip", false}, {"normalized", false}, {"special", true}};
    for (const auto& [k, v] : flags.items()) t[k] = v;
    return t;
}

}  // namespace

class TestTokenizerPieces : public QObject {
    Q_OBJECT
private slots:
    void utf8MaximalSubparts() {
        QCOMPARE(utf8::to_valid("a\xF0\x9F\x8D"), std::string("a\xEF\xBF\xBD"));           // truncated emoji: one U+FFFD
        QCOMPARE(utf8::to_valid("a\xE0\x80" "b"), std::string("a\xEF\xBF\xBD\xEF\xBF\xBD" "b"));  // E0 80 is two errors
        QCOMPARE(utf8::to_valid("\xED\xA0\x80"), std::string("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));  // surrogate
        QVERIFY(utf8::is_valid("한국어 \xEF\xBF\xBD ok"));
        QVERIFY(!utf8::is_valid("\xC0\xAF"));
    }

    void regexMatchesUnicodeClasses() {
        PcreRegex re(R"((?i:'s|'t)|\p{L}+|\p{N}{1,3}|\s+(?!\S)|\s+)", "test");
        std::vector<std::pair<size_t, size_t>> m;
        const std::string text = "IT'S 안녕 12345  x";
        re.find_all(text, m);
        std::vector<std::string> pieces;
        for (auto [b, e] : m) pieces.push_back(text.substr(b, e - b));
        QCOMPARE(pieces, (Words{"IT", "'S", " ", "안녕", " ", "123", "45", " ", " ", "x"}));
        QVERIFY_THROWS_EXCEPTION(TokenizerError, re.find_all("bad \xFF byte", m));
        QVERIFY_THROWS_EXCEPTION(TokenizerError, PcreRegex("(?<", "test"));
    }

    void normalizers() {
        QCOMPARE(normalize({{"type", "NFC"}}, "Cafe\u0301"), std::string("Café"));
        QCOMPARE(normalize({{"type", "NFKC"}}, "ｆｕｌｌ①"), std::string("full1"));
        QCOMPARE(normalize({{"type", "NFD"}}, "é"), std::string("e\u0301"));
        QCOMPARE(normalize({{"type", "Lowercase"}}, "ÀB Γ"), std::string("àb γ"));
        const json llama2 = {{"type", "Sequence"},
                             {"normalizers", {{{"type", "Prepend"}, {"prepend", "▁"}},
                                              {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "▁"}}}}};
        QCOMPARE(normalize(llama2, "Hi  you"), std::string("▁Hi▁▁you"));
        QCOMPARE(normalize(llama2, ""), std::string());  // Prepend leaves empty text alone
        QCOMPARE(normalize({{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", " "}}, "a \t\n b"), std::string("a b"));
        QCOMPARE(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}}, " \u3000x "), std::string("x "));
    }

    void splitBehaviors() {
        auto split = [](const char* behavior, bool invert = false) {
            return pre_tokenize({{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}}, "a-b--c");
        };
        QCOMPARE(split("Removed"), (Words{"a", "b", "c"}));
        QCOMPARE(split("Isolated"), (Words{"a", "-", "b", "-", "-", "c"}));
        QCOMPARE(split("MergedWithPrevious"), (Words{"a-", "b-", "-", "c"}));
        QCOMPARE(split("MergedWithNext"), (Words{"a", "-b", "-", "-c"}));
        QCOMPARE(split("Contiguous"), (Words{"a", "-", "b", "--", "c"}));
        QCOMPARE(split("Removed", true), (Words{"-", "-", "-"}));  // each match stays its own piece
    }

    void byteLevelAndGpt2Regex() {
        const json gpt2 = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
        QCOMPARE(pre_tokenize(gpt2, "Hello world's  end\n"), (Words{"Hello", "Ġworld", "'s", "Ġ", "Ġend", "Ċ"}));
        const json prefixed = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}};
        QCOMPARE(pre_tokenize(prefixed, "Hi"), (Words{"ĠHi"}));
        QCOMPARE(pre_tokenize(prefixed, "한"), (Words{"Ġíķľ"}));  // bytes ED 95 9C
    }

    void metaspaceAndDigits() {
        const json always = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "always"}, {"split", true}};
        QCOMPARE(pre_tokenize(always, "Hey  friend"), (Words{"▁Hey", "▁", "▁friend"}));
        const json first = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"}, {"split", false}};
        QCOMPARE(pre_tokenize(first, "a b", true), (Words{"▁a▁b"}));
        QCOMPARE(pre_tokenize(first, "a b", false), (Words{"a▁b"}));
        QCOMPARE(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "abc123d٤5"), (Words{"abc", "123", "d", "٤5"}));
        QCOMPARE(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "x12"), (Words{"x", "1", "2"}));
    }

    void decoders() {
        // A token outside the byte alphabet (a real space) contributes its raw bytes.
        QCOMPARE(decode_tokens({{"type", "ByteLevel"}}, {"Hello", "Ġworld", "<|x y|>", "Ċ"}), std::string("Hello world<|x y|>\n"));
        QCOMPARE(decode_tokens({{"type", "ByteLevel"}}, {"a", "í", "ķ"}), std::string("a\xEF\xBF\xBD"));  // ED 95: incomplete
        const json spm = {{"type", "Sequence"},
                          {"decoders",
                           {{{"type", "Replace"}, {"pattern", {{"String", "▁"}}}, {"content", " "}},
                            {{"type", "ByteFallback"}},
                            {{"type", "Fuse"}},
                            {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
        QCOMPARE(decode_tokens(spm, {"▁Hi", "<0xF0>", "<0x9F>", "<0x8D>", "<0x95>", "▁there"}), std::string("Hi🍕 there"));
        // An incomplete byte run: one U+FFFD per byte, as tokenizers' ByteFallback.
        QCOMPARE(decode_tokens(spm, {"▁a", "<0xF0>", "<0x9F>"}), std::string("a\xEF\xBF\xBD\xEF\xBF\xBD"));
        // Metaspace drops every "▁" of the first token, not just one.
        const json meta = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "always"}};
        QCOMPARE(decode_tokens(meta, {"▁▁a", "▁b"}), std::string("a b"));
        const json never = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "never"}};
        QCOMPARE(decode_tokens(never, {"▁a"}), std::string(" a"));
    }

    void mergesByRankThenLeftmost() {
        // "b c" ranks before "a b": abc -> a + bc.
        auto t1 = HfTokenizer::from_json(char_tokenizer({"b c", "a b"}, {"bc", "ab"}), "t1");
        QCOMPARE(t1->encode("abc"), (std::vector<int32_t>{'a', 200}));
        auto t2 = HfTokenizer::from_json(char_tokenizer({"a b", "b c"}, {"bc", "ab"}), "t2");
        QCOMPARE(t2->encode("abc"), (std::vector<int32_t>{201, 'c'}));
        // Equal ranks: the leftmost pair merges first (aaa -> aa + a).
        auto t3 = HfTokenizer::from_json(char_tokenizer({"a a"}, {"aa"}), "t3");
        QCOMPARE(t3->encode("aaa"), (std::vector<int32_t>{200, 'a'}));
        // ["a", "b"] merges (tokenizers >= 0.20) read the same as "a b".
        auto t4 = HfTokenizer::from_json(char_tokenizer(json::array({json::array({"b", "c"}), json::array({"a", "b"})}), {"bc", "ab"}), "t4");
        QCOMPARE(t4->encode("abc"), t1->encode("abc"));
    }

    void ignoreMerges() {
        json j = char_tokenizer({"a b"}, {"ab", "abc"});
        auto merged = HfTokenizer::from_json(j, "merged");
        QCOMPARE(merged->encode("abc"), (std::vector<int32_t>{200, 'c'}));
        j["model"]["ignore_merges"] = true;
        auto whole = HfTokenizer::from_json(j, "whole");
        QCOMPARE(whole->encode("abc"), (std::vector<int32_t>{201}));  // in the vocabulary: taken whole
    }

    void byteFallbackAndUnk() {
        json j = char_tokenizer(json::array(), {"<unk>", "<0xC3>", "<0xA9>"});
        j["model"]["byte_fallback"] = true;
        j["model"]["unk_token"] = "<unk>";
        auto t = HfTokenizer::from_json(j, "bf");
        QCOMPARE(t->encode("é"), (std::vector<int32_t>{201, 202}));  // é = C3 A9, both byte pieces exist
        QCOMPARE(t->encode("xßß"), (std::vector<int32_t>{'x', 200, 200}));  // C3 9F: no <0x9F> -> unk each
        j["model"]["fuse_unk"] = true;
        auto fused = HfTokenizer::from_json(j, "fused");
        QCOMPARE(fused->encode("xßß"), (std::vector<int32_t>{'x', 200}));
        j["model"]["unk_token"] = nullptr;
        auto dropped = HfTokenizer::from_json(j, "dropped");
        QCOMPARE(dropped->encode("xßy"), (std::vector<int32_t>{'x', 'y'}));  // no unk: the character vanishes
    }

    // Cases from tokenizers' added_vocabulary.rs tests.
    void addedTokenFlags() {
        json j = char_tokenizer();
        j["added_tokens"] = json::array({added(300, "<mask>", {{"single_word", true}, {"special", false}})});
        auto single = HfTokenizer::from_json(j, "single");
        const auto mask = std::vector<int32_t>{300};
        QCOMPARE(single->encode("<mask> My name <mask> A<mask> <mask>ony <mask>"),
                 cat({mask, chars(" My name "), mask, chars(" A<mask> <mask>ony "), mask}));

        j["added_tokens"] = json::array({added(300, "<mask>", {{"lstrip", true}, {"rstrip", true}})});
        auto strip = HfTokenizer::from_json(j, "strip");
        QCOMPARE(strip->encode("Hi <mask> there\t<mask>\t<mask>\u2000"), cat({chars("Hi"), mask, chars("there"), mask, mask}));

        // A normalized token matches the normalized text: "MY" lowercases to "my".
        j["normalizer"] = {{"type", "Lowercase"}};
        j["decoder"] = {{"type", "Fuse"}};
        j["added_tokens"] = json::array({added(300, "[CLS]"), added(301, "my", {{"normalized", true}, {"special", false}})});
        auto norm = HfTokenizer::from_json(j, "norm");
        QCOMPARE(norm->encode("[CLS] MY name"), cat({{300}, chars(" "), {301}, chars(" name")}));
        QCOMPARE(norm->decode(norm->encode("[CLS] MY name"), true), std::string(" my name"));
    }

    void invalidUtf8IsRepairedNotFatal() {
        json j = char_tokenizer(json::array(), {"<0xEF>", "<0xBF>", "<0xBD>"});
        j["model"]["byte_fallback"] = true;
        auto t = HfTokenizer::from_json(j, "bad");
        QCOMPARE(t->encode("a\xFF" "b"), (std::vector<int32_t>{'a', 200, 201, 202, 'b'}));  // as "a\uFFFDb"
    }

    // transformers' LlamaTokenizerFast rebuilds the template from add_bos_token / add_eos_token.
    void llamaClassRebuildsTemplate() {
        json j = char_tokenizer();
        j["added_tokens"] = json::array({added(1, "<s>"), added(2, "</s>")});
        j["post_processor"] = {{"type", "TemplateProcessing"},
                               {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                               {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}};
        const std::string dir = test::scratch_dir() + "/llama-class";
        std::filesystem::create_directories(dir);
        write_json_file(dir + "/tokenizer.json", j);
        write_json_file(dir + "/tokenizer_config.json", {{"bos_token", "<s>"}, {"eos_token", {{"content", "</s>"}, {"lstrip", false}}}});
        auto plain = Tokenizer::from_dir(dir);
        QCOMPARE(plain->encode("hi", true), (std::vector<int32_t>{1, 'h', 'i'}));
        QVERIFY(plain->special().add_bos && !plain->special().add_eos);
        QCOMPARE(plain->special().eos_id, 2);

        write_json_file(dir + "/tokenizer_config.json", {{"tokenizer_class", "LlamaTokenizer"}, {"bos_token", "<s>"},
                                                         {"eos_token", "</s>"}, {"add_bos_token", false}, {"add_eos_token", true}});
        auto llama = Tokenizer::from_dir(dir);
        QCOMPARE(llama->encode("hi", true), (std::vector<int32_t>{'h', 'i', 2}));
        QVERIFY(!llama->special().add_bos && llama->special().add_eos);
        QCOMPARE(llama->encode("hi", false), (std::vector<int32_t>{'h', 'i'}));
    }

    void configFiles() {
        json j = char_tokenizer();
        j["added_tokens"] = json::array({added(1, "<s>"), added(2, "</s>"), added(3, "<pad>")});
        const std::string dir = test::scratch_dir() + "/config-files";
        std::filesystem::create_directories(dir);
        write_json_file(dir + "/tokenizer.json", j);
        write_json_file(dir + "/tokenizer_config.json",
                        {{"bos_token", {{"__type", "AddedToken"}, {"content", "<s>"}}},
                         {"eos_token", "<s>"},
                         {"chat_template", {{{"name", "tool_use"}, {"template", "T"}}, {{"name", "default"}, {"template", "D"}}}}});
        write_json_file(dir + "/special_tokens_map.json", {{"eos_token", "</s>"}, {"pad_token", {{"content", "<pad>"}}}});
        auto t = Tokenizer::from_dir(dir);
        QCOMPARE(t->chat_template(), std::string("D"));
        QCOMPARE(t->special().bos_id, 1);
        QCOMPARE(t->special().eos, std::string("</s>"));  // special_tokens_map.json wins
        QCOMPARE(t->special().eos_id, 2);
        QCOMPARE(t->special().pad_id, 3);
        QCOMPARE(t->dir(), dir);

        write_json_file(dir + "/tokenizer_config.json", json::object());
        write_file_atomic(dir + "/chat_template.jinja", "{{ messages }}");
        QCOMPARE(Tokenizer::from_dir(dir)->chat_template(), std::string("{{ messages }}"));
    }
};

LATHE_TEST(TestTokenizerPieces)
#include "test_tokenizer_pieces.moc"
