// GGUF writer/reader: round trips of every metadata and tensor type, the byte layout against the
// spec, streaming, writer misuse, corrupt files, and the Llama q/k row permutation.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/gguf_quant.h"
#include "core/io/gguf.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <QtTest>
#include <torch/torch.h>

#include <cstring>
#include <functional>

using namespace lathe;

namespace {

std::string scratch(const std::string& name) { return test::scratch_dir() + "/" + name; }

template <class T>
T load(const std::string& bytes, size_t pos) {
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof(T));
    return v;
}

template <class T>
void store(std::string& bytes, size_t pos, T v) {
    std::memcpy(bytes.data() + pos, &v, sizeof(T));
}

// Offset of the first byte after the GGUF string `s` (u64 length + bytes) in the file.
size_t after_string(const std::string& bytes, const std::string& s) {
    std::string needle(8, '\0');
    store<uint64_t>(needle, 0, s.size());
    needle += s;
    const size_t at = bytes.find(needle);
    if (at == std::string::npos) throw std::runtime_error("string '" + s + "' not in file");
    return at + needle.size();
}

// Runs `f` and returns the IoError message ("" when nothing was thrown).
using lathe::test::error_of;

#define EXPECT_ERROR(expr, fragment)                                                                     \
    do {                                                                                                 \
        const std::string msg_ = error_of([&] { expr; });                                               \
        QVERIFY2(!msg_.empty(), "expected an error containing: " fragment);                             \
        QVERIFY2(msg_.find(fragment) != std::string::npos, qPrintable(QString::fromStdString(msg_)));    \
    } while (0)

// A small valid file the corruption tests start from.
std::string write_sample(const std::string& path) {
    GgufWriter w(path);
    w.set("general.architecture", GgufValue::string("llama"));
    w.set("a.count", GgufValue::u32(7));
    w.set("a.list", GgufValue::array(std::vector<int32_t>{1, 2, 3}));
    w.set("a.names", GgufValue::array(std::vector<std::string>{"x", "yz"}));
    w.add_tensor("t.one", {2, 32}, GgmlType::Q8_0);
    w.add_tensor("t.two", {3, 4}, GgmlType::F32);
    w.write_tensor("t.one", torch::arange(64, torch::kFloat32).reshape({2, 32}));
    w.write_tensor("t.two", torch::ones({3, 4}));
    w.finish();
    return read_file(path);
}

}  // namespace

