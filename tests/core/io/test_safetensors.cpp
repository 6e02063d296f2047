// safetensors round trips: every dtype bit for bit, odd layouts, byte-identical rewrites, the exact
// bytes of a known file, and the mmap view (zero-copy, opening reads only the header).
#include "tests/registry.h"

#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <torch/torch.h>
#include <QtTest>

#include <cstring>
#include <fstream>
#include <sstream>

#include <sys/mman.h>
#include <unistd.h>

using namespace lathe;

namespace {

// Same dtype, shape and bytes (NaN payloads and -0.0 included).
bool same_bits(const at::Tensor& a, const at::Tensor& b) {
    if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
    const at::Tensor ca = a.cpu().contiguous(), cb = b.cpu().contiguous();
    // An empty tensor's data_ptr() is null, which memcmp must not be given even for 0 bytes.
    return ca.nbytes() == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0;
}

// Random bit patterns of `dtype` (floats include NaNs, infinities and subnormals); bools stay 0/1.
at::Tensor random_bits(at::ScalarType dtype, std::vector<int64_t> shape) {
    if (dtype == at::kBool) return torch::randint(0, 2, shape).to(at::kBool);
    int64_t numel = 1;
    for (auto d : shape) numel *= d;
    const int64_t bytes = numel * static_cast<int64_t>(c10::elementSize(dtype));
    return torch::randint(0, 256, {bytes}, torch::kByte).view(dtype).reshape(shape);
}

const at::ScalarType kAllDtypes[] = {at::kDouble, at::kFloat, at::kHalf, at::kBFloat16, at::kLong,
                                     at::kInt,    at::kShort, at::kChar, at::kByte,     at::kBool};

std::string path_in_scratch(const std::string& name) { return test::scratch_dir() + "/" + name; }

// The file backing the mapping that holds `p`, from /proc/self/maps ("" when anonymous or absent).
std::string mapped_file_of(const void* p) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    const auto addr = reinterpret_cast<uintptr_t>(p);
    while (std::getline(maps, line)) {
        std::istringstream in(line);
        std::string range, perms, offset, dev, inode, file;
        in >> range >> perms >> offset >> dev >> inode >> file;
        const auto dash = range.find('-');
        const uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
        const uintptr_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
        if (addr >= lo && addr < hi) return file;
    }
    return "";
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private slots:
    void everyDtypeRoundTripsBitForBit() {
        NamedTensors in;
        for (auto dt : kAllDtypes) in.emplace_back(std::string(c10::toString(dt)), random_bits(dt, {3, 5}));
        const std::string path = path_in_scratch("all.safetensors");
        write_safetensors(path, in, {{"format", "pt"}, {"note", "값"}});

        SafetensorsFile f(path);
        QCOMPARE(f.entries().size(), in.size());
        QCOMPARE(f.metadata().at("note"), std::string("값"));
        for (const auto& [name, t] : in) {
            const at::Tensor back = f.tensor(name);
            QVERIFY2(same_bits(back, t), name.c_str());
            QVERIFY(back.device().is_cpu());
            QCOMPARE(f.find(name)->shape, (std::vector<int64_t>{3, 5}));
            QCOMPARE(std::string(dtype_name(f.find(name)->dtype)), std::string(dtype_name(dtype_of(t, name))));
        }
        QVERIFY(!file_exists(temp_sibling(path)));
    }

    void oddLayoutsRoundTrip() {
        const at::Tensor base = torch::randn({4, 6});
        NamedTensors in = {
            {"transposed", base.t()},                                      // (6, 4), strides (1, 6)
            {"strided", base.index({torch::indexing::Slice(), torch::indexing::Slice(0, 6, 2)})},  // (4, 3)
            {"expanded", torch::arange(3, torch::kInt).expand({2, 3})},    // stride 0
            {"empty", torch::empty({0}, torch::kBFloat16)},
            {"empty2d", torch::empty({2, 0}, torch::kLong)},
            {"scalar", torch::tensor(2.5, torch::kHalf)},
            {"bf16", random_bits(at::kBFloat16, {7})},
        };
        QVERIFY(!in[0].second.is_contiguous());
        const std::string path = path_in_scratch("odd.safetensors");
        write_safetensors(path, in);
        SafetensorsFile f(path);
        for (const auto& [name, t] : in) QVERIFY2(same_bits(f.tensor(name), t), name.c_str());
        QCOMPARE(f.tensor("scalar").dim(), int64_t(0));
        QCOMPARE(f.find("empty")->begin, f.find("empty")->end);
        QCOMPARE(f.find("scalar")->shape.size(), size_t(0));
    }

