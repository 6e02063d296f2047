// GGUF files (llama.cpp's model format, version 3, little-endian): a header, typed metadata
// key/values, tensor infos, then the tensors' bytes, each at an offset that is a multiple of
// `general.alignment` (32 unless the file says otherwise).
//
// Layout, as llama.cpp's ggml/src/gguf.cpp reads it:
//   u32 magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
//   n_kv x   { string key | u32 value_type | value }          string = u64 length + bytes (no NUL)
//            array value  = u32 element_type | u64 count | elements
//   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
//   padding to the alignment | tensor data (offsets relative to here, each tensor padded)
//
// Dimensions are in ggml order: ne[0] is the innermost (contiguous) one, the reverse of PyTorch's
// shape. A PyTorch Linear weight [n_out, n_in] is written as ne = {n_in, n_out}; a row of ne[0]
// values is what a block quantizer encodes. The API below takes and returns PyTorch-order shapes
// except where a name says `ne`.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace at {
class Tensor;
}

namespace lathe {

// ---- tensor types ---------------------------------------------------------------------------------

// ggml's tensor type ids (ggml.h, enum ggml_type). Only the ones Lathe encodes are named; the reader
// knows the block size of every id llama.cpp defines (see ggml_type_info) and so can walk any file.
enum class GgmlType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q5_0 = 6,
    Q8_0 = 8,
    Q4_K = 12,
    Q6_K = 14,
    BF16 = 30,
};

struct GgmlTypeInfo {
    const char* name;      // "q4_K", as ggml_type_name
    int64_t block_size;    // values per block (1 for plain types)
    size_t block_bytes;    // bytes per block
};

// Traits of a raw ggml type id; nullptr for ids llama.cpp does not define (or has removed).
const GgmlTypeInfo* ggml_type_info(uint32_t type);
const char* ggml_type_name(GgmlType type);
// Bytes of `n_values` values; throws IoError when n_values is not a multiple of the block size.
uint64_t ggml_bytes(GgmlType type, int64_t n_values);
// Whether Lathe can encode (quantize) and decode this type.
bool ggml_type_supported(GgmlType type);
// "F32", "q4_k", "Q8_0" ... (case-insensitive) -> type. Throws ConfigError listing the choices.
GgmlType parse_ggml_type(const std::string& name);

// ---- metadata values ------------------------------------------------------------------------------

enum class GgufValueType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
    String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};
const char* gguf_value_type_name(GgufValueType t);  // "u32", "string", ... as gguf.cpp names them

// One metadata value: a scalar or an array (of scalars or strings; GGUF allows nested arrays but
// llama.cpp rejects them, and so do we). Numbers are kept as their little-endian bytes.
class GgufValue {
public:
    GgufValue() = default;

    static GgufValue u8(uint8_t v);
    static GgufValue i8(int8_t v);
    static GgufValue u16(uint16_t v);
    static GgufValue i16(int16_t v);
    static GgufValue u32(uint32_t v);
    static GgufValue i32(int32_t v);
    static GgufValue u64(uint64_t v);
    static GgufValue i64(int64_t v);
    static GgufValue f32(float v);
    static GgufValue f64(double v);
    static GgufValue boolean(bool v);
    static GgufValue string(std::string v);
    // Arrays: the C++ element type picks the GGUF one (uint8_t -> u8, ..., bool -> bool).
    template <class T>
    static GgufValue array(const std::vector<T>& values);
    static GgufValue array(std::vector<std::string> values);
    // A numeric or bool scalar/array from its little-endian element bytes (as the reader finds
    // them); throws IoError when the byte count is not a whole number of elements.
    static GgufValue from_bytes(GgufValueType elem, std::string bytes, bool is_array);

    // The scalar's type, or the element type of an array.
    GgufValueType type() const { return type_; }
    bool is_array() const { return is_array_; }
    uint64_t size() const;  // element count; 1 for a scalar