class TestGguf : public QObject {
    Q_OBJECT
private slots:
    void metadataRoundTripsEveryType() {
        const std::string path = scratch("kv.gguf");
        std::vector<GgufKV> kvs = {
            {"t.u8", GgufValue::u8(250)},
            {"t.i8", GgufValue::i8(-100)},
            {"t.u16", GgufValue::u16(65000)},
            {"t.i16", GgufValue::i16(-32000)},
            {"t.u32", GgufValue::u32(4000000000u)},
            {"t.i32", GgufValue::i32(-2000000000)},
            {"t.u64", GgufValue::u64(18000000000000000000ull)},
            {"t.i64", GgufValue::i64(-9000000000000000000ll)},
            {"t.f32", GgufValue::f32(1.5e-7f)},
            {"t.f64", GgufValue::f64(-2.25e300)},
            {"t.bool", GgufValue::boolean(true)},
            {"t.string", GgufValue::string("héllo \"gguf\"\n")},
            {"t.empty_string", GgufValue::string("")},
            {"t.a_u8", GgufValue::array(std::vector<uint8_t>{0, 1, 255})},
            {"t.a_i8", GgufValue::array(std::vector<int8_t>{-128, 127})},
            {"t.a_u16", GgufValue::array(std::vector<uint16_t>{1, 65535})},
            {"t.a_i16", GgufValue::array(std::vector<int16_t>{-1, 2})},
            {"t.a_u32", GgufValue::array(std::vector<uint32_t>{3, 4, 5})},
            {"t.a_i32", GgufValue::array(std::vector<int32_t>{-7})},
            {"t.a_u64", GgufValue::array(std::vector<uint64_t>{1ull << 63})},
            {"t.a_i64", GgufValue::array(std::vector<int64_t>{-1, 0, 1})},
            {"t.a_f32", GgufValue::array(std::vector<float>{0.5f, -1e30f, 3.0f})},
            {"t.a_f64", GgufValue::array(std::vector<double>{1e-300})},
            {"t.a_bool", GgufValue::array(std::vector<bool>{true, false, true})},
            {"t.a_string", GgufValue::array(std::vector<std::string>{"<unk>", "", "▁the", std::string("a\0b", 3)})},
            {"t.a_empty", GgufValue::array(std::vector<float>{})},
        };
        GgufWriter w(path);
        for (const GgufKV& kv : kvs) w.set(kv.key, kv.value);
        w.finish();

        GgufFile f(path);
        QCOMPARE(f.version(), 3u);
        QCOMPARE(f.tensors().size(), size_t(0));
        QCOMPARE(f.metadata().size(), kvs.size());
        for (size_t i = 0; i < kvs.size(); ++i) {
            QCOMPARE(f.metadata()[i].key, kvs[i].key);  // written in insertion order
            QVERIFY2(f.metadata()[i].value == kvs[i].value,
                     qPrintable(QString::fromStdString(kvs[i].key + ": " + f.metadata()[i].value.describe())));
        }
        QCOMPARE(f.get("t.u64").get<uint64_t>(), 18000000000000000000ull);
        QCOMPARE(f.get("t.i8").as_int(), int64_t(-100));
        QCOMPARE(f.get_uint("t.u32"), uint64_t(4000000000u));
        QCOMPARE(f.get_float("t.f32"), double(1.5e-7f));
        QCOMPARE(f.get_string("t.string"), std::string("héllo \"gguf\"\n"));
        QCOMPARE(f.get("t.a_string").strings()[3], std::string("a\0b", 3));
        QCOMPARE(f.get("t.a_bool").get_array<bool>(), (std::vector<bool>{true, false, true}));
        QCOMPARE(f.get("t.a_f32").get_array<float>()[1], -1e30f);
        QCOMPARE(f.get("t.a_empty").size(), uint64_t(0));
        QCOMPARE(f.get("t.a_u32").describe(), std::string("[u32 x 3: 3, 4, 5]"));
        QCOMPARE(f.get("t.string").describe(), std::string("\"héllo \\\"gguf\\\"\\x0a\""));

        EXPECT_ERROR(f.get("t.missing"), "kv.gguf: metadata key 't.missing' not found");
        EXPECT_ERROR(f.get_uint("t.string"), "metadata key 't.string': expected an integer, found string");
        EXPECT_ERROR(f.get_uint("t.i8"), "metadata key 't.i8': expected a non-negative integer, found -100");
        EXPECT_ERROR(f.get_string("t.a_string"), "metadata key 't.a_string': expected string, found array");
        EXPECT_ERROR(f.get("t.u8").get<uint32_t>(), "expected u32, found u8");
        EXPECT_ERROR(f.get("t.a_u8").get_array<int8_t>(), "expected array of i8, found array of u8");
    }

