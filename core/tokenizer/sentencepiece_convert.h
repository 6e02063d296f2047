// tokenizer.model -> tokenizer.json: the Hugging Face form of a SentencePiece BPE model, built as
// transformers' LlamaConverter builds it (vocabulary from the pieces, merges ordered by the score of the
// piece they make), so that exported models load in transformers and tokenize identically.
#pragma once
#include <nlohmann/json_fwd.hpp>

namespace lathe {

class SpmTokenizer;

// Throws TokenizerError when the model has no exact tokenizer.json form: a Unigram/word/char model, or
// a normalizer other than "identity" with whitespace kept (nmt_nfkc needs Hugging Face's Precompiled
// normalizer). Models trained by train_sentencepiece's defaults convert exactly.
nlohmann::json sentencepiece_to_tokenizer_json(const SpmTokenizer& spm);

}  // namespace lathe
