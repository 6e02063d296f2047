// tokenizer.json "decoder": turns token strings back into text (ByteLevel, the SentencePiece chain
// Replace/ByteFallback/Fuse/Strip, Metaspace, and Sequences of those), step for step as Hugging Face.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <string>
#include <vector>

namespace lathe {

class TokenDecoder {
public:
    virtual ~TokenDecoder() = default;
    // One step of the chain: rewrites the list of token strings.
    virtual void decode_chain(std::vector<std::string>& tokens) const = 0;

    // Runs the chain and joins what is left.
    std::string decode(std::vector<std::string> tokens) const;

    // nullptr for JSON null. Throws TokenizerError naming `where` and an unsupported type.
    static std::unique_ptr<TokenDecoder> from_json(const nlohmann::json& j, const std::string& where);
};

}  // namespace lathe
