// GgufFile: maps a GGUF file and checks every count, length and offset against the file's size
// before trusting it, so a truncated or corrupt file is an IoError, never a crash or a huge
// allocation.
#include "core/io/gguf.h"

#include "core/io/gguf_quant.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <tuple>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lathe {

struct GgufFile::Mapping {
    void* addr = nullptr;
    size_t size = 0;
    ~Mapping() {
        if (addr && size) ::munmap(addr, size);
    }
};

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint32_t kMaxDims = 4;         // GGML_MAX_DIMS
constexpr size_t kMaxName = 63;          // GGML_MAX_NAME - 1 (names are stored NUL-terminated)

std::string printable(const char* p, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    return out;
}

// The whole file, mapped read-only: {address, size}; {nullptr, 0} for an empty file.
std::pair<void*, size_t> map_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) throw IoError(path + ": file not found");
        throw IoError(path + ": cannot open (" + std::strerror(errno) + ")");
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        throw IoError(path + ": cannot stat (" + why + ")");
    }
    const size_t size = static_cast<size_t>(st.st_size);
    void* addr = nullptr;
    if (size > 0) {
        addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (addr == MAP_FAILED) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            throw IoError(path + ": cannot map (" + why + ")");
        }
    }
    ::close(fd);
    return {addr, size};
}

// A cursor over the mapped bytes; `what` names the field being read for error messages.
struct Parser {
    const std::string& path;
    const char* data;
    uint64_t size;
    uint64_t pos = 0;

    [[noreturn]] void fail(const std::string& msg) const { throw IoError(path + ": " + msg); }

    void need(uint64_t n, const std::string& what) const {
        if (n > size - pos)
            fail("truncated: " + what + " needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos) +
                 " but the file has " + std::to_string(size) + " bytes");
    }
    template <class T>
    T read(const std::string& what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, data + pos, sizeof(T));
        pos += sizeof(T);
        return v;
    }
    std::string bytes(uint64_t n, const std::string& what) {
        need(n, what);
        std::string s(data + pos, static_cast<size_t>(n));
        pos += n;
        return s;
    }
    std::string string(const std::string& what) {
        const uint64_t n = read<uint64_t>(what + " length");
        if (n > size - pos)
            fail(what + " claims " + std::to_string(n) + " bytes but only " + std::to_string(size - pos) +
                 " remain in the file (corrupt or truncated)");
        return bytes(n, what);
    }
    // A count of items of at least `min_item` bytes each must fit in what remains.
    uint64_t count(const std::string& what, uint64_t min_item) {
        const uint64_t n = read<uint64_t>(what);
        if (min_item > 0 && n > (size - pos) / min_item)
            fail(what + " is " + std::to_string(n) + ", more than the remaining " + std::to_string(size - pos) +
                 " bytes could hold (truncated or corrupt header?)");
        return n;
    }
};

GgufValue read_value(Parser& p, GgufValueType type, bool is_array, const std::string& key) {
    const std::string what = "value of '" + key + "'";
    if (type == GgufValueType::String) {
        if (!is_array) return GgufValue::string(p.string(what));
        const uint64_t n = p.count("element count of '" + key + "'", sizeof(uint64_t));
        std::vector<std::string> items;
        items.reserve(static_cast<size_t>(n));
        for (uint64_t i = 0; i < n; ++i) items.push_back(p.string(what + "[" + std::to_string(i) + "]"));
        return GgufValue::array(std::move(items));
    }
    static const size_t sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    const size_t es = sizes[static_cast<uint32_t>(type)];
    const uint64_t n = is_array ? p.count("element count of '" + key + "'", es) : 1;
    return GgufValue::from_bytes(type, p.bytes(n * es, what), is_array);
}

void check_type(Parser& p, uint32_t raw, const std::string& key, bool in_array) {
    if (raw > static_cast<uint32_t>(GgufValueType::F64))
        p.fail("metadata key '" + key + "' has unknown value type " + std::to_string(raw) + " (expected 0..12)");
    if (in_array && raw == static_cast<uint32_t>(GgufValueType::Array))
        p.fail("metadata key '" + key + "' is an array of arrays, which llama.cpp does not read");
}

GgufKV read_kv(Parser& p, uint64_t i) {
    const std::string key = p.string("key of metadata entry " + std::to_string(i));
    if (key.empty()) p.fail("metadata entry " + std::to_string(i) + " has an empty key");
    uint32_t raw = p.read<uint32_t>("value type of '" + key + "'");
    check_type(p, raw, key, false);
    const bool is_array = raw == static_cast<uint32_t>(GgufValueType::Array);
    if (is_array) {
        raw = p.read<uint32_t>("element type of '" + key + "'");
        check_type(p, raw, key, true);
    }
    return {key, read_value(p, static_cast<GgufValueType>(raw), is_array, key)};
}

