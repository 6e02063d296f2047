#include "core/tokenizer/decoder.h"

#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/json_place.h"
#include "core/tokenizer/pcre_regex.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>

namespace lathe {

namespace {

using json = nlohmann::json;

// Bytes back from GPT-2's alphabet, then one lossy UTF-8 conversion over the whole sequence.
class ByteLevelDecoder : public TokenDecoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string bytes;
        for (const auto& t : tokens) byte_level::decode_token(t, bytes);
        tokens.assign(1, utf8::is_valid(bytes) ? std::move(bytes) : utf8::to_valid(bytes));
    }
};

class ReplaceDecoder : public TokenDecoder {
public:
    ReplaceDecoder(PcreRegex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (auto& t : tokens) pattern_.replace_all(t, content_);
    }

private:
    PcreRegex pattern_;
    std::string content_;
};

// "<0xNN>" tokens become bytes; a run of them that is not valid UTF-8 becomes one U+FFFD per byte.
class ByteFallbackDecoder : public TokenDecoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        std::string bytes;
        size_t byte_count = 0;
        auto flush = [&] {
            if (byte_count == 0) return;
            if (utf8::is_valid(bytes)) {
                out.push_back(bytes);
            } else {
                for (size_t i = 0; i < byte_count; ++i) out.emplace_back("\xEF\xBF\xBD");
            }
            bytes.clear();
            byte_count = 0;
        };
        for (auto& t : tokens) {
            int byte = -1;
            if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') byte = parse_hex(t[3], t[4]);
            if (byte >= 0) {
                bytes += static_cast<char>(byte);
                ++byte_count;
                continue;
            }
            flush();
            out.push_back(std::move(t));
        }
        flush();
        tokens.swap(out);
    }

private:
    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }
    static int parse_hex(char hi, char lo) {
        const int h = hex(hi), l = hex(lo);
        return h < 0 || l < 0 ? -1 : h * 16 + l;
    }
};

class FuseDecoder : public TokenDecoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const auto& t : tokens) all += t;
        tokens.assign(1, std::move(all));
    }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class StripDecoder : public TokenDecoder {
public:
    StripDecoder(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        if (content_.empty()) return;
        for (auto& t : tokens) {
            size_t begin = 0, end = t.size();
            for (size_t k = 0; k < start_ && t.compare(begin, content_.size(), content_) == 0; ++k) begin += content_.size();
            for (size_t k = 0; k < stop_ && end >= begin + content_.size() &&
                               t.compare(end - content_.size(), content_.size(), content_) == 0;
                 ++k)
                end -= content_.size();
            t = t.substr(begin, end - begin);
        }
    }

private:
    std::string content_;
    size_t start_, stop_;
};

// "▁" -> " "; in the first token every "▁" is dropped instead (tokenizers' Metaspace decoder) unless
// the prepend scheme is "never".
class MetaspaceDecoder : public TokenDecoder {
public:
    MetaspaceDecoder(std::string replacement, bool strip_first) : replacement_(std::move(replacement)), strip_first_(strip_first) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (size_t i = 0; i < tokens.size(); ++i) {
            std::string out;
            const std::string& t = tokens[i];
            for (size_t p = 0; p < t.size();) {
                if (!replacement_.empty() && t.compare(p, replacement_.size(), replacement_) == 0) {
                    if (!(i == 0 && strip_first_)) out += ' ';
                    p += replacement_.size();
                } else {
                    out += t[p++];
                }
            }
            tokens[i] = std::move(out);
        }
    }

private:
    std::string replacement_;
    bool strip_first_;
};

class SequenceDecoder : public TokenDecoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<TokenDecoder>> steps) : steps_(std::move(steps)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (const auto& s : steps_) s->decode_chain(tokens);
    }

private:
    std::vector<std::unique_ptr<TokenDecoder>> steps_;
};

std::string char_content(const json& j, const char* key, const char* fallback) {
    return j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>() : std::string(fallback);
}

using DecoderFactory = std::function<std::unique_ptr<TokenDecoder>(const json&, const std::string&)>;

// The decoder types Lathe understands, by tokenizer.json "type".
const std::map<std::string, DecoderFactory>& decoder_factories() {
    static const std::map<std::string, DecoderFactory> table = {
        {"ByteLevel", [](const json&, const std::string&) { return std::make_unique<ByteLevelDecoder>(); }},
        {"Replace",
         [](const json& j, const std::string& w) {
             return std::make_unique<ReplaceDecoder>(PcreRegex::from_pattern_json(j.at("pattern"), w + ".pattern"),
                                                     j.at("content").get<std::string>());
         }},
        {"ByteFallback", [](const json&, const std::string&) { return std::make_unique<ByteFallbackDecoder>(); }},
        {"Fuse", [](const json&, const std::string&) { return std::make_unique<FuseDecoder>(); }},
        {"Strip",
         [](const json& j, const std::string&) {
             return std::make_unique<StripDecoder>(char_content(j, "content", " "), j.value("start", size_t(0)),
                                                   j.value("stop", size_t(0)));
         }},
        {"Metaspace",
         [](const json& j, const std::string&) {
             bool strip_first = j.value("add_prefix_space", true);
             if (j.contains("prepend_scheme")) strip_first = j.at("prepend_scheme").get<std::string>() != "never";
             return std::make_unique<MetaspaceDecoder>(char_content(j, "replacement", "\xE2\x96\x81"), strip_first);
         }},
        {"Sequence",
         [](const json& j, const std::string& w) -> std::unique_ptr<TokenDecoder> {
             std::vector<std::unique_ptr<TokenDecoder>> steps;
             const json& list = j.at("decoders");
             for (size_t i = 0; i < list.size(); ++i) {
                 auto d = TokenDecoder::from_json(list[i], w + ".decoders[" + std::to_string(i) + "]");
                 if (d) steps.push_back(std::move(d));
             }
             return std::make_unique<SequenceDecoder>(std::move(steps));
         }},
    };
    return table;
}

}  // namespace

std::string TokenDecoder::decode(std::vector<std::string> tokens) const {
    decode_chain(tokens);
    std::string out;
    for (const auto& t : tokens) out += t;
    return out;
}

std::unique_ptr<TokenDecoder> TokenDecoder::from_json(const json& j, const std::string& where) {
    if (j.is_null()) return nullptr;
    const std::string type = j.value("type", "");
    const auto& table = decoder_factories();
    auto it = table.find(type);
    if (it == table.end()) throw TokenizerError(tokenizer_json_problem(where, "tokenizer_json_decoder_type", {type}));
    try {
        return it->second(j, where);
    } catch (const json::exception& e) {
        throw TokenizerError(tokenizer_json_exception_problem(where + " (" + type + ")", e.id, e.what()));
    }
}

}  // namespace lathe
