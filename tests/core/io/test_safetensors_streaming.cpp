// Tensor by tensor: writing tensors made on demand (write_safetensors_streamed) gives the bytes
// write_safetensors gives, and releasing a mapped tensor's pages drops them from RSS without losing them.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <torch/torch.h>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace lathe;
namespace fs = std::filesystem;

namespace {

std::string scratch_path(const std::string& name) { return test::scratch_dir() + "/" + name; }

// Rss (KiB) of the mapping that holds `p`, from /proc/self/smaps; -1 when no mapping holds it.
long rss_kib_of_mapping(const void* p) {
    std::ifstream smaps("/proc/self/smaps");
    const auto addr = reinterpret_cast<uintptr_t>(p);
    bool inside = false;
    for (std::string line; std::getline(smaps, line);) {
        const auto dash = line.find('-');
        const auto space = line.find(' ');
        if (dash != std::string::npos && space != std::string::npos && dash < space &&
            line.find_first_not_of("0123456789abcdef") == dash) {
            const uintptr_t lo = std::stoull(line.substr(0, dash), nullptr, 16);
            const uintptr_t hi = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
            inside = addr >= lo && addr < hi;
        } else if (inside && line.rfind("Rss:", 0) == 0) {
            return std::atol(line.c_str() + 4);
        }
    }
    return -1;
}

}  // namespace

class TestSafetensorsStreaming : public QObject {
    Q_OBJECT
private slots:
    void streamedBytesEqualWrittenBytes() {
        // Mixed element sizes: the data order (8, 4, 2, 1 bytes, then given order) differs from the list.
        const NamedTensors tensors = {{"b", torch::randn({3, 5}).to(torch::kBFloat16)},
                                      {"a", torch::randn({7})},
                                      {"i", torch::arange(6, torch::kLong).view({2, 3})},
                                      {"empty", torch::empty({0, 4})},
                                      {"u", torch::randint(0, 255, {9}, torch::kByte)},
                                      {"t", torch::randn({4, 3}).t()}};  // not contiguous
        const std::string direct = scratch_path("direct.safetensors");
        write_safetensors(direct, tensors, {{"format", "pt"}});

        std::vector<std::string> made;
        std::vector<TensorSource> sources;
        for (const auto& [name, t] : tensors)
            sources.push_back({name, dtype_of(t, name), t.sizes().vec(), [&made, name = name, t = t] {
                                   made.push_back(name);
                                   return t;
                               }});
        const std::string streamed = scratch_path("streamed.safetensors");
        write_safetensors_streamed(streamed, sources, {{"format", "pt"}});
        QCOMPARE(read_file(streamed), read_file(direct));
        QCOMPARE(made, (std::vector<std::string>{"i", "a", "empty", "t", "b", "u"}));  // data order, once each
    }

    void madeTensorMustMatchItsDeclaration() {
        const std::string path = scratch_path("mismatch.safetensors");
        auto bad_shape = std::vector<TensorSource>{
            {"ok", DType::F32, {2}, [] { return torch::zeros({2}); }},
            {"w", DType::F32, {2, 3}, [] { return torch::zeros({3, 2}); }}};
        auto msg = lathe::test::error_of<IoError>([&] { write_safetensors_streamed(path, bad_shape); });
        QVERIFY2(msg.find("tensor \"w\" was declared [2, 3] F32 but made [3, 2] Float") != std::string::npos, msg.c_str());
        QVERIFY(!fs::exists(path));

        auto bad_dtype = std::vector<TensorSource>{{"w", DType::BF16, {2}, [] { return torch::zeros({2}); }}};
        msg = lathe::test::error_of<IoError>([&] { write_safetensors_streamed(path, bad_dtype); });
        QVERIFY2(msg.find("declared [2] BF16 but made [2] Float") != std::string::npos, msg.c_str());
        QVERIFY(!fs::exists(path));
        for (const auto& e : fs::directory_iterator(test::scratch_dir()))  // no temp file left behind
            QVERIFY2(e.path().filename().string().find("mismatch") == std::string::npos, e.path().c_str());

        auto twice = std::vector<TensorSource>{{"w", DType::F32, {1}, [] { return torch::zeros({1}); }},
                                               {"w", DType::F32, {1}, [] { return torch::zeros({1}); }}};
        QVERIFY(lathe::test::error_of<IoError>([&] { write_safetensors_streamed(path, twice); }).find("\"w\" is given twice") != std::string::npos);
    }

    void releasedPagesLeaveRssAndComeBack() {
        const at::Tensor values = torch::randn({1 << 20});  // 4 MiB
        const std::string path = scratch_path("release.safetensors");
        write_safetensors(path, {{"w", values}});
        SafetensorsFile f(path);
        const at::Tensor mapped = f.tensor("w");
        QVERIFY(torch::equal(mapped, values));  // reads every page
        const long before = rss_kib_of_mapping(mapped.data_ptr());
        QVERIFY2(before >= 4000, std::to_string(before).c_str());

        f.release("w");
        const long after = rss_kib_of_mapping(mapped.data_ptr());
        QVERIFY2(after >= 0 && after < 128, std::to_string(after).c_str());  // the header's page may stay
        QVERIFY(torch::equal(mapped, values));  // faulted back in from the file: nothing lost
        QVERIFY(torch::equal(f.tensor("w"), values));
        QVERIFY(lathe::test::error_of<IoError>([&] { f.release("nope"); }).find("no tensor \"nope\"") != std::string::npos);
    }
};

LATHE_TEST(TestSafetensorsStreaming)
#include "test_safetensors_streaming.moc"
