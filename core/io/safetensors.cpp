// Reading safetensors files: the dtype table, header validation, and zero-copy tensors over an
// mmap of the file. Writing lives in safetensors_write.cpp, model folders in safetensors_store.cpp.
#include "core/io/safetensors.h"

#include "core/io/json_file.h"

#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; tensors are mapped as-is, so the host must be too"
#endif

namespace lathe {

namespace {

using json = nlohmann::json;

struct DTypeInfo {
    DType dtype;
    const char* name;
    size_t size;
    at::ScalarType torch;
};

// Index = static_cast<int>(DType).
const DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8, at::ScalarType::Double}, {DType::F32, "F32", 4, at::ScalarType::Float},
    {DType::F16, "F16", 2, at::ScalarType::Half},   {DType::BF16, "BF16", 2, at::ScalarType::BFloat16},
    {DType::I64, "I64", 8, at::ScalarType::Long},   {DType::I32, "I32", 4, at::ScalarType::Int},
    {DType::I16, "I16", 2, at::ScalarType::Short},  {DType::I8, "I8", 1, at::ScalarType::Char},
    {DType::U8, "U8", 1, at::ScalarType::Byte},     {DType::Bool, "BOOL", 1, at::ScalarType::Bool},
};

const DTypeInfo& info(DType d) { return kDTypes[static_cast<int>(d)]; }

std::string known_dtypes() {
    std::string s;
    for (const auto& d : kDTypes) s += std::string(s.empty() ? "" : ", ") + d.name;
    return s;
}


// Multiplies without wrapping; false on overflow.
bool mul_u64(uint64_t a, uint64_t b, uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return false;
    out = a * b;
    return true;
}

}  // namespace

const char* dtype_name(DType d) { return info(d).name; }
size_t dtype_size(DType d) { return info(d).size; }

DType dtype_of(const at::Tensor& t, const std::string& what) {
    for (const auto& d : kDTypes)
        if (d.torch == t.scalar_type()) return d.dtype;
    throw IoError(plain_problem("safetensors_dtype_unwritable",
                                {in_quotes(what), std::string(c10::toString(t.scalar_type())), known_dtypes()}));
}

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// ---- the mapping --------------------------------------------------------------------------------

struct SafetensorsFile::Mapping {
    void* base = MAP_FAILED;
    size_t size = 0;
    ~Mapping() {
        if (base != MAP_FAILED) ::munmap(base, size);
    }
    const uint8_t* bytes() const { return static_cast<const uint8_t*>(base); }
};

namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// Private: the file's pages are shared with the page cache and loaded on first touch, so opening costs
// O(header) whatever the file's size. Writable copy-on-write: a tensor used in place (inference loading)
// that someone writes to gets a private copy of the page; the file never changes.
void map_file(const std::string& path, void*& base, size_t& size) {
    Fd f;
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) {
        if (errno == ENOENT) throw IoError(file_problem(path, 0, 0, "file_not_found"));
        throw IoError(file_problem(path, 0, 0, "cannot_open", {std::strerror(errno)}));
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) throw IoError(file_problem(path, 0, 0, "cannot_stat", {std::strerror(errno)}));
    if (!S_ISREG(st.st_mode)) throw IoError(file_problem(path, 0, 0, "not_a_regular_file"));
    size = static_cast<size_t>(st.st_size);
    if (size < 8) throw IoError(file_problem(path, 0, 0, "safetensors_too_short", {std::to_string(size)}));
    base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.fd, 0);
    if (base == MAP_FAILED) throw IoError(file_problem(path, 0, 0, "cannot_mmap", {std::strerror(errno)}));
}