    // Exact-type access; throws IoError naming both types on a mismatch (callers add the key).
    template <class T>
    T get(uint64_t i = 0) const;
    template <class T>
    std::vector<T> get_array() const;
    const std::string& str(uint64_t i = 0) const;
    const std::vector<std::string>& strings() const;

    // Any integer type (or bool) widened; throws IoError for other types or out-of-range values.
    uint64_t as_uint() const;
    int64_t as_int() const;
    double as_double() const;  // any number

    // "32", "\"llama\"", "[u32 x 3: 1, 2, 3]", "[string x 32000: \"<unk>\", ...]"
    std::string describe(size_t max_elements = 8) const;

    bool operator==(const GgufValue& o) const;
    bool operator!=(const GgufValue& o) const { return !(*this == o); }

private:
    GgufValueType type_ = GgufValueType::U8;
    bool is_array_ = false;
    std::string bytes_;                 // numeric elements, little-endian
    std::vector<std::string> strings_;  // string elements
    friend class GgufWriter;
};

struct GgufKV {
    std::string key;
    GgufValue value;
};

// ---- reading --------------------------------------------------------------------------------------

struct GgufTensorInfo {
    std::string name;
    std::vector<int64_t> ne;   // ggml order (ne[0] innermost)
    uint32_t type = 0;         // raw ggml type id (may be one Lathe cannot decode)
    uint64_t offset = 0;       // from the start of the data section
    uint64_t n_bytes = 0;

    std::vector<int64_t> shape() const;  // PyTorch order
    int64_t n_elements() const;
    const char* type_name() const;       // "q4_K"; "unknown" for ids llama.cpp lacks
};

// A GGUF file, memory-mapped and validated when opened: magic, version (2 or 3), counts that fit
// in the file, known value types, unique keys and tensor names, dimensions, tensor types, and
// tensor offsets that are aligned, in order, non-overlapping and inside the file. Every problem
// is an IoError naming the file, the key or tensor, and what was expected vs found.
class GgufFile {
public:
    explicit GgufFile(const std::string& path);
    ~GgufFile();
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;

    const std::string& path() const { return path_; }
    uint32_t version() const { return version_; }
    uint32_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }  // absolute, in bytes
    uint64_t file_size() const;

    const std::vector<GgufKV>& metadata() const { return kvs_; }
    const GgufValue* find(const std::string& key) const;  // nullptr when absent
    const GgufValue& get(const std::string& key) const;   // throws IoError when absent
    // Typed shorthands; throw IoError naming the key on absence or wrong type.
    std::string get_string(const std::string& key) const;
    uint64_t get_uint(const std::string& key) const;
    double get_float(const std::string& key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    const GgufTensorInfo* find_tensor(const std::string& name) const;
    const GgufTensorInfo& tensor_info(const std::string& name) const;  // throws IoError
    // The tensor's encoded bytes, a view into the mapping (valid while this object lives).
    std::string_view tensor_bytes(const std::string& name) const;
    // Decoded to float32, PyTorch-order shape, a fresh CPU tensor. Throws IoError for types Lathe
    // cannot decode.
    at::Tensor tensor_f32(const std::string& name) const;

private:
    void open();  // maps the file, reads and checks the header

    struct Mapping;
    std::string path_;
    std::shared_ptr<Mapping> map_;
    uint32_t version_ = 0;
    uint32_t alignment_ = 32;
    uint64_t data_offset_ = 0;
    std::vector<GgufKV> kvs_;
    std::vector<GgufTensorInfo> tensors_;
};

// ---- writing --------------------------------------------------------------------------------------

