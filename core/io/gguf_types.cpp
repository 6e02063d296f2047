// ggml tensor type traits and GGUF metadata values.
#include "core/io/gguf.h"

#include "core/util/error.h"
#include "core/util/messages.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <type_traits>

namespace lathe {

static_assert(sizeof(float) == 4 && sizeof(double) == 8, "GGUF needs IEEE float and double");

// ---- tensor types ---------------------------------------------------------------------------------

namespace {

// ggml.c's type_traits (block size, bytes per block). Ids 4, 5, 31-33 and 36-38 were removed
// from ggml; a file using them is rejected.
const GgmlTypeInfo kTypes[] = {
    {"f32", 1, 4},        {"f16", 1, 2},          {"q4_0", 32, 18},       {"q4_1", 32, 20},
    {nullptr, 0, 0},      {nullptr, 0, 0},        {"q5_0", 32, 22},       {"q5_1", 32, 24},
    {"q8_0", 32, 34},     {"q8_1", 32, 36},       {"q2_K", 256, 84},      {"q3_K", 256, 110},
    {"q4_K", 256, 144},   {"q5_K", 256, 176},     {"q6_K", 256, 210},     {"q8_K", 256, 292},
    {"iq2_xxs", 256, 66}, {"iq2_xs", 256, 74},    {"iq3_xxs", 256, 98},   {"iq1_s", 256, 50},
    {"iq4_nl", 32, 18},   {"iq3_s", 256, 110},    {"iq2_s", 256, 82},     {"iq4_xs", 256, 136},
    {"i8", 1, 1},         {"i16", 1, 2},          {"i32", 1, 4},          {"i64", 1, 8},
    {"f64", 1, 8},        {"iq1_m", 256, 56},     {"bf16", 1, 2},         {nullptr, 0, 0},
    {nullptr, 0, 0},      {nullptr, 0, 0},        {"tq1_0", 256, 54},     {"tq2_0", 256, 66},
    {nullptr, 0, 0},      {nullptr, 0, 0},        {nullptr, 0, 0},        {"mxfp4", 32, 17},
    {"nvfp4", 64, 36},    {"q1_0", 128, 18},      {"q2_0", 64, 18},
};

const GgmlType kSupported[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0,
                               GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

const GgmlTypeInfo* ggml_type_info(uint32_t type) {
    if (type >= sizeof(kTypes) / sizeof(kTypes[0]) || kTypes[type].name == nullptr) return nullptr;
    return &kTypes[type];
}

const char* ggml_type_name(GgmlType type) {
    const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
    return info ? info->name : "unknown";
}

uint64_t ggml_bytes(GgmlType type, int64_t n_values) {
    const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
    if (!info) throw IoError("ggml type " + std::to_string(static_cast<uint32_t>(type)) + " is unknown");
    if (n_values < 0 || n_values % info->block_size != 0)
        throw IoError(std::string(info->name) + " encodes blocks of " + std::to_string(info->block_size) +
                      " values; " + std::to_string(n_values) + " is not a multiple");
    return static_cast<uint64_t>(n_values / info->block_size) * info->block_bytes;
}

bool ggml_type_supported(GgmlType type) {
    return std::find(std::begin(kSupported), std::end(kSupported), type) != std::end(kSupported);
}

GgmlType parse_ggml_type(const std::string& name) {
    std::string choices;
    for (GgmlType t : kSupported) {
        if (lower(name) == lower(ggml_type_name(t))) return t;
        choices += std::string(choices.empty() ? "" : ", ") + ggml_type_name(t);
    }
    throw ConfigError(plain_problem("unknown_gguf_type", {name, choices}));
}

const char* gguf_value_type_name(GgufValueType t) {
    static const char* const names[] = {"u8",  "i8",     "u16",   "i16", "u32", "i32", "f32",
                                        "bool", "string", "array", "u64", "i64", "f64"};
    const auto i = static_cast<uint32_t>(t);
    return i < sizeof(names) / sizeof(names[0]) ? names[i] : "unknown";
}

// ---- values ---------------------------------------------------------------------------------------

namespace {

template <class T>
struct ValueTypeOf;
#define LATHE_GGUF_TYPE(T, V) \
    template <>               \
    struct ValueTypeOf<T> {   \
        static constexpr GgufValueType value = GgufValueType::V; \
    };
LATHE_GGUF_TYPE(uint8_t, U8)
LATHE_GGUF_TYPE(int8_t, I8)
LATHE_GGUF_TYPE(uint16_t, U16)
LATHE_GGUF_TYPE(int16_t, I16)
LATHE_GGUF_TYPE(uint32_t, U32)
LATHE_GGUF_TYPE(int32_t, I32)
LATHE_GGUF_TYPE(uint64_t, U64)
LATHE_GGUF_TYPE(int64_t, I64)
LATHE_GGUF_TYPE(float, F32)
LATHE_GGUF_TYPE(double, F64)
LATHE_GGUF_TYPE(bool, Bool)
#undef LATHE_GGUF_TYPE

size_t element_size(GgufValueType t) {
    switch (t) {
        case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::Bool: return 1;
        case GgufValueType::U16: case GgufValueType::I16: return 2;
        case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32: return 4;
        case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: return 8;
        default: return 0;
    }
}

// Host byte order is little-endian on every platform Lathe builds for, so bytes are copied as is.
template <class T>
std::string to_bytes(const T* v, size_t n) {
    std::string out(n * sizeof(T), '\0');
    if constexpr (std::is_same_v<T, bool>) {
        for (size_t i = 0; i < n; ++i) out[i] = v[i] ? 1 : 0;
    } else if (n > 0) {
        std::memcpy(out.data(), v, n * sizeof(T));
    }
    return out;
}

template <class T>
GgufValue scalar(T v) {
    return GgufValue::from_bytes(ValueTypeOf<T>::value, to_bytes(&v, 1), false);
}

std::string quoted(const std::string& s, size_t max_chars = 40) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size() && i < max_chars; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') out += '\\';
        if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + (s.size() > max_chars ? "...\"" : "\"");
}

}  // namespace

GgufValue GgufValue::u8(uint8_t v) { return scalar(v); }
GgufValue GgufValue::i8(int8_t v) { return scalar(v); }
GgufValue GgufValue::u16(uint16_t v) { return scalar(v); }
GgufValue GgufValue::i16(int16_t v) { return scalar(v); }
GgufValue GgufValue::u32(uint32_t v) { return scalar(v); }
GgufValue GgufValue::i32(int32_t v) { return scalar(v); }
GgufValue GgufValue::u64(uint64_t v) { return scalar(v); }
GgufValue GgufValue::i64(int64_t v) { return scalar(v); }
GgufValue GgufValue::f32(float v) { return scalar(v); }
GgufValue GgufValue::f64(double v) { return scalar(v); }
GgufValue GgufValue::boolean(bool v) { return scalar(v); }

GgufValue GgufValue::string(std::string v) {
    GgufValue out;
    out.type_ = GgufValueType::String;
    out.strings_.push_back(std::move(v));
    return out;
}

GgufValue GgufValue::array(std::vector<std::string> values) {
    GgufValue out;
    out.type_ = GgufValueType::String;
    out.is_array_ = true;
    out.strings_ = std::move(values);
    return out;
}

template <class T>
GgufValue GgufValue::array(const std::vector<T>& values) {
    if constexpr (std::is_same_v<T, bool>) {
        std::string bytes;
        for (bool b : values) bytes += b ? '\1' : '\0';
        return from_bytes(GgufValueType::Bool, std::move(bytes), true);
    } else {
        return from_bytes(ValueTypeOf<T>::value, to_bytes(values.data(), values.size()), true);
    }
}

GgufValue GgufValue::from_bytes(GgufValueType elem, std::string bytes, bool is_array) {
    const size_t size = element_size(elem);
    if (size == 0)
        throw IoError(std::string("GGUF value of type ") + gguf_value_type_name(elem) + " is not a number");
    if (bytes.size() % size != 0 || (!is_array && bytes.size() != size))
        throw IoError("GGUF " + std::string(gguf_value_type_name(elem)) + " value has " +
                      std::to_string(bytes.size()) + " bytes");
    GgufValue out;
    out.type_ = elem;
    out.is_array_ = is_array;
    out.bytes_ = std::move(bytes);
    return out;
}

uint64_t GgufValue::size() const {
    if (type_ == GgufValueType::String) return strings_.size();
    return bytes_.size() / element_size(type_);
}

namespace {

std::string mismatch(const char* wanted, GgufValueType found, bool found_array) {
    return std::string("expected ") + wanted + ", found " + (found_array ? "array of " : "") +
           gguf_value_type_name(found);
}

}  // namespace

template <class T>
T GgufValue::get(uint64_t i) const {
    if (type_ != ValueTypeOf<T>::value) throw IoError(mismatch(gguf_value_type_name(ValueTypeOf<T>::value), type_, is_array_));
    if (i >= size()) throw IoError("index " + std::to_string(i) + " out of range (" + std::to_string(size()) + " elements)");
    if constexpr (std::is_same_v<T, bool>) {
        return bytes_[i] != 0;
    } else {
        T v;
        std::memcpy(&v, bytes_.data() + i * sizeof(T), sizeof(T));
        return v;
    }
}

template <class T>
std::vector<T> GgufValue::get_array() const {
    if (type_ != ValueTypeOf<T>::value || !is_array_)
        throw IoError(mismatch((std::string("array of ") + gguf_value_type_name(ValueTypeOf<T>::value)).c_str(), type_,
                               is_array_));
    std::vector<T> out;
    out.reserve(size());
    for (uint64_t i = 0; i < size(); ++i) out.push_back(get<T>(i));
    return out;
}

const std::string& GgufValue::str(uint64_t i) const {
    if (type_ != GgufValueType::String) throw IoError(mismatch("string", type_, is_array_));
    if (i >= strings_.size()) throw IoError("index " + std::to_string(i) + " out of range (" + std::to_string(strings_.size()) + " elements)");
    return strings_[i];
}

const std::vector<std::string>& GgufValue::strings() const {
    if (type_ != GgufValueType::String) throw IoError(mismatch("string", type_, is_array_));
    return strings_;
}

int64_t GgufValue::as_int() const {
    if (is_array_) throw IoError(mismatch("an integer", type_, is_array_));
    switch (type_) {
        case GgufValueType::U8: return get<uint8_t>();
        case GgufValueType::I8: return get<int8_t>();
        case GgufValueType::U16: return get<uint16_t>();
        case GgufValueType::I16: return get<int16_t>();
        case GgufValueType::U32: return get<uint32_t>();
        case GgufValueType::I32: return get<int32_t>();
        case GgufValueType::I64: return get<int64_t>();
        case GgufValueType::Bool: return get<bool>() ? 1 : 0;
        case GgufValueType::U64: {
            const uint64_t v = get<uint64_t>();
            if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                throw IoError("u64 value " + std::to_string(v) + " does not fit an i64");
            return static_cast<int64_t>(v);
        }
        default: throw IoError(mismatch("an integer", type_, is_array_));
    }
}

uint64_t GgufValue::as_uint() const {
    if (!is_array_ && type_ == GgufValueType::U64) return get<uint64_t>();
    const int64_t v = as_int();
    if (v < 0) throw IoError("expected a non-negative integer, found " + std::to_string(v));
    return static_cast<uint64_t>(v);
}

double GgufValue::as_double() const {
    if (!is_array_ && type_ == GgufValueType::F32) return get<float>();
    if (!is_array_ && type_ == GgufValueType::F64) return get<double>();
    if (!is_array_ && type_ == GgufValueType::U64) return static_cast<double>(get<uint64_t>());
    return static_cast<double>(as_int());
}

std::string GgufValue::describe(size_t max_elements) const {
    auto element = [&](uint64_t i) -> std::string {
        std::ostringstream ss;
        switch (type_) {
            case GgufValueType::String: return quoted(strings_[i]);
            case GgufValueType::Bool: return get<bool>(i) ? "true" : "false";
            case GgufValueType::F32: ss << get<float>(i); return ss.str();
            case GgufValueType::F64: ss << get<double>(i); return ss.str();
            case GgufValueType::U64: return std::to_string(get<uint64_t>(i));
            default: break;
        }
        // The remaining integer types all fit an int64.
        GgufValue one = *this;
        one.is_array_ = false;
        const size_t es = element_size(type_);
        one.bytes_ = bytes_.substr(i * es, es);
        return std::to_string(one.as_int());
    };
    if (!is_array_) return element(0);
    std::string out = std::string("[") + gguf_value_type_name(type_) + " x " + std::to_string(size()) + ":";
    for (uint64_t i = 0; i < size() && i < max_elements; ++i) out += (i ? ", " : " ") + element(i);
    if (size() > max_elements) out += ", ...";
    return out + "]";
}

bool GgufValue::operator==(const GgufValue& o) const {
    return type_ == o.type_ && is_array_ == o.is_array_ && bytes_ == o.bytes_ && strings_ == o.strings_;
}

#define LATHE_GGUF_INSTANTIATE(T)                                         \
    template GgufValue GgufValue::array<T>(const std::vector<T>&);       \
    template T GgufValue::get<T>(uint64_t) const;                         \
    template std::vector<T> GgufValue::get_array<T>() const;
LATHE_GGUF_INSTANTIATE(uint8_t)
LATHE_GGUF_INSTANTIATE(int8_t)
LATHE_GGUF_INSTANTIATE(uint16_t)
LATHE_GGUF_INSTANTIATE(int16_t)
LATHE_GGUF_INSTANTIATE(uint32_t)
LATHE_GGUF_INSTANTIATE(int32_t)
LATHE_GGUF_INSTANTIATE(uint64_t)
LATHE_GGUF_INSTANTIATE(int64_t)
LATHE_GGUF_INSTANTIATE(float)
LATHE_GGUF_INSTANTIATE(double)
LATHE_GGUF_INSTANTIATE(bool)
#undef LATHE_GGUF_INSTANTIATE

}  // namespace lathe
