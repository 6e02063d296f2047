// safetensors files (https://github.com/huggingface/safetensors): read with mmap and validated
// against the file's size; written atomically. Plus Hugging Face's sharded layout
// (model-0000X-of-0000N.safetensors + model.safetensors.index.json).
//
// Layout: u64 little-endian header length N, N bytes of JSON
//   {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [a, b], "data_offsets": [begin, end]}}
// then the data section; offsets are relative to its start (byte 8 + N).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace at {
class Tensor;
}

namespace lathe {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

const char* dtype_name(DType d);      // "F32", "BF16", ... as in the safetensors header
size_t dtype_size(DType d);

// The DType of `t`; throws IoError naming `what` (a tensor name) for a dtype not listed above.
DType dtype_of(const at::Tensor& t, const std::string& what);

struct TensorEntry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offsets into the data section
    uint64_t end = 0;
};

std::string shape_string(const std::vector<int64_t>& shape);  // "[4096, 1024]"

// One .safetensors file, memory-mapped. Opening reads the header only (O(header), whatever the
// file's size) and validates every entry against the file: dtype, shape, offsets inside the data
// section, byte count == numel * dtype size, no overlaps, no duplicate names. Holes between tensors
// and trailing bytes are tolerated. Throws IoError naming the file, the tensor and the problem.
class SafetensorsFile {
public:
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<TensorEntry>& entries() const { return entries_; }  // by data offset
    const TensorEntry* find(const std::string& name) const;  // nullptr when absent
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // A CPU tensor over the mapped bytes (zero-copy; keeps the mapping alive, even past this object).
    // The mapping is read-only: writing to the tensor in place faults, so clone() before writing.
    // Exception: a tensor whose bytes are not aligned to its element size (files from writers that do
    // not pad) is copied into aligned memory instead. Throws IoError when `name` is absent.
    at::Tensor tensor(const std::string& name) const;

    // Drops this process's pages of tensor `name` from the mapping (madvise MADV_DONTNEED). The bytes stay
    // in the page cache and fault back in if read again, so tensors already handed out stay valid; they
    // just stop counting in the process's RSS. For loaders that copy tensor by tensor: without it every
    // page read stays mapped until the file is closed, a second copy of the whole checkpoint.
    // Throws IoError when `name` is absent.
    void release(const std::string& name) const;

    uint64_t data_offset() const { return data_offset_; }  // 8 + header length

private:
    void open();  // maps the file, reads and checks the header

    struct Mapping;
    std::string path_;
    std::shared_ptr<Mapping> map_;
    std::vector<TensorEntry> entries_;
    std::map<std::string, size_t> index_;  // name -> entries_ position
    std::map<std::string, std::string> metadata_;
    uint64_t data_offset_ = 0;
};

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Writes one file atomically, streaming each tensor to a temp file (one CPU copy of one tensor at a
// time, none for contiguous CPU tensors) that is renamed into place. Tensors may live on any device
// and be non-contiguous. Data order: by element size (8, 4, 2, 1 bytes), then the given order, so
// every tensor lies aligned, as Hugging Face's writer does; the header pads with spaces to a multiple
// of 8. The output is a function of (names, dtypes, shapes, bytes, metadata) in that order, so
// rewriting what SafetensorsFile::entries() read back gives identical bytes.
// Throws IoError for duplicate or empty names, undefined tensors or unsupported dtypes, before
// anything is written.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// A tensor made when the writer reaches it: its name, dtype and shape are known up front (they make the
// header), its values are produced by `make`, called once, in data order (see above). A file larger than
// memory, such as a random-weight model of a real size, is written holding one tensor at a time.
struct TensorSource {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::function<at::Tensor()> make;  // must return `dtype` and `shape` (any device, any layout)
};

// write_safetensors with tensors made on demand: the same bytes as writing the made tensors. Throws
// IoError as write_safetensors does, and when `make` returns another dtype or shape than declared (the
// temp file is removed; nothing is renamed into place).
void write_safetensors_streamed(const std::string& path, const std::vector<TensorSource>& sources,
                                const std::map<std::string, std::string>& metadata = {});

// The tensors of a model folder: `model.safetensors`, or the shards listed in
// `model.safetensors.index.json` (the single file wins when both exist, as in transformers). Throws
// IoError for a missing file, a shard the index names that is absent, a tensor the index places in a
// shard that lacks it, or a tensor present in two shards. Tensors a listed shard holds but the index
// does not mention are still served.
class TensorStore {
public:
    explicit TensorStore(const std::string& dir, const std::string& basename = "model");
    std::vector<std::string> names() const;  // sorted
    bool has(const std::string& name) const;
    const TensorEntry& entry(const std::string& name) const;  // throws when absent
    at::Tensor tensor(const std::string& name) const;
    void release(const std::string& name) const;  // SafetensorsFile::release on the file holding it
    const std::string& file_of(const std::string& name) const;  // path of the file holding it
    uint64_t total_bytes() const;  // sum of tensor bytes

private:
    const SafetensorsFile& file_for(const std::string& name) const;  // throws when absent
    void open_index(const std::string& index_path);
    size_t open_shard(const std::string& index_path, const std::string& shard);

    std::string dir_;
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::map<std::string, size_t> where_;
};

// Writes `tensors` into `dir` (created if missing) as `<basename>.safetensors` when they fit in
// `max_shard_bytes` (0 = no limit), else as `<basename>-0000X-of-0000N.safetensors` plus
// `<basename>.safetensors.index.json` ({"metadata": {"total_size"}, "weight_map"}). Shards are filled
// in the given order, each holding at most max_shard_bytes of tensor data, except that a tensor larger
// than the limit gets a shard of its own. `metadata` goes into every shard.
// Each file is written atomically, the set is not: new files first, then the index, then files of an
// earlier export that the new set does not contain are deleted: `<basename>.safetensors`, the index,
// and `<basename>-NNNNN-of-NNNNN.safetensors`; nothing else in `dir` is touched. A reader
// (TensorStore) sees the old or the new export at each step, except while shards of the same
// names are being overwritten; stage a whole folder (replace_dir_atomic) when that matters.
// Returns the names (within `dir`) of the files written, index last.
std::vector<std::string> write_sharded(const std::string& dir, const NamedTensors& tensors,
                                       uint64_t max_shard_bytes,
                                       const std::map<std::string, std::string>& metadata = {},
                                       const std::string& basename = "model");

// "2GB", "500MB", "1.5GB", "10KB", "123" (bytes) -> bytes. Units as Hugging Face's
// convert_file_size_to_int: KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of 1024; case
// does not matter (unlike HF, a lower-case "b" never means bits); "B" is allowed; a fraction of a
// byte is dropped. Throws ConfigError quoting the text on anything else or on overflow.
uint64_t parse_size(const std::string& text);

}  // namespace lathe
