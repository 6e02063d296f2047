#include "core/tokenizer/normalizer.h"

#include "core/tokenizer/json_place.h"
#include "core/tokenizer/pcre_regex.h"
#include "core/tokenizer/utf8.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>
#include <unicode/bytestream.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <functional>
#include <map>

namespace lathe {

namespace {

using json = nlohmann::json;

class UnicodeForm : public Normalizer {
public:
    UnicodeForm(const icu::Normalizer2* n, const std::string& where) : n_(n) {
        if (!n_) throw TokenizerError(file_problem(where, -1, -1, "icu_normalizer_unavailable", {"no instance"}));
    }
    void normalize(std::string& text) const override {
        UErrorCode err = U_ZERO_ERROR;
        if (n_->isNormalizedUTF8(text, err) && U_SUCCESS(err)) return;  // the common case costs one scan
        err = U_ZERO_ERROR;
        std::string out;
        icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
        n_->normalizeUTF8(0, text, sink, nullptr, err);
        if (U_SUCCESS(err)) text = std::move(out);
    }

private:
    const icu::Normalizer2* n_;
};

class NormalizerSequence : public Normalizer {
public:
    explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
    void normalize(std::string& text) const override {
        for (const auto& s : steps_) s->normalize(text);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> steps_;
};

class Prepend : public Normalizer {
public:
    explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
    void normalize(std::string& text) const override {
        if (!text.empty()) text.insert(0, prefix_);  // Hugging Face leaves an empty piece empty
    }

private:
    std::string prefix_;
};

class Replace : public Normalizer {
public:
    Replace(PcreRegex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
    void normalize(std::string& text) const override { pattern_.replace_all(text, content_); }

private:
    PcreRegex pattern_;
    std::string content_;
};

class Lowercase : public Normalizer {
public:
    void normalize(std::string& text) const override {
        icu::UnicodeString u = icu::UnicodeString::fromUTF8(text);
        u.toLower(icu::Locale::getRoot());
        text.clear();
        u.toUTF8String(text);
    }
};

// Strips Unicode whitespace at either end.
class Strip : public Normalizer {
public:
    Strip(bool left, bool right) : left_(left), right_(right) {}
    void normalize(std::string& text) const override {
        size_t begin = 0;
        if (left_) {
            while (begin < text.size()) {
                size_t i = begin;
                if (!utf8::is_whitespace(utf8::next(text, i))) break;
                begin = i;
            }
        }
        size_t end = text.size();
        if (right_) {
            end = begin;
            for (size_t i = begin; i < text.size();) {
                if (!utf8::is_whitespace(utf8::next(text, i))) end = i;
            }
        }
        text = text.substr(begin, end - begin);
    }

private:
    bool left_, right_;
};

std::unique_ptr<Normalizer> make_icu(UNormalization2Mode mode, const char* name, const std::string& where) {
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getInstance(nullptr, name, mode, err);
    return std::make_unique<UnicodeForm>(U_SUCCESS(err) ? n : nullptr, where);
}

using NormalizerFactory = std::function<std::unique_ptr<Normalizer>(const json&, const std::string&)>;

// The normalizer types Lathe understands, by tokenizer.json "type".
const std::map<std::string, NormalizerFactory>& normalizer_factories() {
    static const std::map<std::string, NormalizerFactory> table = {
        {"NFC", [](const json&, const std::string& w) { return make_icu(UNORM2_COMPOSE, "nfc", w); }},
        {"NFD", [](const json&, const std::string& w) { return make_icu(UNORM2_DECOMPOSE, "nfc", w); }},
        {"NFKC", [](const json&, const std::string& w) { return make_icu(UNORM2_COMPOSE, "nfkc", w); }},
        {"NFKD", [](const json&, const std::string& w) { return make_icu(UNORM2_DECOMPOSE, "nfkc", w); }},
        {"Sequence",
         [](const json& j, const std::string& w) -> std::unique_ptr<Normalizer> {
             std::vector<std::unique_ptr<Normalizer>> steps;
             const json& list = j.at("normalizers");
             for (size_t i = 0; i < list.size(); ++i) {
                 auto n = Normalizer::from_json(list[i], w + ".normalizers[" + std::to_string(i) + "]");
                 if (n) steps.push_back(std::move(n));
             }
             return std::make_unique<NormalizerSequence>(std::move(steps));
         }},
        {"Prepend",
         [](const json& j, const std::string&) { return std::make_unique<Prepend>(j.at("prepend").get<std::string>()); }},
        {"Replace",
         [](const json& j, const std::string& w) {
             return std::make_unique<Replace>(PcreRegex::from_pattern_json(j.at("pattern"), w + ".pattern"),
                                              j.at("content").get<std::string>());
         }},
        {"Lowercase", [](const json&, const std::string&) { return std::make_unique<Lowercase>(); }},
        {"Strip",
         [](const json& j, const std::string&) {
             return std::make_unique<Strip>(j.value("strip_left", true), j.value("strip_right", true));
         }},
    };
    return table;
}

}  // namespace

std::unique_ptr<Normalizer> Normalizer::from_json(const json& j, const std::string& where) {
    if (j.is_null()) return nullptr;
    const std::string type = j.value("type", "");
    const auto& table = normalizer_factories();
    auto it = table.find(type);
    if (it == table.end()) throw TokenizerError(tokenizer_json_problem(where, "tokenizer_json_normalizer_type", {type}));
    try {
        return it->second(j, where);
    } catch (const json::exception& e) {
        throw TokenizerError(tokenizer_json_exception_problem(where + " (" + type + ")", e.id, e.what()));
    }
}

}  // namespace lathe
