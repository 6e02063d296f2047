// StreamDecoder: the prefix/read offset scheme of Hugging Face's text-generation-inference. The text of
// ids_[prefix_offset_, read_offset_) was emitted already and serves as context; a new id's text is the
// difference between decoding the window with and without the unread ids. Decoding with context keeps
// word-initial spaces that a decoder strips at the start of a text (SentencePiece's "▁").
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/utf8.h"

namespace lathe {

namespace {

std::vector<int32_t> slice(const std::vector<int32_t>& ids, size_t begin, size_t end) {
    return std::vector<int32_t>(ids.begin() + static_cast<long>(begin), ids.begin() + static_cast<long>(end));
}

}  // namespace

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tok_(tokenizer), skip_special_(skip_special_tokens) {}

std::string StreamDecoder::push(int32_t id) {
    ids_.push_back(id);
    const std::string before = tok_.decode(slice(ids_, prefix_offset_, read_offset_), skip_special_);
    const std::string after = tok_.decode(slice(ids_, prefix_offset_, ids_.size()), skip_special_);
    // A trailing U+FFFD is a character still missing bytes: wait for the next id.
    if (after.size() <= before.size() || utf8::ends_with_replacement(after)) return {};
    prefix_offset_ = read_offset_;
    read_offset_ = ids_.size();
    return after.substr(before.size());
}

std::string StreamDecoder::flush() {
    const std::string before = tok_.decode(slice(ids_, prefix_offset_, read_offset_), skip_special_);
    const std::string after = tok_.decode(slice(ids_, prefix_offset_, ids_.size()), skip_special_);
    prefix_offset_ = read_offset_;
    read_offset_ = ids_.size();
    return after.size() > before.size() ? after.substr(before.size()) : std::string();
}

}  // namespace lathe