// Parses the header text; nlohmann keeps the last of duplicate keys silently, so a callback
// records the first repeated top-level key.
json parse_header(const std::string& path, const char* text, uint64_t n) {
    std::set<std::string> seen;
    std::string duplicate;
    auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::key && depth == 1 && duplicate.empty()) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (!seen.insert(key).second) duplicate = key;
        }
        return true;
    };
    json header;
    try {
        header = json::parse(text, text + n, on_event);
    } catch (const json::parse_error& e) {
        // nlohmann's byte is 1-based and points just past the offending character.
        const size_t at = e.byte > 0 ? e.byte - 1 : 0;
        // Keep the reason only: "[json.exception...] parse error at line 1, column 21: <reason>".
        std::string reason = e.what();
        const auto colon = reason.find(": ", reason.find("parse error"));
        if (colon != std::string::npos) reason = reason.substr(colon + 2);
        throw IoError(file_problem(path, 0, 0, "safetensors_header_json_at",
                                   {std::to_string(at), std::to_string(8 + at), reason}));
    } catch (const json::exception& e) {  // e.g. a number too large for a double (out_of_range 406)
        throw IoError(file_problem(path, 0, 0, "safetensors_header_json", {json_error_reason(e)}));
    }
    if (!duplicate.empty()) throw IoError(file_problem(path, 0, 0, "safetensors_tensor_twice", {in_quotes(duplicate)}));
    if (!header.is_object())
        throw IoError(file_problem(path, 0, 0, "safetensors_header_not_object", {header.type_name()}));
    return header;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const json& m) {
    if (!m.is_object())
        throw IoError(file_problem(path, 0, 0, "safetensors_metadata_not_object", {m.type_name()}));
    std::map<std::string, std::string> out;
    for (const auto& [key, value] : m.items()) {
        if (!value.is_string())
            throw IoError(file_problem(path, 0, 0, "safetensors_metadata_value", {in_quotes(key), value.type_name()}));
        out[key] = value.get<std::string>();
    }
    return out;
}

// A problem with the header entry of tensor `name`: message "path: tensor 'name': <wording>".
struct EntryPlace {
    const std::string& path;
    const std::string& name;
    [[noreturn]] void fail(const std::string& id, std::vector<std::string> args = {}) const {
        args.insert(args.begin(), in_quotes(name));
        throw IoError(file_problem(path, 0, 0, id, std::move(args)));
    }
};

DType parse_dtype(const EntryPlace& at, const json& v) {
    if (!v.is_string()) at.fail("safetensors_dtype_type", {v.type_name()});
    const auto name = v.get<std::string>();
    for (const auto& d : kDTypes)
        if (name == d.name) return d.dtype;
    at.fail("safetensors_dtype_unsupported", {in_quotes(name), known_dtypes()});
}

std::vector<int64_t> parse_shape(const EntryPlace& at, const json& v) {
    if (!v.is_array()) at.fail("safetensors_shape_type", {v.type_name()});
    std::vector<int64_t> shape;
    for (const auto& d : v) {
        if (d.is_number_integer() && !d.is_number_unsigned() && d.get<int64_t>() < 0)
            at.fail("safetensors_shape_negative", {v.dump()});
        if (!d.is_number_unsigned()) at.fail("safetensors_shape_entry", {v.dump(), d.dump()});
        if (d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            at.fail("safetensors_shape_too_large", {v.dump()});
        shape.push_back(d.get<int64_t>());
    }
    return shape;
}

void parse_offsets(const EntryPlace& at, const json& v, TensorEntry& e) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() || !v[1].is_number_unsigned())
        at.fail("safetensors_offsets_type", {v.dump()});
    e.begin = v[0].get<uint64_t>();
    e.end = v[1].get<uint64_t>();
    if (e.end < e.begin) at.fail("safetensors_offsets_reversed", {std::to_string(e.begin), std::to_string(e.end)});
}

TensorEntry parse_entry(const std::string& path, const std::string& name, const json& v) {
    const EntryPlace at{path, name};
    if (!v.is_object()) at.fail("safetensors_entry_not_object", {v.type_name()});
    for (const char* field : {"dtype", "shape", "data_offsets"})
        if (!v.contains(field)) at.fail("safetensors_entry_missing", {field});
    TensorEntry e;
    e.name = name;
    e.dtype = parse_dtype(at, v["dtype"]);
    e.shape = parse_shape(at, v["shape"]);
    parse_offsets(at, v["data_offsets"], e);

    uint64_t bytes = dtype_size(e.dtype);
    bool fits = true;
    for (int64_t d : e.shape) fits = fits && mul_u64(bytes, static_cast<uint64_t>(d), bytes);
    const std::string expected = fits ? std::to_string(bytes) : std::string("more than 2^64");
    if (!fits || bytes != e.end - e.begin)
        at.fail("safetensors_entry_size", {expected, shape_string(e.shape), dtype_name(e.dtype),
                                           std::to_string(e.end - e.begin), std::to_string(e.begin), std::to_string(e.end)});
    return e;
}

