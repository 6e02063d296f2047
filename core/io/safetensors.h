// safetensors files (https://github.com/huggingface/safetensors): read with mmap and validated
// against the file's size; written atomically. Plus Hugging Face's sharded layout
// (model-0000X-of-0000N.safetensors + model.safetensors.index.json).
#pragma once
#include <cstdint>
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

struct TensorEntry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  // byte offsets into the data section
    uint64_t end = 0;
};

std::string shape_string(const std::vector<int64_t>& shape);  // "[4096, 1024]"

// One .safetensors file, memory-mapped. Throws IoError naming the file and the problem.
class SafetensorsFile {
public:
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<TensorEntry>& entries() const { return entries_; }
    const TensorEntry* find(const std::string& name) const;  // nullptr when absent
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // A CPU tensor over the mapped bytes (zero-copy; keeps the mapping alive). Read-only by contract:
    // clone() before writing to it.
    at::Tensor tensor(const std::string& name) const;

private:
    struct Mapping;
    std::string path_;
    std::shared_ptr<Mapping> map_;
    std::vector<TensorEntry> entries_;
    std::map<std::string, std::string> metadata_;
    uint64_t data_offset_ = 0;
};

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Writes one file atomically. Tensors must be contiguous-able CPU or device tensors of a supported
// dtype; they are written in the given order.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The tensors of a model folder: `model.safetensors`, or the shards listed in
// `model.safetensors.index.json`. Throws IoError for a missing file, a shard the index names that is
// absent, or a tensor the index places in a shard that lacks it.
class TensorStore {
public:
    explicit TensorStore(const std::string& dir, const std::string& basename = "model");
    std::vector<std::string> names() const;  // sorted
    bool has(const std::string& name) const;
    const TensorEntry& entry(const std::string& name) const;  // throws when absent
    at::Tensor tensor(const std::string& name) const;
    const std::string& file_of(const std::string& name) const;
    uint64_t total_bytes() const;

private:
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::map<std::string, size_t> where_;
};

// Writes `tensors` into `dir` as `<basename>.safetensors` when they fit in `max_shard_bytes`
// (0 = no limit), else as `<basename>-0000X-of-0000N.safetensors` plus
// `<basename>.safetensors.index.json`. Each file is written atomically.
// Returns the file names written.
std::vector<std::string> write_sharded(const std::string& dir, const NamedTensors& tensors,
                                       uint64_t max_shard_bytes,
                                       const std::map<std::string, std::string>& metadata = {},
                                       const std::string& basename = "model");

// "2GB", "500MB", "1.5GB", a plain byte count -> bytes. Throws ConfigError on anything else.
uint64_t parse_size(const std::string& text);

}  // namespace lathe
