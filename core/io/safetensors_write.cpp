// Writing safetensors files: one file streamed through a temp file, a sharded model folder, and the
// "2GB" size strings that pick the shard size.
#include "core/io/safetensors.h"

#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"
#include "core/util/fs.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace lathe {

namespace {

// One tensor to write: what the header says about it, and where its bytes come from (a given tensor, or
// a TensorSource's make()).
struct Item {
    const std::string* name;
    const at::Tensor* tensor;           // a given tensor, or null when `source` makes it
    const TensorSource* source = nullptr;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t bytes;
};


// Checks every tensor before a byte is written, so a bad one never leaves half an export behind.
std::vector<Item> check_tensors(const std::string& where, const NamedTensors& tensors) {
    std::vector<Item> items;
    std::set<std::string> seen;
    for (const auto& [name, t] : tensors) {
        if (name.empty()) throw IoError(where + ": a tensor has an empty name");
        if (name == "__metadata__") throw IoError(where + ": \"__metadata__\" is reserved, not a tensor name");
        if (!seen.insert(name).second) throw IoError(where + ": tensor " + in_quotes(name) + " is given twice");
        if (!t.defined()) throw IoError(where + ": tensor " + in_quotes(name) + " is undefined");
        DType dtype;
        try {
            dtype = dtype_of(t, name);
        } catch (const IoError& e) {
            Problem p = e.problem();  // the dtype's problem, placed at the file
            p.file = where;
            p.message = where + ": " + p.message;
            throw IoError(std::move(p));
        }
        items.push_back({&name, &t, nullptr, dtype, t.sizes().vec(), static_cast<uint64_t>(t.numel()) * dtype_size(dtype)});
    }
    return items;
}

std::vector<Item> check_sources(const std::string& where, const std::vector<TensorSource>& sources) {
    std::vector<Item> items;
    std::set<std::string> seen;
    for (const auto& s : sources) {
        if (s.name.empty()) throw IoError(where + ": a tensor has an empty name");
        if (s.name == "__metadata__") throw IoError(where + ": \"__metadata__\" is reserved, not a tensor name");
        if (!seen.insert(s.name).second) throw IoError(where + ": tensor " + in_quotes(s.name) + " is given twice");
        if (!s.make) throw IoError(where + ": tensor " + in_quotes(s.name) + " has nothing to make it");
        uint64_t n = 1;
        for (int64_t d : s.shape) {
            if (d < 0) throw IoError(where + ": tensor " + in_quotes(s.name) + " has shape " + shape_string(s.shape));
            n *= static_cast<uint64_t>(d);
        }
        items.push_back({&s.name, nullptr, &s, s.dtype, s.shape, n * dtype_size(s.dtype)});
    }
    return items;
}

// The bytes of one item as a contiguous CPU tensor: one CPU copy at most (none when it is already
// contiguous on the CPU). A made tensor must match what the header already says about it.
at::Tensor contents(const std::string& path, const Item& it) {
    at::Tensor t = it.tensor ? it.tensor->detach() : it.source->make().detach();
    if (it.source && (!t.defined() || dtype_of(t, *it.name) != it.dtype || t.sizes().vec() != it.shape))
        throw IoError(path + ": tensor " + in_quotes(*it.name) + " was declared " + shape_string(it.shape) + " " +
                      dtype_name(it.dtype) + " but made " +
                      (t.defined() ? shape_string(t.sizes().vec()) + " " + c10::toString(t.scalar_type()) : "undefined"));
    return t.is_cpu() ? t.contiguous() : t.contiguous().to(torch::kCPU);
}

// Larger elements first (stable): the data section starts 8-aligned and every group's size is a
// multiple of its element size, so each tensor is aligned for zero-copy reads.
void sort_for_alignment(std::vector<Item>& items) {
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return dtype_size(a.dtype) > dtype_size(b.dtype); });
}

