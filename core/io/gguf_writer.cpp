// GgufWriter: the header is fully determined by the metadata and the declared shapes and types,
// so it is written once, before the first tensor byte; tensor data then streams through a small
// buffer into `<path>.tmp-<pid>`, which finish() fsyncs and renames over `path`.
#include "core/io/gguf.h"

#include "core/io/gguf_quant.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <torch/torch.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace lathe {

namespace {

constexpr uint32_t kDefaultAlignment = 32;  // GGUF_DEFAULT_ALIGNMENT
constexpr size_t kBufferBytes = 1 << 20;
constexpr int64_t kChunkValues = 1 << 24;    // floats converted per step in write_tensor (64 MiB)

std::string shape_text(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

template <class T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

void put_string(std::string& out, const std::string& s) {
    put<uint64_t>(out, s.size());
    out += s;
}

}  // namespace

GgufWriter::GgufWriter(std::string path, uint32_t alignment)
    : path_(std::move(path)), tmp_(temp_sibling(path_)), alignment_(alignment) {
    if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0)
        throw ConfigError(path_ + ": GGUF alignment " + std::to_string(alignment_) + " is not a power of 2");
}

GgufWriter::~GgufWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (header_done_ && !finished_) ::unlink(tmp_.c_str());
}

void GgufWriter::set(const std::string& key, GgufValue value) {
    if (header_done_) throw IoError(path_ + ": metadata '" + key + "' set after tensor data was written");
    if (key.empty()) throw ConfigError(path_ + ": GGUF metadata keys must not be empty");
    if (key == "general.alignment")
        throw ConfigError(path_ + ": pass the alignment to GgufWriter's constructor, not as metadata");
    for (GgufKV& kv : kvs_) {
        if (kv.key == key) {
            kv.value = std::move(value);
            return;
        }
    }
    kvs_.push_back({key, std::move(value)});
}

void GgufWriter::add_tensor(const std::string& name, const std::vector<int64_t>& shape, GgmlType type) {
    const std::string where = path_ + ": tensor '" + name + "'";
    if (header_done_) throw IoError(where + " declared after tensor data was written");
    if (name.empty() || name.size() > 63)
        throw ConfigError(where + ": names must be 1 to 63 bytes (llama.cpp's GGML_MAX_NAME)");
    for (const Pending& t : tensors_)
        if (t.name == name) throw ConfigError(where + " declared twice");
    if (shape.empty() || shape.size() > 4) throw ConfigError(where + ": shape " + shape_text(shape) + " must have 1 to 4 dimensions");
    const GgmlTypeInfo* info = ggml_type_info(static_cast<uint32_t>(type));
    if (!info) throw ConfigError(where + ": unknown ggml type " + std::to_string(static_cast<uint32_t>(type)));
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) throw ConfigError(where + ": shape " + shape_text(shape) + " has a negative dimension");
        n *= d;
    }
    if (shape.back() % info->block_size != 0)
        throw ConfigError(where + ": " + info->name + " needs rows that are a multiple of " +
                          std::to_string(info->block_size) + " values; shape " + shape_text(shape) + " has rows of " +
                          std::to_string(shape.back()));
    Pending t{name, {shape.rbegin(), shape.rend()}, type, data_size_, ggml_bytes(type, n)};
    data_size_ += (t.n_bytes + alignment_ - 1) / alignment_ * alignment_;
    tensors_.push_back(std::move(t));
}

void GgufWriter::write_header() {
    if (header_done_) return;
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw write_error(path_, "cannot_create", errno);
    header_done_ = true;

    std::vector<GgufKV> kvs = kvs_;
    if (alignment_ != kDefaultAlignment) kvs.push_back({"general.alignment", GgufValue::u32(alignment_)});

    std::string h;
    put<uint32_t>(h, 0x46554747);  // "GGUF"
    put<uint32_t>(h, 3);
    put<uint64_t>(h, tensors_.size());
    put<uint64_t>(h, kvs.size());
    for (const GgufKV& kv : kvs) {
        const GgufValue& v = kv.value;
        put_string(h, kv.key);
        if (v.is_array()) {
            put<uint32_t>(h, static_cast<uint32_t>(GgufValueType::Array));
            put<uint32_t>(h, static_cast<uint32_t>(v.type()));
            put<uint64_t>(h, v.size());
        } else {
            put<uint32_t>(h, static_cast<uint32_t>(v.type()));
        }
        if (v.type() == GgufValueType::String) {
            for (const std::string& s : v.strings_) put_string(h, s);
        } else {
            h += v.bytes_;
        }
    }
    for (const Pending& t : tensors_) {
        put_string(h, t.name);
        put<uint32_t>(h, static_cast<uint32_t>(t.ne.size()));
        for (int64_t d : t.ne) put<int64_t>(h, d);
        put<uint32_t>(h, static_cast<uint32_t>(t.type));
        put<uint64_t>(h, t.offset);
    }
    write_raw(h.data(), h.size());
    if (!tensors_.empty()) pad_to(alignment_);
}

