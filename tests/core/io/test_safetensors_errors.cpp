// Every way a safetensors file can be corrupt, built by hand byte for byte, and every tensor the
// writer refuses: each must throw IoError naming the file, the tensor and what is wrong.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "core/util/fs.h"

#include <torch/torch.h>
#include <QtTest>

#include <cstring>
#include <functional>

using namespace lathe;

namespace {

using lathe::test::error_of;

std::string length_prefix(uint64_t n) {
    std::string s(8, '\0');
    std::memcpy(&s[0], &n, 8);
    return s;
}

// Writes `header` (with its true length) and `data` to a fresh file; returns its path.
std::string raw_file(const std::string& name, const std::string& header, const std::string& data) {
    const std::string path = test::scratch_dir() + "/" + name + ".safetensors";
    write_file_atomic(path, length_prefix(header.size()) + header + data);
    return path;
}

std::string open_error(const std::string& path) {
    return error_of<IoError>([&] { SafetensorsFile f(path); });
}

const std::string k16(16, '\0');  // data for four F32 values

}  // namespace

class TestSafetensorsErrors : public QObject {
    Q_OBJECT
private slots:
    void missingFile() {
        EXPECT_PARTS(open_error(test::scratch_dir() + "/nope.safetensors"), "nope.safetensors: file not found");
    }

    void fileShorterThanEightBytes() {
        const std::string path = test::scratch_dir() + "/short.safetensors";
        write_file_atomic(path, "abc");
        EXPECT_PARTS(open_error(path), path + ": ", "file is 3 bytes", "too short");
    }

    void headerLongerThanFile() {
        const std::string path = test::scratch_dir() + "/long.safetensors";
        write_file_atomic(path, length_prefix(1000) + "{}        ");
        EXPECT_PARTS(open_error(path), path + ": ", "header says 1000 bytes but the file has 18");
    }

    void headerNotJson() {
        const std::string header = R"({"w":{"dtype":"F32",,"shape":[4],"data_offsets":[0,16]}})";
        const std::string path = raw_file("notjson", header, k16);
        const size_t bad = header.find(",,") + 1;
        EXPECT_PARTS(open_error(path), path + ": ", "not valid JSON at byte " + std::to_string(bad) + " of the header",
                     "file offset " + std::to_string(8 + bad) + "): syntax error");
    }

    // Found by tests/fuzz/fuzz_safetensors: nlohmann reports a number too large for a double as out_of_range,
    // not as a parse error, and it escaped as a JSON library message without the file.
    void headerNumberTooLarge() {
        const std::string path = raw_file("bignumber", R"({"w":{"dtype":"F32","shape":[4e99999],"data_offsets":[0,16]}})", k16);
        EXPECT_PARTS(open_error(path), path + ": ", "header is not valid JSON", "number overflow");
    }

    void headerNotAnObject() {
        EXPECT_PARTS(open_error(raw_file("array", "[1, 2]", "")), "header is a JSON array, expected an object");
    }

    void entryMissingAField() {
        const std::string fields[3] = {R"("dtype":"F32")", R"("shape":[4])", R"("data_offsets":[0,16])"};
        const char* names[3] = {"dtype", "shape", "data_offsets"};
        for (int skip = 0; skip < 3; ++skip) {
            std::string body;
            for (int i = 0; i < 3; ++i)
                if (i != skip) body += (body.empty() ? "" : ",") + fields[i];
            const std::string path = raw_file(std::string("missing_") + names[skip], "{\"w\":{" + body + "}}", k16);
            EXPECT_PARTS(open_error(path), path + ": tensor \"w\": missing \"" + names[skip] + "\"");
        }
    }

    void unknownDtype() {
        const std::string path =
            raw_file("f8", R"({"w":{"dtype":"F8_E4M3","shape":[16],"data_offsets":[0,16]}})", k16);
        EXPECT_PARTS(open_error(path), path + ": tensor \"w\": ", "unsupported dtype \"F8_E4M3\"", "BF16");
    }