// Compact JSON as Hugging Face writes it ("__metadata__" first, tensors in data order), padded with
// spaces so that the data section starts at a multiple of 8.
std::string header_text(const std::string& path, const std::vector<Item>& items,
                        const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json h = nlohmann::ordered_json::object();
    if (!metadata.empty()) h["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& it : items) {
        h[*it.name] = {{"dtype", dtype_name(it.dtype)},
                       {"shape", it.shape},
                       {"data_offsets", {offset, offset + it.bytes}}};
        offset += it.bytes;
    }
    std::string text;
    try {
        text = h.dump();
    } catch (const nlohmann::json::type_error& e) {
        throw IoError(path + ": a tensor name or metadata string is not valid UTF-8 (" + e.what() + ")");
    }
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
}

// A temp sibling that becomes `path` on commit() and disappears if anything throws first.
class TempFile {
public:
    explicit TempFile(const std::string& path) : path_(path), tmp_(temp_sibling(path)) {
        fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) throw write_error(path, "cannot_create", errno);
    }
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(tmp_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    void write(const void* data, size_t size) {
        const char* p = static_cast<const char*>(data);
        while (size > 0) {
            const ssize_t n = ::write(fd_, p, size);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw write_error(path_, "write_failed", errno);
            p += n;
            size -= static_cast<size_t>(n);
        }
    }
    void commit() {
        const int fd = fd_;
        fd_ = -1;
        if (::fsync(fd) != 0) {
            const int err = errno;
            ::close(fd);
            throw write_error(path_, "write_failed", err);
        }
        if (::close(fd) != 0) throw write_error(path_, "write_failed", errno);
        if (std::rename(tmp_.c_str(), path_.c_str()) != 0) throw write_error(path_, "cannot_rename", errno);
        committed_ = true;
    }

private:
    std::string path_, tmp_;
    int fd_ = -1;
    bool committed_ = false;
};

void write_items(const std::string& path, std::vector<Item> items, const std::map<std::string, std::string>& metadata) {
    sort_for_alignment(items);
    const std::string header = header_text(path, items, metadata);
    TempFile out(path);
    uint8_t length[8];
    const uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(n >> (8 * i));
    out.write(length, 8);
    out.write(header.data(), header.size());
    for (const auto& it : items) {
        if (it.bytes == 0 && !it.source) continue;
        const at::Tensor t = contents(path, it);
        if (it.bytes) out.write(t.data_ptr(), it.bytes);
    }
    out.commit();
}

std::string shard_name(const std::string& basename, size_t index, size_t count) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "-%05zu-of-%05zu.safetensors", index, count);
    return basename + buf;
}

// `<basename>-NNNNN-of-NNNNN.safetensors`, the names shard_name() and Hugging Face produce.
bool is_shard_name(const std::string& file, const std::string& basename) {
    const std::string head = basename + "-", tail = ".safetensors";
    if (file.size() <= head.size() + tail.size() || file.compare(0, head.size(), head) != 0 ||
        file.compare(file.size() - tail.size(), tail.size(), tail) != 0)
        return false;
    const std::string mid = file.substr(head.size(), file.size() - head.size() - tail.size());
    const auto of = mid.find("-of-");
    auto digits = [](const std::string& s) {
        return s.size() >= 5 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    return of != std::string::npos && digits(mid.substr(0, of)) && digits(mid.substr(of + 4));
}

// Files of an earlier export that the new one does not contain.
void remove_stale(const std::string& dir, const std::string& basename, const std::vector<std::string>& written) {
    const std::set<std::string> keep(written.begin(), written.end());
    std::vector<std::string> stale;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        if (keep.count(file)) continue;
        if (file == basename + ".safetensors" || file == basename + ".safetensors.index.json" ||
            is_shard_name(file, basename))
            stale.push_back(file);
    }
    // The single file and the index go first: a reader then never pairs them with a half-deleted set.
    std::sort(stale.begin(), stale.end(), [&](const std::string& a, const std::string& b) {
        return is_shard_name(a, basename) < is_shard_name(b, basename);
    });
    for (const auto& file : stale) {
        if (!fs::remove(path_join(dir, file), ec) && ec)
            throw IoError(file_problem(path_join(dir, file), 0, 0, "stale_export_file", {ec.message()}));
    }
}

}  // namespace

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
    write_items(path, check_tensors(path, tensors), metadata);
}

