// tokenizer.json "normalizer": text rewrites applied before pre-tokenization (Unicode normal forms,
// SentencePiece's "▁" substitutions, lowercasing).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <string>

namespace lathe {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(std::string& text) const = 0;

    // nullptr for JSON null. Throws TokenizerError naming `where` and an unsupported type.
    static std::unique_ptr<Normalizer> from_json(const nlohmann::json& j, const std::string& where);
};

}  // namespace lathe