void GgufWriter::fail(const std::string& why) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_.c_str());
    throw IoError(path_ + ": " + why);
}

void GgufWriter::fail_write(const std::string& id, int err) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_.c_str());
    throw write_error(path_, id, err);
}

void GgufWriter::write_fd(const char* p, size_t n) {
    if (fd_ < 0) throw IoError(path_ + ": writer is closed after an earlier error");
    while (n > 0) {
        const ssize_t w = ::write(fd_, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail_write("write_failed", errno);
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
}

void GgufWriter::flush() {
    write_fd(buffer_.data(), buffer_.size());
    buffer_.clear();
}

void GgufWriter::write_raw(const void* data, size_t n) {
    written_ += n;
    if (buffer_.size() + n > kBufferBytes) flush();
    if (n >= kBufferBytes) {
        write_fd(static_cast<const char*>(data), n);
    } else if (n > 0) {
        buffer_.append(static_cast<const char*>(data), n);
    }
}

void GgufWriter::pad_to(uint64_t alignment) {
    static const char zeros[256] = {};
    uint64_t pad = (alignment - written_ % alignment) % alignment;
    while (pad > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(pad, sizeof zeros));
        write_raw(zeros, n);
        pad -= n;
    }
}

GgufWriter::Pending& GgufWriter::next_tensor(const std::string& name, const char* what) {
    write_header();
    // Zero-byte tensors need no data call.
    while (current_ < tensors_.size() && tensors_[current_].n_bytes == 0 && tensors_[current_].name != name) ++current_;
    for (size_t i = 0; i < current_ && i < tensors_.size(); ++i)
        if (tensors_[i].name == name) throw IoError(path_ + ": tensor '" + name + "' " + what + " after it was complete");
    for (size_t i = current_; i < tensors_.size(); ++i) {
        if (tensors_[i].name != name) continue;
        if (i != current_)
            throw IoError(path_ + ": tensor '" + name + "' " + what + " out of order: '" + tensors_[current_].name +
                          "' comes next (data must follow the declaration order)");
        return tensors_[i];
    }
    throw IoError(path_ + ": tensor '" + name + "' " + what + " but never declared with add_tensor");
}

void GgufWriter::append_bytes(const std::string& name, const void* bytes, size_t n) {
    Pending& t = next_tensor(name, "written");
    if (n > t.n_bytes - t.done)
        throw IoError(path_ + ": tensor '" + name + "' is " + std::to_string(t.n_bytes) + " bytes; " +
                      std::to_string(t.done + n) + " were written");
    write_raw(bytes, n);
    t.done += n;
    if (t.done == t.n_bytes) {
        pad_to(alignment_);
        ++current_;
    }
}

void GgufWriter::append_f32(const std::string& name, const float* values, int64_t n) {
    Pending& t = next_tensor(name, "written");
    if (!ggml_type_supported(t.type))
        throw IoError(path_ + ": tensor '" + name + "': Lathe cannot encode " + ggml_type_name(t.type) +
                      "; pass encoded bytes to append_bytes");
    std::vector<uint8_t> encoded(ggml_bytes(t.type, n));  // throws for a partial block
    quantize(t.type, values, n, encoded.data());
    append_bytes(name, encoded.data(), encoded.size());
}

void GgufWriter::write_tensor(const std::string& name, const at::Tensor& values) {
    Pending& t = next_tensor(name, "written");
    const std::vector<int64_t> shape(t.ne.rbegin(), t.ne.rend());
    if (values.sizes().vec() != shape)
        throw IoError(path_ + ": tensor '" + name + "' was declared " + shape_text(shape) + " but the data is " +
                      shape_text(values.sizes().vec()));
    if (!values.is_floating_point())
        throw IoError(path_ + ": tensor '" + name + "' holds " + std::string(c10::toString(values.scalar_type())) +
                      " values; GGUF export takes floating-point tensors");
    if (values.numel() == 0) {
        append_bytes(name, nullptr, 0);
        return;
    }
    // Whole rows per step, so a big embedding never needs a full float32 copy.
    const int64_t row = shape.back();
    const at::Tensor rows = values.detach().reshape({-1, row});
    const int64_t rows_per_step = std::max<int64_t>(1, kChunkValues / std::max<int64_t>(row, 1));
    for (int64_t r = 0; r < rows.size(0); r += rows_per_step) {
        const at::Tensor chunk =
            rows.slice(0, r, std::min(rows.size(0), r + rows_per_step)).to(torch::kCPU, torch::kFloat32).contiguous();
        append_f32(name, chunk.data_ptr<float>(), chunk.numel());
    }
}

void GgufWriter::finish() {
    if (finished_) return;
    write_header();
    for (const Pending& t : tensors_)
        if (t.done != t.n_bytes)
            fail("tensor '" + t.name + "' is incomplete: " + std::to_string(t.done) + " of " +
                 std::to_string(t.n_bytes) + " bytes written");
    flush();
    if (::fsync(fd_) != 0) fail_write("write_failed", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_write("write_failed", errno);
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail_write("cannot_rename", errno);
    finished_ = true;
}

}  // namespace lathe