// Streams a GGUF v3 file to `<path>.tmp-<pid>` and renames it into place on finish(), so memory
// holds at most one tensor (or one caller-sized chunk of rows) at a time, never the model.
//
//   GgufWriter w(path);
//   w.set("general.architecture", GgufValue::string("llama"));  ... all metadata
//   w.add_tensor("token_embd.weight", {vocab, dim}, GgmlType::Q4_K);  ... all tensor infos
//   w.write_tensor("token_embd.weight", emb);                         ... data, in the same order
//   w.finish();
//
// The header is written on the first data call (sizes follow from shapes and types), so metadata
// and tensor declarations must come first. Destroying an unfinished writer removes the temp file.
class GgufWriter {
public:
    explicit GgufWriter(std::string path, uint32_t alignment = 32);
    ~GgufWriter();
    GgufWriter(const GgufWriter&) = delete;
    GgufWriter& operator=(const GgufWriter&) = delete;

    // Adds or replaces a key (the order of first insertion is kept). `general.alignment` is
    // written by the writer itself when the alignment is not the default.
    void set(const std::string& key, GgufValue value);
    // Declares a tensor; `shape` in PyTorch order (1 to 4 dims). Its last dimension must be a
    // multiple of the type's block size.
    void add_tensor(const std::string& name, const std::vector<int64_t>& shape, GgmlType type);

    // Data for the next declared tensor, in declaration order. A float tensor (any dtype, any
    // device) is converted to float32 on the CPU and encoded to the declared type.
    void write_tensor(const std::string& name, const at::Tensor& values);
    // Streaming: `n` float32 values (whole blocks; rows of a matrix are a multiple) appended to the
    // named tensor, encoded to its type. Call repeatedly until the tensor is complete.
    void append_f32(const std::string& name, const float* values, int64_t n);
    // Already-encoded bytes of the named tensor (for example copied from another GGUF).
    void append_bytes(const std::string& name, const void* bytes, size_t n);

    // Checks every tensor was written completely, flushes, fsyncs and renames into place.
    void finish();

    uint64_t bytes_written() const { return written_; }

private:
    struct Pending {
        std::string name;
        std::vector<int64_t> ne;
        GgmlType type;
        uint64_t offset;
        uint64_t n_bytes;
        uint64_t done = 0;
    };
    Pending& next_tensor(const std::string& name, const char* what);
    void write_header();
    void write_raw(const void* data, size_t n);  // buffered
    void write_fd(const char* data, size_t n);   // straight to the file
    void flush();
    void pad_to(uint64_t alignment);
    void fail(const std::string& why);
    // A failed write(2), fsync, close or rename: as fail(), with core/util/fs.h's write_error.
    [[noreturn]] void fail_write(const std::string& id, int err);

    std::string path_;
    std::string tmp_;
    uint32_t alignment_;
    int fd_ = -1;
    bool header_done_ = false;
    bool finished_ = false;
    uint64_t written_ = 0;
    uint64_t data_size_ = 0;
    std::vector<GgufKV> kvs_;
    std::vector<Pending> tensors_;
    size_t current_ = 0;
    std::string buffer_;  // small writes are gathered before write(2)
};

// ---- llama-family helpers -------------------------------------------------------------------------

// Hugging Face Llama checkpoints store q_proj/k_proj rows per head as [first halves of the rotary
// pairs | second halves] ("rotate_half" RoPE); llama.cpp's llama graph rotates adjacent pairs
// (2i, 2i+1). convert_hf_to_gguf.py (LlamaModel.permute) therefore reorders the rows of
// attn_q (with n_head) and attn_k (with n_head_kv) before writing:
//   w.reshape(n_head, 2, head_dim/2, in).swapaxes(1, 2).reshape(n_head*head_dim, in)
// so GGUF row h*hd + 2i is HF row h*hd + i and row h*hd + 2i + 1 is HF row h*hd + hd/2 + i.
// Works on [rows, cols] weights and [rows] biases; returns a new contiguous tensor.
at::Tensor llama_permute_qk_for_gguf(const at::Tensor& w, int64_t n_head);
// The inverse (GGUF -> Hugging Face), for importing GGUF weights.
at::Tensor llama_unpermute_qk_from_gguf(const at::Tensor& w, int64_t n_head);

}  // namespace lathe
