#include "core/tokenizer/pre_tokenizer.h"

#include "core/tokenizer/byte_level.h"
#include "core/tokenizer/json_place.h"
#include "core/tokenizer/pcre_regex.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <unicode/uchar.h>

#include <algorithm>
#include <functional>
#include <map>

namespace lathe {

namespace {

using json = nlohmann::json;

// GPT-2's split, used by ByteLevel with use_regex=true.
const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct Segment {
    size_t begin, end;
    bool match;
};

// Segments covering all of a word of length `size`, from the match ranges found in it.
std::vector<Segment> segments_from_matches(size_t size, const std::vector<std::pair<size_t, size_t>>& m, bool invert) {
    std::vector<Segment> segs;
    size_t prev = 0;
    for (auto [b, e] : m) {
        if (b > prev) segs.push_back({prev, b, invert});
        segs.push_back({b, e, !invert});
        prev = e;
    }
    if (prev < size) segs.push_back({prev, size, invert});
    return segs;
}

// Hugging Face's SplitDelimiterBehavior, applied to one word's segments; appends the pieces to `out`.
void emit_pieces(const std::string& w, const std::vector<Segment>& segs, Behavior behavior,
                 std::vector<std::string>& out) {
    std::vector<std::pair<size_t, size_t>> pieces;
    bool prev_match = false;
    switch (behavior) {
        case Behavior::Removed:
            for (const auto& s : segs)
                if (!s.match) pieces.emplace_back(s.begin, s.end);
            break;
        case Behavior::Isolated:
            for (const auto& s : segs) pieces.emplace_back(s.begin, s.end);
            break;
        case Behavior::Contiguous:
            for (size_t i = 0; i < segs.size(); ++i) {
                if (i > 0 && segs[i].match == prev_match) pieces.back().second = segs[i].end;
                else pieces.emplace_back(segs[i].begin, segs[i].end);
                prev_match = segs[i].match;
            }
            break;
        case Behavior::MergedWithPrevious:
            for (const auto& s : segs) {
                if (s.match && !prev_match && !pieces.empty()) pieces.back().second = s.end;
                else pieces.emplace_back(s.begin, s.end);
                prev_match = s.match;
            }
            break;
        case Behavior::MergedWithNext:
            for (size_t i = segs.size(); i-- > 0;) {
                if (segs[i].match && !prev_match && !pieces.empty()) pieces.back().first = segs[i].begin;
                else pieces.emplace_back(segs[i].begin, segs[i].end);
                prev_match = segs[i].match;
            }
            std::reverse(pieces.begin(), pieces.end());
            break;
    }
    for (auto [b, e] : pieces)
        if (e > b) out.emplace_back(w, b, e - b);
}

class Split : public PreTokenizer {
public:
    Split(PcreRegex pattern, Behavior behavior, bool invert)
        : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}

    void apply(std::vector<std::string>& words, bool) const override {
        std::vector<std::string> out;
        out.reserve(words.size() * 4);
        std::vector<std::pair<size_t, size_t>> m;
        for (const auto& w : words) {
            m.clear();
            pattern_.find_all(w, m);
            emit_pieces(w, segments_from_matches(w.size(), m, invert_), behavior_, out);
        }
        words.swap(out);
    }

private:
    PcreRegex pattern_;
    Behavior behavior_;
    bool invert_;
};

class ByteLevel : public PreTokenizer {
public:
    ByteLevel(bool add_prefix_space, bool use_regex, const std::string& where) : add_prefix_space_(add_prefix_space) {
        if (use_regex) regex_ = std::make_unique<PcreRegex>(kGpt2Pattern, where);
    }

    void apply(std::vector<std::string>& words, bool) const override {
        std::vector<std::string> out;
        out.reserve(words.size() * (regex_ ? 4 : 1));
        std::vector<std::pair<size_t, size_t>> m;
        std::string with_space;
        for (const auto& w0 : words) {
            const std::string* w = &w0;
            if (add_prefix_space_ && (w0.empty() || w0[0] != ' ')) {
                with_space = " " + w0;
                w = &with_space;
            }
            if (!regex_) {
                map_bytes(*w, 0, w->size(), out);
                continue;
            }
            m.clear();
            regex_->find_all(*w, m);
            for (const auto& s : segments_from_matches(w->size(), m, false)) map_bytes(*w, s.begin, s.end, out);
        }
        words.swap(out);
    }

private:
    static void map_bytes(const std::string& w, size_t b, size_t e, std::vector<std::string>& out) {
        if (e <= b) return;
        out.emplace_back();
        out.back().reserve((e - b) * 2);
        byte_level::encode(std::string_view(w).substr(b, e - b), out.back());
    }

    bool add_prefix_space_;
    std::unique_ptr<PcreRegex> regex_;
};

// SentencePiece's whitespace convention: spaces become "▁", a "▁" is prepended, words split before "▁".
class Metaspace : public PreTokenizer {
public:
    enum class Prepend { Always, First, Never };
    Metaspace(std::string replacement, Prepend prepend, bool split)
        : replacement_(std::move(replacement)), prepend_(prepend), split_(split) {}