    void rewriteGivesIdenticalBytes() {
        // Mixed element sizes in an unaligned order, with empties and a scalar.
        NamedTensors in = {
            {"i8", random_bits(at::kChar, {3})},     {"f64", random_bits(at::kDouble, {2, 2})},
            {"bf16", random_bits(at::kBFloat16, {5})}, {"empty", torch::empty({0}, torch::kFloat)},
            {"f32", random_bits(at::kFloat, {3, 1})}, {"scalar", random_bits(at::kHalf, {})},
            {"bool", random_bits(at::kBool, {9})},
        };
        const std::string a = path_in_scratch("first.safetensors"), b = path_in_scratch("second.safetensors");
        write_safetensors(a, in, {{"format", "pt"}});
        {
            SafetensorsFile f(a);
            NamedTensors again;
            for (const auto& e : f.entries()) again.emplace_back(e.name, f.tensor(e.name));
            write_safetensors(b, again, f.metadata());
        }
        QVERIFY(read_file(a) == read_file(b));
        // Writing over the file that is still mapped replaces it whole (temp + rename).
        SafetensorsFile f(a);
        NamedTensors same;
        for (const auto& e : f.entries()) same.emplace_back(e.name, f.tensor(e.name));
        write_safetensors(a, same, f.metadata());
        QVERIFY(read_file(a) == read_file(b));
    }

    void dataIsAlignedAndHeaderPadded() {
        NamedTensors in = {{"a", torch::ones({3}, torch::kChar)}, {"b", torch::ones({3}, torch::kDouble)},
                           {"c", torch::ones({1}, torch::kHalf)}, {"d", torch::ones({5}, torch::kFloat)}};
        const std::string path = path_in_scratch("aligned.safetensors");
        write_safetensors(path, in);
        SafetensorsFile f(path);
        QCOMPARE(f.data_offset() % 8, uint64_t(0));
        std::vector<std::string> order;
        for (const auto& e : f.entries()) {
            order.push_back(e.name);
            QCOMPARE(e.begin % dtype_size(e.dtype), uint64_t(0));
            QCOMPARE(reinterpret_cast<uintptr_t>(f.tensor(e.name).data_ptr()) % dtype_size(e.dtype), uintptr_t(0));
        }
        // Larger elements first, the given order within a size.
        QCOMPARE(order, (std::vector<std::string>{"b", "d", "c", "a"}));
    }

    void exactBytesOfAKnownFile() {
        // Header as Hugging Face's safetensors writes it: compact JSON, metadata first, padded with spaces.
        const std::string path = path_in_scratch("known.safetensors");
        write_safetensors(path, {{"a", torch::tensor({1.0f, 2.0f})}}, {{"format", "pt"}});
        std::string header =
            R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
        header.append((8 - header.size() % 8) % 8, ' ');
        std::string expected(8, '\0');
        const uint64_t n = header.size();
        std::memcpy(&expected[0], &n, 8);
        const float data[2] = {1.0f, 2.0f};
        expected += header + std::string(reinterpret_cast<const char*>(data), 8);
        QCOMPARE(read_file(path), expected);
    }

    void readsUnalignedFilesByCopying() {
        // A writer that does not pad: header of 75 bytes puts the F32 data at file offset 83.
        const std::string header = R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"y":{"dtype":"I8",)"
                                   R"("shape":[1],"data_offsets":[12,13]}})";
        QVERIFY(header.size() % 4 != 0);
        std::string file(8, '\0');
        const uint64_t n = header.size();
        std::memcpy(&file[0], &n, 8);
        const float x[3] = {1.5f, -2.0f, 3.25f};
        file += header + std::string(reinterpret_cast<const char*>(x), 12) + std::string(1, '\x07');
        const std::string path = path_in_scratch("unaligned.safetensors");
        write_file_atomic(path, file);
        SafetensorsFile f(path);
        const at::Tensor t = f.tensor("x");
        QCOMPARE(reinterpret_cast<uintptr_t>(t.data_ptr()) % 4, uintptr_t(0));
        QVERIFY(torch::equal(t, torch::tensor({1.5f, -2.0f, 3.25f})));
        QCOMPARE(f.tensor("y").item<int8_t>(), int8_t(7));
    }