// `entries` sorted by offset. Checks each range against the data section and its neighbours.
void check_layout(const std::string& path, const std::vector<TensorEntry>& entries, uint64_t data_size,
                  uint64_t file_size) {
    uint64_t needed = 0;
    for (const auto& e : entries) needed = std::max(needed, e.end);
    const TensorEntry* reach = nullptr;  // the non-empty tensor reaching furthest so far
    for (const auto& e : entries) {
        const std::string range = "[" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
        if (e.begin > data_size)
            throw IoError(file_problem(path, 0, 0, "safetensors_offsets_outside", {in_quotes(e.name), range, std::to_string(data_size)}));
        if (e.end > data_size)
            throw IoError(file_problem(path, 0, 0, "safetensors_truncated",
                                       {in_quotes(e.name), range, std::to_string(data_size), std::to_string(file_size),
                                        std::to_string(file_size - data_size + needed)}));
        if (e.begin == e.end) continue;  // an empty range overlaps nothing
        if (reach && e.begin < reach->end)
            throw IoError(file_problem(path, 0, 0, "safetensors_overlap",
                                       {in_quotes(reach->name),
                                        "[" + std::to_string(reach->begin) + ", " + std::to_string(reach->end) + "]",
                                        in_quotes(e.name), range}));
        if (!reach || e.end > reach->end) reach = &e;
    }
}

}  // namespace

// ---- SafetensorsFile ----------------------------------------------------------------------------

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path), map_(std::make_shared<Mapping>()) {
    try {
        open();
    } catch (Error& e) {
        e.set_file_id(path, "safetensors_unreadable");
        throw;
    }
}

void SafetensorsFile::open() {
    const std::string& path = path_;
    map_file(path, map_->base, map_->size);
    const uint64_t file_size = map_->size;
    uint64_t n = 0;
    std::memcpy(&n, map_->bytes(), 8);
    if (n > file_size - 8)
        throw IoError(file_problem(path, 0, 0, "safetensors_header_too_long",
                                   {std::to_string(n), std::to_string(file_size), std::to_string(file_size - 8)}));
    data_offset_ = 8 + n;

    const json header = parse_header(path, reinterpret_cast<const char*>(map_->bytes()) + 8, n);
    for (const auto& [name, value] : header.items()) {
        if (name == "__metadata__") {
            metadata_ = parse_metadata(path, value);
            continue;
        }
        entries_.push_back(parse_entry(path, name, value));
    }
    // Data order, not header order: that is what a rewrite must reproduce (see write_safetensors).
    std::stable_sort(entries_.begin(), entries_.end(), [](const TensorEntry& a, const TensorEntry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    check_layout(path, entries_, file_size - data_offset_, file_size);
    for (size_t i = 0; i < entries_.size(); ++i) index_[entries_[i].name] = i;
}

SafetensorsFile::~SafetensorsFile() = default;

const TensorEntry* SafetensorsFile::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
}

at::Tensor SafetensorsFile::tensor(const std::string& name) const {
    const TensorEntry* e = find(name);
    if (!e) throw IoError(path_ + ": no tensor " + in_quotes(name));
    const auto options = torch::TensorOptions().dtype(info(e->dtype).torch).device(torch::kCPU);
    if (e->begin == e->end) return torch::empty(e->shape, options);

    auto* bytes = const_cast<uint8_t*>(map_->bytes()) + data_offset_ + e->begin;
    if (reinterpret_cast<uintptr_t>(bytes) % dtype_size(e->dtype) != 0) {
        // Misaligned elements are undefined behaviour for typed loads: pay one copy instead.
        at::Tensor t = torch::empty(e->shape, options);
        std::memcpy(t.data_ptr(), bytes, e->end - e->begin);
        return t;
    }
    std::shared_ptr<Mapping> keep = map_;
    return torch::from_blob(bytes, e->shape, [keep](void*) {}, options);
}

void SafetensorsFile::release(const std::string& name) const {
    const TensorEntry* e = find(name);
    if (!e) throw IoError(path_ + ": no tensor " + in_quotes(name));
    if (e->begin == e->end) return;
    // Whole pages around the tensor: a page shared with a neighbour faults back in from the page cache
    // when the neighbour is read, so rounding outwards loses nothing (the mapping is never written).
    const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto base = reinterpret_cast<uintptr_t>(map_->base);
    const uintptr_t lo = (base + data_offset_ + e->begin) / page * page;
    const uintptr_t hi = std::min<uintptr_t>((base + data_offset_ + e->end + page - 1) / page * page,
                                             (base + map_->size + page - 1) / page * page);
    // Advice only: a failure leaves the pages mapped, which costs memory but not correctness.
    (void)::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

}  // namespace lathe