    // Every tensor type: the stored bytes are quantize(x), the decoded values dequantize(those),
    // shapes come back in PyTorch order with ggml's reversed dims, and offsets are aligned.
    void tensorsRoundTripEveryType() {
        const std::string path = scratch("tensors.gguf");
        const std::vector<GgmlType> types = {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0,
                                             GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K};
        torch::manual_seed(3);
        std::vector<at::Tensor> values;
        GgufWriter w(path);
        w.set("general.name", GgufValue::string("round trip"));
        for (size_t i = 0; i < types.size(); ++i) {
            values.push_back(torch::randn({3, 2, 512}) * 0.1);
            w.add_tensor("w." + std::string(ggml_type_name(types[i])), {3, 2, 512}, types[i]);
        }
        w.add_tensor("bias", {5}, GgmlType::F32);
        for (size_t i = 0; i < types.size(); ++i) w.write_tensor("w." + std::string(ggml_type_name(types[i])), values[i]);
        w.write_tensor("bias", torch::arange(5, torch::kFloat64));  // any float dtype is converted
        w.finish();

        GgufFile f(path);
        QCOMPARE(f.tensors().size(), types.size() + 1);
        QCOMPARE(f.data_offset() % 32, uint64_t(0));
        for (size_t i = 0; i < types.size(); ++i) {
            const std::string name = "w." + std::string(ggml_type_name(types[i]));
            const GgufTensorInfo& t = f.tensor_info(name);
            QCOMPARE(t.ne, (std::vector<int64_t>{512, 2, 3}));
            QCOMPARE(t.shape(), (std::vector<int64_t>{3, 2, 512}));
            QCOMPARE(t.type, uint32_t(types[i]));
            QCOMPARE(t.offset % 32, uint64_t(0));
            QCOMPARE(t.n_bytes, ggml_bytes(types[i], 3 * 2 * 512));
            std::vector<uint8_t> expect(t.n_bytes);
            const at::Tensor x = values[i].contiguous();
            quantize(types[i], x.data_ptr<float>(), x.numel(), expect.data());
            const std::string_view got = f.tensor_bytes(name);
            QVERIFY2(std::memcmp(got.data(), expect.data(), expect.size()) == 0, name.c_str());
            const at::Tensor y = f.tensor_f32(name);
            QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{3, 2, 512}));
            const std::map<GgmlType, double> tolerance = {{GgmlType::F32, 0.0},   {GgmlType::F16, 2e-3}, {GgmlType::BF16, 2e-3},
                                                          {GgmlType::Q8_0, 0.01}, {GgmlType::Q6_K, 0.015}, {GgmlType::Q5_0, 0.03},
                                                          {GgmlType::Q4_K, 0.04}, {GgmlType::Q4_0, 0.06}};
            const double tol = tolerance.at(types[i]);
            QVERIFY2((y - x).abs().max().item<double>() <= tol, name.c_str());
        }
        QVERIFY(torch::equal(f.tensor_f32("bias"), torch::arange(5, torch::kFloat32)));
        QCOMPARE(f.file_size(), f.data_offset() + f.tensors().back().offset + 32);  // last tensor padded too
    }

    // The exact bytes of a one-key, one-tensor file, from the spec.
    void bytesFollowTheSpec() {
        const std::string path = scratch("spec.gguf");
        GgufWriter w(path);
        w.set("k", GgufValue::u16(0x1234));
        w.add_tensor("t", {2, 1}, GgmlType::F32);
        w.write_tensor("t", torch::tensor({1.0f, 2.0f}).reshape({2, 1}));
        w.finish();
        const std::string b = read_file(path);
        QCOMPARE(b.substr(0, 4), std::string("GGUF"));
        QCOMPARE(load<uint32_t>(b, 4), 3u);         // version
        QCOMPARE(load<uint64_t>(b, 8), uint64_t(1));   // tensors
        QCOMPARE(load<uint64_t>(b, 16), uint64_t(1));  // key/values
        QCOMPARE(load<uint64_t>(b, 24), uint64_t(1));  // key length
        QCOMPARE(b[32], 'k');
        QCOMPARE(load<uint32_t>(b, 33), 2u);        // u16
        QCOMPARE(load<uint16_t>(b, 37), uint16_t(0x1234));
        QCOMPARE(load<uint64_t>(b, 39), uint64_t(1));  // tensor name length
        QCOMPARE(b[47], 't');
        QCOMPARE(load<uint32_t>(b, 48), 2u);                     // n_dims
        QCOMPARE(load<int64_t>(b, 52), int64_t(1));              // ne[0]: innermost = PyTorch's last
        QCOMPARE(load<int64_t>(b, 60), int64_t(2));              // ne[1]
        QCOMPARE(load<uint32_t>(b, 68), 0u);                     // F32
        QCOMPARE(load<uint64_t>(b, 72), uint64_t(0));            // offset
        QCOMPARE(b.size(), size_t(96 + 32));                     // header 80 -> padded to 96, data padded
        for (size_t i = 80; i < 96; ++i) QCOMPARE(int(b[i]), 0);
        QCOMPARE(load<float>(b, 96), 1.0f);
        QCOMPARE(load<float>(b, 100), 2.0f);
    }

    void customAlignmentIsRecorded() {
        const std::string path = scratch("align.gguf");
        GgufWriter w(path, 256);
        w.add_tensor("a", {3}, GgmlType::F32);
        w.add_tensor("b", {64}, GgmlType::Q8_0);
        w.write_tensor("a", torch::ones({3}));
        w.write_tensor("b", torch::ones({64}));
        w.finish();
        GgufFile f(path);
        QCOMPARE(f.alignment(), 256u);
        QCOMPARE(f.get("general.alignment").get<uint32_t>(), 256u);
        QCOMPARE(f.data_offset() % 256, uint64_t(0));
        QCOMPARE(f.tensor_info("b").offset, uint64_t(256));
        EXPECT_ERROR(GgufWriter(scratch("x.gguf"), 48), "GGUF alignment 48 is not a power of 2");
        GgufWriter w2(scratch("y.gguf"));
        EXPECT_ERROR(w2.set("general.alignment", GgufValue::u32(64)), "pass the alignment to GgufWriter's constructor");
    }

    // Rows appended in chunks give the same file as one write_tensor.
    void streamingChunksGiveTheSameFile() {
        torch::manual_seed(5);
        const at::Tensor x = torch::randn({16, 256});
        auto write = [&](const std::string& path, bool chunks) {
            GgufWriter w(path);
            w.set("general.architecture", GgufValue::string("llama"));
            w.add_tensor("m", {16, 256}, GgmlType::Q4_K);
            if (chunks) {
                for (int r = 0; r < 16; r += 5) {
                    const at::Tensor part = x.slice(0, r, std::min(16, r + 5)).contiguous();
                    w.append_f32("m", part.data_ptr<float>(), part.numel());
                }
            } else {
                w.write_tensor("m", x);
            }
            w.finish();
            return read_file(path);
        };
        QVERIFY(write(scratch("whole.gguf"), false) == write(scratch("chunks.gguf"), true));
    }

    void writerRejectsMisuse() {
        const std::string path = scratch("misuse.gguf");
        {
            GgufWriter w(path);
            w.add_tensor("a", {2, 32}, GgmlType::F32);
            w.add_tensor("b", {32}, GgmlType::Q8_0);
            EXPECT_ERROR(w.add_tensor("a", {4}, GgmlType::F32), "tensor 'a' declared twice");
            EXPECT_ERROR(w.add_tensor("c", {2, 100}, GgmlType::Q4_K),
                         "q4_K needs rows that are a multiple of 256 values; shape [2, 100] has rows of 100");
            EXPECT_ERROR(w.add_tensor(std::string(64, 'n'), {4}, GgmlType::F32), "names must be 1 to 63 bytes");
            EXPECT_ERROR(w.add_tensor("d", {1, 1, 1, 1, 1}, GgmlType::F32), "must have 1 to 4 dimensions");
            EXPECT_ERROR(w.write_tensor("b", torch::ones({32})), "tensor 'b' written out of order: 'a' comes next");
            EXPECT_ERROR(w.write_tensor("zzz", torch::ones({32})), "tensor 'zzz' written but never declared");
            EXPECT_ERROR(w.write_tensor("a", torch::ones({32, 2})), "tensor 'a' was declared [2, 32] but the data is [32, 2]");
            EXPECT_ERROR(w.write_tensor("a", torch::ones({2, 32}, torch::kInt64)), "takes floating-point tensors");
            w.write_tensor("a", torch::ones({2, 32}));
            EXPECT_ERROR(w.write_tensor("a", torch::ones({2, 32})), "tensor 'a' written after it was complete");
            EXPECT_ERROR(w.set("late", GgufValue::u8(1)), "metadata 'late' set after tensor data was written");
            std::vector<float> half(16, 1.0f);
            EXPECT_ERROR(w.append_f32("b", half.data(), 16), "q8_0 encodes blocks of 32 values; 16 is not a multiple");
            EXPECT_ERROR(w.finish(), "tensor 'b' is incomplete: 0 of 34 bytes written");
            QVERIFY(!file_exists(path));
            QVERIFY(!file_exists(temp_sibling(path)));
        }
        {
            GgufWriter w(path);
            w.add_tensor("a", {4}, GgmlType::F32);
            w.write_tensor("a", torch::ones({4}));
        }  // destroyed without finish(): nothing is left behind
        QVERIFY(!file_exists(path));
        QVERIFY(!file_exists(temp_sibling(path)));
    }

    // Each corruption of a valid file, with the message it must produce.
    void readerRejectsCorruptFiles() {
        const std::string good_path = scratch("good.gguf");
        const std::string good = write_sample(good_path);
        GgufFile ok(good_path);
        QCOMPARE(ok.tensors().size(), size_t(2));

        const size_t kv_count = after_string(good, "a.count");  // -> u32 type, then the value
        const size_t list = after_string(good, "a.list");
        const size_t one = after_string(good, "t.one");  // -> n_dims, ne[2], type, offset
        const size_t two = after_string(good, "t.two");
        struct Case {
            const char* what;
            std::function<void(std::string&)> mutate;
            std::string message;
        };
        const Case cases[] = {
            {"empty", [](std::string& b) { b.clear(); }, "not a GGUF file (0 bytes, too short for the header)"},
            {"magic", [](std::string& b) { b[3] = 'X'; }, "not a GGUF file (magic 'GGUX', expected 'GGUF')"},
            {"version 1", [](std::string& b) { store<uint32_t>(b, 4, 1); }, "GGUF version 1 is not supported (expected 2 or 3)"},
            {"big-endian", [](std::string& b) { store<uint32_t>(b, 4, 0x03000000); }, "(a big-endian file?)"},
            {"tensor count", [](std::string& b) { store<uint64_t>(b, 8, 1ull << 40); }, "tensor count is 1099511627776, more than the remaining"},
            {"kv count", [](std::string& b) { store<uint64_t>(b, 16, 1ull << 62); }, "metadata count is 4611686018427387904"},
            {"cut in header", [](std::string& b) { b.resize(40); }, "tensor count is 2, more than the remaining 24 bytes could hold (truncated or corrupt header?)"},
            {"cut in tensor info", [&](std::string& b) { b.resize(two + 10); },
             "truncated: dimension 0 of 't.two' needs 8 bytes at offset " + std::to_string(two + 4) + " but the file has " +
                 std::to_string(two + 10) + " bytes"},
            {"key length", [](std::string& b) { store<uint64_t>(b, 24, 1ull << 50); }, "key of metadata entry 0 claims 1125899906842624 bytes"},
            {"value type", [&](std::string& b) { store<uint32_t>(b, kv_count, 13); }, "metadata key 'a.count' has unknown value type 13 (expected 0..12)"},
            {"nested array", [&](std::string& b) { store<uint32_t>(b, list + 4, 9); }, "metadata key 'a.list' is an array of arrays"},
            {"array count", [&](std::string& b) { store<uint64_t>(b, list + 8, 1ull << 40); }, "element count of 'a.list' is 1099511627776"},
            {"dims", [&](std::string& b) { store<uint32_t>(b, one, 5); }, "tensor 't.one' has 5 dimensions (at most 4)"},
            {"negative dim", [&](std::string& b) { store<int64_t>(b, one + 4, -32); }, "tensor 't.one' dimension 0 is negative (-32)"},
            {"ggml type", [&](std::string& b) { store<uint32_t>(b, one + 20, 99); }, "tensor 't.one' has unknown ggml type 99"},
            {"removed type", [&](std::string& b) { store<uint32_t>(b, one + 20, 4); }, "tensor 't.one' has unknown ggml type 4"},
            {"block size", [&](std::string& b) { store<uint32_t>(b, one + 20, 12); }, "tensor 't.one' of type q4_K has rows of 32 values, not a multiple of its block size 256"},
            {"offset", [&](std::string& b) { store<uint64_t>(b, two + 24, 64); }, "tensor 't.two' has data offset 64, expected 96 (tensors must be stored in order, each padded to 32 bytes)"},
            {"truncated data", [](std::string& b) { b.resize(b.size() - 40); }, "tensor 't.two' data ["},
            {"duplicate tensor", [&](std::string& b) { std::memcpy(&b[two - 3], "one", 3); }, "tensor 't.one' appears twice"},
        };
        for (const Case& c : cases) {
            std::string bytes = good;
            c.mutate(bytes);
            const std::string path = scratch(std::string("bad-") + c.what + ".gguf");
            write_file_atomic(path, bytes);
            const std::string msg = error_of([&] { GgufFile f(path); });
            QVERIFY2(msg.rfind(path + ": ", 0) == 0, qPrintable(QString(c.what) + ": " + QString::fromStdString(msg)));
            QVERIFY2(msg.find(c.message) != std::string::npos, qPrintable(QString(c.what) + ": " + QString::fromStdString(msg)));
        }
        EXPECT_ERROR(GgufFile(scratch("missing.gguf")), "missing.gguf: file not found");
    }

    // Keys, alignment: cases that need a file written for them.
    void readerRejectsBadKeys() {
        const std::string path = scratch("keys.gguf");
        {
            GgufWriter w(path);
            w.set("a.bb", GgufValue::u8(1));
            w.set("a.cc", GgufValue::u8(2));
            w.set("general.alignmenX", GgufValue::u32(48));
            w.set("general.alignmenY", GgufValue::string("32"));
            w.finish();
        }
        const std::string good = read_file(path);
        auto with = [&](const std::string& from, const std::string& to) {
            std::string b = good;
            b.replace(b.find(from), from.size(), to);
            write_file_atomic(path, b);
            return error_of([&] { GgufFile f(path); });
        };
        QVERIFY(with("a.cc", "a.bb").find("metadata key 'a.bb' appears twice") != std::string::npos);
        QVERIFY(with("general.alignmenX", "general.alignment").find("general.alignment 48 is not a power of 2") != std::string::npos);
        QVERIFY(with("general.alignmenY", "general.alignment").find("general.alignment must be a u32, found string") != std::string::npos);
        QVERIFY(with("a.bb", std::string("\0\0\0\0", 4)).empty());  // odd keys are allowed, empty ones are not
        std::string b = good;
        store<uint64_t>(b, 24, 0);                       // first key length 0 ...
        b.erase(32, 4);                                  // ... and its 4 bytes gone
        write_file_atomic(path, b);
        QVERIFY(error_of([&] { GgufFile f(path); }).find("metadata entry 0 has an empty key") != std::string::npos);
    }

    // GGUF row h*hd + 2i is HF row h*hd + i; row h*hd + 2i + 1 is HF row h*hd + hd/2 + i.
    void llamaQkPermutation() {
        const int64_t n_head = 3, hd = 8, cols = 5;
        const at::Tensor hf = torch::arange(n_head * hd * cols, torch::kFloat32).reshape({n_head * hd, cols});
        const at::Tensor g = llama_permute_qk_for_gguf(hf, n_head);
        for (int64_t h = 0; h < n_head; ++h) {
            for (int64_t i = 0; i < hd / 2; ++i) {
                QVERIFY(torch::equal(g[h * hd + 2 * i], hf[h * hd + i]));
                QVERIFY(torch::equal(g[h * hd + 2 * i + 1], hf[h * hd + hd / 2 + i]));
            }
        }
        QVERIFY(torch::equal(llama_unpermute_qk_from_gguf(g, n_head), hf));
        const at::Tensor bias = torch::arange(n_head * hd, torch::kFloat32);
        QCOMPARE(llama_permute_qk_for_gguf(bias, n_head)[1].item<float>(), float(hd / 2));
        QVERIFY(torch::equal(llama_unpermute_qk_from_gguf(llama_permute_qk_for_gguf(bias, n_head), n_head), bias));
        EXPECT_ERROR(llama_permute_qk_for_gguf(torch::zeros({20, 4}), 3),
                     "q/k permutation: 20 rows do not split into 3 heads of an even head size");
    }
};

LATHE_TEST(TestGguf)
#include "test_gguf.moc"