    void tensorsViewTheMappingWithoutCopying() {
        const std::string path = path_in_scratch("view.safetensors");
        const at::Tensor w = torch::randn({64, 32});
        write_safetensors(path, {{"w", w}});
        at::Tensor t1, t2;
        const char* base = nullptr;
        {
            SafetensorsFile f(path);
            t1 = f.tensor("w");
            t2 = f.tensor("w");
            QCOMPARE(t1.data_ptr(), t2.data_ptr());  // both view the same mapped bytes
            base = static_cast<const char*>(t1.data_ptr()) - f.data_offset() - f.find("w")->begin;
        }
        // The bytes are the file's own mapping, not a heap copy, and outlive the SafetensorsFile.
        QCOMPARE(mapped_file_of(t1.data_ptr()), path);
        QCOMPARE(std::memcmp(base + 8, "{", 1), 0);
        QVERIFY(same_bits(t1, w));
        const at::Tensor copy = t1.clone();
        copy.mul_(2);  // the documented way to write
        QVERIFY(torch::allclose(copy, w * 2));
        t1 = at::Tensor();
        t2 = at::Tensor();
        QVERIFY(mapped_file_of(base) != path);  // last view gone: unmapped
    }

    void openingReadsOnlyTheHeader() {
        // A 1 GiB sparse file: opening it and taking the tensor must leave its data pages untouched
        // (bar the kernel's readahead around the header page).
        const std::string path = path_in_scratch("big.safetensors");
        const uint64_t bytes = 1ull << 30;
        std::string header = R"({"big":{"dtype":"F32","shape":[)" + std::to_string(bytes / 4) +
                             R"(],"data_offsets":[0,)" + std::to_string(bytes) + "]}}";
        header.append((8 - header.size() % 8) % 8, ' ');
        std::string head(8, '\0');
        const uint64_t n = header.size();
        std::memcpy(&head[0], &n, 8);
        write_file_atomic(path, head + header);
        QCOMPARE(::truncate(path.c_str(), static_cast<off_t>(8 + n + bytes)), 0);

        SafetensorsFile f(path);
        const at::Tensor t = f.tensor("big");
        QCOMPARE(t.numel(), int64_t(bytes / 4));
        QCOMPARE(mapped_file_of(t.data_ptr()), path);

        const long page = ::sysconf(_SC_PAGESIZE);
        const auto first = reinterpret_cast<uintptr_t>(t.data_ptr());
        const uintptr_t lo = (first / page + 1) * page;  // skip the page shared with the header
        const size_t pages = (bytes - (lo - first)) / page;
        auto resident_pages = [&] {
            std::vector<unsigned char> resident(pages);
            if (::mincore(reinterpret_cast<void*>(lo), pages * page, resident.data()) != 0) return size_t(-1);
            size_t n = 0;
            for (unsigned char r : resident) n += r & 1;
            return n;
        };
        const size_t touched = resident_pages();
        QVERIFY2(touched < pages / 100,
                 (std::to_string(touched) + " of " + std::to_string(pages) + " data pages resident").c_str());
        // Control: reading 8 MB of the tensor does show up, so the measurement above means something.
        QCOMPARE(t.narrow(0, 0, 1 << 21).sum().item<float>(), 0.0f);
        QVERIFY(resident_pages() >= touched + (8u << 20) / page - 1);
    }

    void writesDeviceTensors() {
        if (!torch::cuda::is_available()) QSKIP("no CUDA device: the device copy path is exercised on GPU machines");
        const at::Tensor cpu = random_bits(at::kBFloat16, {8, 6});
        const at::Tensor gpu = cpu.to(torch::kCUDA).t();  // non-contiguous, on the device
        const std::string path = path_in_scratch("cuda.safetensors");
        write_safetensors(path, {{"g", gpu}});
        QVERIFY(same_bits(SafetensorsFile(path).tensor("g"), cpu.t()));
    }

    void shapeStrings() {
        QCOMPARE(shape_string({4096, 1024}), std::string("[4096, 1024]"));
        QCOMPARE(shape_string({}), std::string("[]"));
        QCOMPARE(dtype_size(DType::BF16), size_t(2));
        QCOMPARE(std::string(dtype_name(DType::Bool)), std::string("BOOL"));
    }
};

LATHE_TEST(TestSafetensors)
#include "test_safetensors.moc"