uint32_t alignment_of(Parser& p, const GgufValue* a) {
    if (!a) return 32;  // GGUF_DEFAULT_ALIGNMENT
    if (a->is_array() || a->type() != GgufValueType::U32)
        p.fail(std::string("general.alignment must be a u32, found ") + (a->is_array() ? "array of " : "") +
               gguf_value_type_name(a->type()));
    const uint32_t alignment = a->get<uint32_t>();
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        p.fail("general.alignment " + std::to_string(alignment) + " is not a power of 2");
    return alignment;
}

GgufTensorInfo read_tensor_info(Parser& p, uint64_t i) {
    GgufTensorInfo t;
    t.name = p.string("name of tensor " + std::to_string(i));
    const std::string where = "tensor '" + t.name + "'";
    if (t.name.size() > kMaxName)
        p.fail("tensor " + std::to_string(i) + " name '" + t.name.substr(0, 80) + "' is " + std::to_string(t.name.size()) +
               " bytes (llama.cpp allows at most " + std::to_string(kMaxName) + ")");
    const uint32_t n_dims = p.read<uint32_t>("dimension count of '" + t.name + "'");
    if (n_dims > kMaxDims) p.fail(where + " has " + std::to_string(n_dims) + " dimensions (at most 4)");
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
        const int64_t ne = p.read<int64_t>("dimension " + std::to_string(d) + " of '" + t.name + "'");
        if (ne < 0) p.fail(where + " dimension " + std::to_string(d) + " is negative (" + std::to_string(ne) + ")");
        if (ne > 0 && n_elements > INT64_MAX / ne) p.fail(where + " has too many elements");
        n_elements *= ne;
        t.ne.push_back(ne);
    }
    t.type = p.read<uint32_t>("type of '" + t.name + "'");
    const GgmlTypeInfo* info = ggml_type_info(t.type);
    if (!info) p.fail(where + " has unknown ggml type " + std::to_string(t.type));
    const int64_t row = t.ne.empty() ? 1 : t.ne[0];
    if (row % info->block_size != 0)
        p.fail(where + " of type " + info->name + " has rows of " + std::to_string(row) +
               " values, not a multiple of its block size " + std::to_string(info->block_size));
    const uint64_t n_blocks = static_cast<uint64_t>(n_elements / info->block_size);
    if (n_blocks > p.size / info->block_bytes)
        p.fail(where + " needs " + std::to_string(n_blocks) + " blocks of " + std::to_string(info->block_bytes) +
               " bytes, more than the file holds");
    t.n_bytes = n_blocks * info->block_bytes;
    t.offset = p.read<uint64_t>("offset of '" + t.name + "'");
    return t;
}

// Tensors follow in order from `data_offset`, each padded to the alignment: the only layout
// gguf.cpp accepts.
void check_layout(const Parser& p, const std::vector<GgufTensorInfo>& tensors, uint64_t data_offset, uint32_t alignment) {
    uint64_t expected = 0;
    for (const GgufTensorInfo& t : tensors) {
        if (t.offset != expected)
            p.fail("tensor '" + t.name + "' has data offset " + std::to_string(t.offset) + ", expected " +
                   std::to_string(expected) + " (tensors must be stored in order, each padded to " +
                   std::to_string(alignment) + " bytes)");
        if (t.n_bytes > p.size || data_offset + t.offset > p.size - t.n_bytes)
            p.fail("tensor '" + t.name + "' data [" + std::to_string(data_offset + t.offset) + ", " +
                   std::to_string(data_offset + t.offset + t.n_bytes) + ") lies outside the file (" +
                   std::to_string(p.size) + " bytes; truncated?)");
        expected = t.offset + (t.n_bytes + alignment - 1) / alignment * alignment;
    }
}

}  // namespace

GgufFile::GgufFile(const std::string& path) : path_(path), map_(std::make_shared<Mapping>()) {
    try {
        open();
    } catch (Error& e) {
        e.set_file_id(path, "gguf_unreadable");
        throw;
    }
}