    void apply(std::vector<std::string>& words, bool first_section) const override {
        std::vector<std::string> out;
        for (size_t k = 0; k < words.size(); ++k) {
            std::string w;
            for (char c : words[k]) {
                if (c == ' ') w += replacement_;
                else w += c;
            }
            const bool prepend = prepend_ == Prepend::Always || (prepend_ == Prepend::First && first_section && k == 0);
            if (prepend && w.compare(0, replacement_.size(), replacement_) != 0) w.insert(0, replacement_);
            if (!split_) {
                if (!w.empty()) out.push_back(std::move(w));
                continue;
            }
            std::vector<Segment> segs;
            size_t prev = 0;
            for (size_t at = w.find(replacement_); at != std::string::npos; at = w.find(replacement_, at + 1)) {
                if (at > prev) segs.push_back({prev, at, false});
                segs.push_back({at, at + replacement_.size(), true});
                prev = at + replacement_.size();
            }
            if (prev < w.size()) segs.push_back({prev, w.size(), false});
            emit_pieces(w, segs, Behavior::MergedWithNext, out);
        }
        words.swap(out);
    }

private:
    std::string replacement_;
    Prepend prepend_;
    bool split_;
};

class Digits : public PreTokenizer {
public:
    explicit Digits(bool individual) : individual_(individual) {}
    void apply(std::vector<std::string>& words, bool) const override {
        std::vector<std::string> out;
        for (const auto& w : words) {
            // Rust's char::is_numeric: any Unicode number (Nd, Nl, No); each number character is one match.
            std::vector<Segment> segs;
            for (size_t i = 0; i < w.size();) {
                const size_t at = i;
                const auto type = u_charType(static_cast<UChar32>(utf8::next(w, i)));
                const bool digit = type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER || type == U_OTHER_NUMBER;
                if (!digit && !segs.empty() && !segs.back().match) segs.back().end = i;
                else segs.push_back({at, i, digit});
            }
            emit_pieces(w, segs, individual_ ? Behavior::Isolated : Behavior::Contiguous, out);
        }
        words.swap(out);
    }

private:
    bool individual_;
};

class PreTokenizerSequence : public PreTokenizer {
public:
    explicit PreTokenizerSequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
    void apply(std::vector<std::string>& words, bool first_section) const override {
        for (const auto& s : steps_) s->apply(words, first_section);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

Behavior behavior_from_json(const json& j, const std::string& where) {
    static const std::map<std::string, Behavior> names = {
        {"Removed", Behavior::Removed},
        {"Isolated", Behavior::Isolated},
        {"MergedWithPrevious", Behavior::MergedWithPrevious},
        {"MergedWithNext", Behavior::MergedWithNext},
        {"Contiguous", Behavior::Contiguous},
    };
    const std::string name = j.get<std::string>();
    auto it = names.find(name);
    if (it == names.end()) throw TokenizerError(tokenizer_json_problem(where, "tokenizer_json_split_behavior", {name}));
    return it->second;
}

Metaspace::Prepend prepend_from_json(const json& j) {
    if (j.contains("prepend_scheme")) {
        const std::string s = j.at("prepend_scheme").get<std::string>();
        if (s == "first") return Metaspace::Prepend::First;
        if (s == "never") return Metaspace::Prepend::Never;
        return Metaspace::Prepend::Always;
    }
    // Files written before prepend_scheme existed carry add_prefix_space instead.
    return j.value("add_prefix_space", true) ? Metaspace::Prepend::Always : Metaspace::Prepend::Never;
}

using PreTokenizerFactory = std::function<std::unique_ptr<PreTokenizer>(const json&, const std::string&)>;

// The pre-tokenizer types Lathe understands, by tokenizer.json "type".
const std::map<std::string, PreTokenizerFactory>& pre_tokenizer_factories() {
    static const std::map<std::string, PreTokenizerFactory> table = {
        {"Split",
         [](const json& j, const std::string& w) -> std::unique_ptr<PreTokenizer> {
             return std::make_unique<Split>(PcreRegex::from_pattern_json(j.at("pattern"), w + ".pattern"), behavior_from_json(j.at("behavior"), w),
                                            j.value("invert", false));
         }},
        {"ByteLevel",
         [](const json& j, const std::string& w) {
             return std::make_unique<ByteLevel>(j.value("add_prefix_space", true), j.value("use_regex", true), w);
         }},
        {"Metaspace",
         [](const json& j, const std::string&) {
             return std::make_unique<Metaspace>(j.value("replacement", std::string("\xE2\x96\x81")), prepend_from_json(j),
                                                j.value("split", true));
         }},
        {"Digits", [](const json& j, const std::string&) { return std::make_unique<Digits>(j.value("individual_digits", false)); }},
        {"Sequence",
         [](const json& j, const std::string& w) -> std::unique_ptr<PreTokenizer> {
             std::vector<std::unique_ptr<PreTokenizer>> steps;
             const json& list = j.at("pretokenizers");
             for (size_t i = 0; i < list.size(); ++i) {
                 auto p = PreTokenizer::from_json(list[i], w + ".pretokenizers[" + std::to_string(i) + "]");
                 if (p) steps.push_back(std::move(p));
             }
             return std::make_unique<PreTokenizerSequence>(std::move(steps));
         }},
    };
    return table;
}

}  // namespace

std::unique_ptr<PreTokenizer> PreTokenizer::from_json(const json& j, const std::string& where) {
    if (j.is_null()) return nullptr;
    const std::string type = j.value("type", "");
    const auto& table = pre_tokenizer_factories();
    auto it = table.find(type);
    if (it == table.end()) throw TokenizerError(tokenizer_json_problem(where, "tokenizer_json_pre_tokenizer_type", {type}));
    try {
        return it->second(j, where);
    } catch (const json::exception& e) {
        throw TokenizerError(tokenizer_json_exception_problem(where + " (" + type + ")", e.id, e.what()));
    }
}

}  // namespace lathe
