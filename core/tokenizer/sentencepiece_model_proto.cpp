#include "core/tokenizer/sentencepiece_model_proto.h"

#include "core/util/error.h"
#include "core/util/messages.h"

#include <cstdint>
#include <cstring>
#include <functional>

namespace lathe {

namespace {

// Field numbers from sentencepiece_model.proto.
constexpr int kModelPieces = 1, kModelTrainerSpec = 2, kModelNormalizerSpec = 3;
constexpr int kPiecePiece = 1, kPieceScore = 2, kPieceType = 3;
constexpr int kTrainerModelType = 3, kTrainerByteFallback = 35;
constexpr int kNormName = 1, kNormAddDummyPrefix = 3, kNormRemoveExtraWhitespaces = 4, kNormEscapeWhitespaces = 5;

struct Field {
    int number;
    int wire;             // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
    uint64_t value = 0;   // varint / fixed
    std::string_view bytes;  // length-delimited
};

class Reader {
public:
    Reader(std::string_view data, const std::string& origin) : data_(data), origin_(origin) {}

    // Calls `f` for each field of the message.
    void each(const std::function<void(const Field&)>& f) {
        while (pos_ < data_.size()) {
            const uint64_t key = varint();
            Field field{static_cast<int>(key >> 3), static_cast<int>(key & 7), 0, {}};
            switch (field.wire) {
                case 0: field.value = varint(); break;
                case 1: field.value = fixed(8); break;
                case 5: field.value = fixed(4); break;
                case 2: {
                    const uint64_t n = varint();
                    if (n > data_.size() - pos_) fail("field length past the end");
                    field.bytes = data_.substr(pos_, n);
                    pos_ += n;
                    break;
                }
                default: fail("unsupported wire type " + std::to_string(field.wire));
            }
            f(field);
        }
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw TokenizerError(file_problem(origin_, 0, 0, "spm_model_invalid", {why + " at byte " + std::to_string(pos_)}));
    }
    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= data_.size()) fail("truncated varint");
            const auto b = static_cast<unsigned char>(data_[pos_++]);
            v |= uint64_t(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        fail("varint too long");
    }
    uint64_t fixed(size_t n) {
        if (n > data_.size() - pos_) fail("truncated fixed field");
        uint64_t v = 0;
        std::memcpy(&v, data_.data() + pos_, n);  // little-endian, as x86 and ARM
        pos_ += n;
        return v;
    }

    std::string_view data_;
    std::string origin_;
    size_t pos_ = 0;
};

float as_float(uint64_t bits) {
    const auto u = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

}  // namespace

SpmModelInfo read_spm_model_info(std::string_view bytes, const std::string& origin) {
    SpmModelInfo info;
    Reader(bytes, origin).each([&](const Field& f) {
        if (f.number == kModelPieces && f.wire == 2) {
            SpmPiece p;
            Reader(f.bytes, origin).each([&](const Field& g) {
                if (g.number == kPiecePiece && g.wire == 2) p.piece.assign(g.bytes);
                else if (g.number == kPieceScore && g.wire == 5) p.score = as_float(g.value);
                else if (g.number == kPieceType && g.wire == 0) p.type = static_cast<int>(g.value);
            });
            info.pieces.push_back(std::move(p));
        } else if (f.number == kModelTrainerSpec && f.wire == 2) {
            Reader(f.bytes, origin).each([&](const Field& g) {
                if (g.number == kTrainerModelType && g.wire == 0) info.model_type = static_cast<int>(g.value);
                else if (g.number == kTrainerByteFallback && g.wire == 0) info.byte_fallback = g.value != 0;
            });
        } else if (f.number == kModelNormalizerSpec && f.wire == 2) {
            Reader(f.bytes, origin).each([&](const Field& g) {
                if (g.number == kNormName && g.wire == 2) info.normalizer_name.assign(g.bytes);
                else if (g.number == kNormAddDummyPrefix && g.wire == 0) info.add_dummy_prefix = g.value != 0;
                else if (g.number == kNormRemoveExtraWhitespaces && g.wire == 0) info.remove_extra_whitespaces = g.value != 0;
                else if (g.number == kNormEscapeWhitespaces && g.wire == 0) info.escape_whitespaces = g.value != 0;
            });
        }
    });
    if (info.pieces.empty()) throw TokenizerError(file_problem(origin, 0, 0, "spm_model_invalid", {"no pieces"}));
    return info;
}

}  // namespace lathe