void write_safetensors_streamed(const std::string& path, const std::vector<TensorSource>& sources,
                                const std::map<std::string, std::string>& metadata) {
    write_items(path, check_sources(path, sources), metadata);
}

std::vector<std::string> write_sharded(const std::string& dir, const NamedTensors& tensors, uint64_t max_shard_bytes,
                                       const std::map<std::string, std::string>& metadata,
                                       const std::string& basename) {
    const std::vector<Item> items = check_tensors(dir, tensors);
    std::vector<std::vector<Item>> shards(1);
    uint64_t filled = 0, total = 0;
    for (const auto& it : items) {
        if (max_shard_bytes && filled > 0 && filled + it.bytes > max_shard_bytes) {
            shards.emplace_back();
            filled = 0;
        }
        shards.back().push_back(it);
        filled += it.bytes;
        total += it.bytes;
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw write_error(dir, "cannot_create", ec);

    std::vector<std::string> written;
    if (shards.size() == 1) {
        written.push_back(basename + ".safetensors");
        write_items(path_join(dir, written[0]), shards[0], metadata);
    } else {
        nlohmann::json weight_map = nlohmann::json::object();
        for (size_t i = 0; i < shards.size(); ++i) {
            written.push_back(shard_name(basename, i + 1, shards.size()));
            write_items(path_join(dir, written.back()), shards[i], metadata);
            for (const auto& it : shards[i]) weight_map[*it.name] = written.back();
        }
        written.push_back(basename + ".safetensors.index.json");
        write_json_file(path_join(dir, written.back()),
                        {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}});
    }
    remove_stale(dir, basename, written);
    return written;
}

// ---- parse_size ---------------------------------------------------------------------------------

uint64_t parse_size(const std::string& text) {
    auto bad = [&](const std::string& id, std::vector<std::string> args = {}) {
        args.insert(args.begin(), text);
        return ConfigError(plain_problem(id, std::move(args)));
    };
    size_t i = 0, n = text.size();
    while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    while (n > i && std::isspace(static_cast<unsigned char>(text[n - 1]))) --n;

    unsigned __int128 whole = 0, frac = 0, frac_scale = 1;
    size_t digits = 0;
    for (; i < n && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
        whole = whole * 10 + static_cast<unsigned>(text[i] - '0');
        if (whole > std::numeric_limits<uint64_t>::max()) throw bad("size_too_large");
    }
    if (i < n && text[i] == '.') {
        for (++i; i < n && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
            if (frac_scale > std::numeric_limits<uint64_t>::max()) continue;  // beyond any unit's precision
            frac = frac * 10 + static_cast<unsigned>(text[i] - '0');
            frac_scale *= 10;
        }
    }
    if (digits == 0) throw bad("size_no_number");
    while (i < n && text[i] == ' ') ++i;
    const std::string written_unit = text.substr(i, n - i);
    std::string unit;
    for (; i < n; ++i) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));

    static const std::pair<const char*, uint64_t> kUnits[] = {
        {"", 1},        {"B", 1},           {"KB", 1000ull},    {"MB", 1000000ull},       {"GB", 1000000000ull},
        {"TB", 1000000000000ull}, {"KIB", 1ull << 10}, {"MIB", 1ull << 20}, {"GIB", 1ull << 30}, {"TIB", 1ull << 40},
    };
    for (const auto& [name, scale] : kUnits) {
        if (unit != name) continue;
        const unsigned __int128 bytes = whole * scale + frac * scale / frac_scale;
        if (bytes > std::numeric_limits<uint64_t>::max()) throw bad("size_too_large");
        return static_cast<uint64_t>(bytes);
    }
    throw bad("size_unknown_unit", {written_unit});
}

}  // namespace lathe