    void negativeDimension() {
        const std::string path = raw_file("neg", R"({"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}})", k16);
        EXPECT_PARTS(open_error(path), path + ": tensor \"w\": ", "shape [2,-2] has a negative dimension");
    }

    void malformedFields() {
        EXPECT_PARTS(open_error(raw_file("shape_str", R"({"w":{"dtype":"F32","shape":"4","data_offsets":[0,16]}})", k16)),
                     "tensor \"w\": \"shape\" is a string");
        EXPECT_PARTS(open_error(raw_file("offs3", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8,16]}})", k16)),
                     "tensor \"w\": \"data_offsets\" is [0,8,16], expected [begin, end]");
        EXPECT_PARTS(open_error(raw_file("entry_num", R"({"w":3})", k16)), "tensor \"w\": entry is a JSON number");
    }

    void endBeforeBegin() {
        const std::string path = raw_file("backwards", R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[16,8]}})", k16);
        EXPECT_PARTS(open_error(path), path + ": tensor \"w\": data_offsets [16, 8]: end is before begin");
    }

    void byteCountDisagreesWithShape() {
        const std::string path =
            raw_file("count", R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", std::string(24, '\0'));
        EXPECT_PARTS(open_error(path), path + ": tensor \"w\": expected 24 bytes for [2, 3] F32, got 20");
        // A shape whose byte count overflows 64 bits.
        EXPECT_PARTS(open_error(raw_file("huge", R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],)"
                                                 R"("data_offsets":[0,16]}})", k16)),
                     "expected more than 2^64 bytes for [4294967296, 4294967296] F64, got 16");
    }

    void offsetsOutsideDataSection() {
        const std::string path = raw_file("outside",
                                          R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                          R"("far":{"dtype":"F32","shape":[1],"data_offsets":[100,104]}})",
                                          k16);
        EXPECT_PARTS(open_error(path), path + ": tensor \"far\": data_offsets [100, 104] lie outside the data section (16 bytes)");
    }

    void truncatedFile() {
        const std::string good = test::scratch_dir() + "/whole.safetensors";
        write_safetensors(good, {{"a", torch::ones({4})}, {"b", torch::ones({4})}});
        const std::string bytes = read_file(good);
        const std::string path = test::scratch_dir() + "/cut.safetensors";
        write_file_atomic(path, bytes.substr(0, bytes.size() - 6));  // cuts into "b"
        EXPECT_PARTS(open_error(path), path + ": file is truncated: tensor \"b\" needs data bytes [16, 32]",
                     "data section has 26", "needs at least " + std::to_string(bytes.size()));
    }

    void overlappingTensors() {
        const std::string path = raw_file("overlap",
                                          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                          R"("b":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}})",
                                          k16);
        EXPECT_PARTS(open_error(path), path + ": tensors \"a\" [0, 8] and \"b\" [4, 16] overlap");
    }

    void emptyTensorsOverlapNothing() {
        // Zero-byte ranges sit anywhere (even inside another tensor) without conflict.
        const std::string path = raw_file("empties",
                                          R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                                          R"("e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}})",
                                          k16);
        SafetensorsFile f(path);
        QCOMPARE(f.tensor("e").numel(), int64_t(0));
    }

    void duplicateNames() {
        const std::string path = raw_file("dup",
                                          R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                          R"("w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                          k16);
        EXPECT_PARTS(open_error(path), path + ": header names tensor \"w\" twice");
    }

    void badMetadata() {
        EXPECT_PARTS(open_error(raw_file("meta", R"({"__metadata__":{"format":"pt","step":3}})", "")),
                     "__metadata__ \"step\" is a number, expected a string");
    }

    void absentTensor() {
        const std::string path = raw_file("one", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", k16);
        SafetensorsFile f(path);
        QVERIFY(f.find("v") == nullptr);
        EXPECT_PARTS(error_of<IoError>([&] { f.tensor("v"); }), path + ": no tensor \"v\"");
    }

    void writerRefusesBadTensors() {
        const std::string path = test::scratch_dir() + "/refused.safetensors";
        const at::Tensor ok = torch::ones({2});
        EXPECT_PARTS(error_of<IoError>([&] { write_safetensors(path, {{"a", ok}, {"a", ok}}); }),
                     path + ": tensor \"a\" is given twice");
        EXPECT_PARTS(error_of<IoError>([&] { write_safetensors(path, {{"a", ok}, {"z", torch::ones({2}, torch::kComplexFloat)}}); }),
                     path + ": tensor \"z\": dtype ComplexFloat cannot be stored");
        try {  // as data: the file, and the id the studio words
            write_safetensors(path, {{"z", torch::ones({2}, torch::kComplexFloat)}});
            QFAIL("a complex tensor written");
        } catch (const IoError& e) {
            QCOMPARE(e.problem().id, std::string("safetensors_dtype_unwritable"));
            QCOMPARE(e.problem().file, path);
        }
        EXPECT_PARTS(error_of<IoError>([&] { write_safetensors(path, {{"u", at::Tensor()}}); }), "tensor \"u\" is undefined");
        EXPECT_PARTS(error_of<IoError>([&] { write_safetensors(path, {{"", ok}}); }), "empty name");
        EXPECT_PARTS(error_of<IoError>([&] { write_safetensors(path, {{"__metadata__", ok}}); }), "reserved");
        EXPECT_PARTS(error_of<IoError>([&] { write_safetensors(path, {{std::string("bad\xff", 4), ok}}); }), "not valid UTF-8");
        QVERIFY(!file_exists(path));  // nothing half-written
        QVERIFY(!file_exists(temp_sibling(path)));
        EXPECT_PARTS(error_of<IoError>([&] { write_safetensors("/nonexistent-dir/x.safetensors", {{"a", ok}}); }),
                     "/nonexistent-dir/x.safetensors: cannot create");
    }
};

LATHE_TEST(TestSafetensorsErrors)
#include "test_safetensors_errors.moc"