void GgufFile::open() {
    const std::string& path = path_;
    std::tie(map_->addr, map_->size) = map_file(path);
    Parser p{path_, static_cast<const char*>(map_->addr), map_->size};
    if (p.size < 4) p.fail("not a GGUF file (" + std::to_string(p.size) + " bytes, too short for the header)");
    const std::string magic(p.data, 4);
    if (p.read<uint32_t>("magic") != kMagic)
        p.fail("not a GGUF file (magic '" + printable(magic.data(), 4) + "', expected 'GGUF')");
    version_ = p.read<uint32_t>("version");
    if (version_ != 2 && version_ != 3) {
        const std::string hint = (version_ & 0xFFFF) == 0 ? " (a big-endian file?)" : "";
        p.fail("GGUF version " + std::to_string(version_) + " is not supported (expected 2 or 3)" + hint);
    }
    // Smallest tensor info: empty name (8) + n_dims (4) + type (4) + offset (8); smallest key/value:
    // empty key (8) + type (4) + a one-byte value.
    const uint64_t n_tensors = p.count("tensor count", 24);
    const uint64_t n_kv = p.count("metadata count", 13);

    std::set<std::string> seen;
    for (uint64_t i = 0; i < n_kv; ++i) {
        kvs_.push_back(read_kv(p, i));
        if (!seen.insert(kvs_.back().key).second) p.fail("metadata key '" + kvs_.back().key + "' appears twice");
    }
    alignment_ = alignment_of(p, find("general.alignment"));
    seen.clear();
    for (uint64_t i = 0; i < n_tensors; ++i) {
        tensors_.push_back(read_tensor_info(p, i));
        if (!seen.insert(tensors_.back().name).second) p.fail("tensor '" + tensors_.back().name + "' appears twice");
    }
    data_offset_ = n_tensors > 0 ? (p.pos + alignment_ - 1) / alignment_ * alignment_ : p.pos;
    check_layout(p, tensors_, data_offset_, alignment_);
}

GgufFile::~GgufFile() = default;

uint64_t GgufFile::file_size() const { return map_->size; }

const GgufValue* GgufFile::find(const std::string& key) const {
    for (const GgufKV& kv : kvs_)
        if (kv.key == key) return &kv.value;
    return nullptr;
}

const GgufValue& GgufFile::get(const std::string& key) const {
    const GgufValue* v = find(key);
    if (!v) throw IoError(path_ + ": metadata key '" + key + "' not found");
    return *v;
}

namespace {

template <class F>
auto typed(const std::string& path, const std::string& key, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const IoError& e) {
        throw IoError(path + ": metadata key '" + key + "': " + e.what());
    }
}

}  // namespace

std::string GgufFile::get_string(const std::string& key) const {
    const GgufValue& v = get(key);
    return typed(path_, key, [&] {
        if (v.is_array()) throw IoError("expected string, found array");
        return v.str();
    });
}

uint64_t GgufFile::get_uint(const std::string& key) const {
    const GgufValue& v = get(key);
    return typed(path_, key, [&] { return v.as_uint(); });
}

double GgufFile::get_float(const std::string& key) const {
    const GgufValue& v = get(key);
    return typed(path_, key, [&] { return v.as_double(); });
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
    for (const GgufTensorInfo& t : tensors_)
        if (t.name == name) return &t;
    return nullptr;
}

const GgufTensorInfo& GgufFile::tensor_info(const std::string& name) const {
    const GgufTensorInfo* t = find_tensor(name);
    if (!t) throw IoError(path_ + ": tensor '" + name + "' not found");
    return *t;
}

std::string_view GgufFile::tensor_bytes(const std::string& name) const {
    const GgufTensorInfo& t = tensor_info(name);
    return {static_cast<const char*>(map_->addr) + data_offset_ + t.offset, static_cast<size_t>(t.n_bytes)};
}

at::Tensor GgufFile::tensor_f32(const std::string& name) const {
    const GgufTensorInfo& t = tensor_info(name);
    const auto type = static_cast<GgmlType>(t.type);
    if (!ggml_type_supported(type))
        throw IoError(path_ + ": tensor '" + name + "' is " + t.type_name() + ", which Lathe cannot decode");
    at::Tensor out = torch::empty(t.shape(), torch::kFloat32);
    const std::string_view bytes = tensor_bytes(name);
    dequantize(type, reinterpret_cast<const uint8_t*>(bytes.data()), t.n_elements(), out.data_ptr<float>());
    return out;
}

std::vector<int64_t> GgufTensorInfo::shape() const { return {ne.rbegin(), ne.rend()}; }

int64_t GgufTensorInfo::n_elements() const {
    int64_t n = 1;
    for (int64_t d : ne) n *= d;
    return n;
}

const char* GgufTensorInfo::type_name() const {
    const GgmlTypeInfo* info = ggml_type_info(type);
    return info ? info->name : "unknown";
}

}  // namespace lathe
