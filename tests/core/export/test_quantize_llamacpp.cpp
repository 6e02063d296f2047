// Bit-identity with llama.cpp itself: loads libggml-base.so from the prebuilt node-llama-cpp
// binaries (scripts/llamacpp-setup.sh) and compares ggml_quantize_chunk -- the call llama-quantize
// makes for every tensor -- and ggml's dequantizers with ours, byte for byte and bit for bit.
// Skips when the package is not installed.
#include "tests/registry.h"

#include "core/io/gguf_quant.h"

#include <QtTest>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include <dlfcn.h>

using namespace lathe;

namespace {

// Where scripts/llamacpp-setup.sh puts the CPU binaries; LATHE_LLAMACPP_BINS overrides.
std::string llamacpp_bins() {
    if (const char* env = std::getenv("LATHE_LLAMACPP_BINS")) return env;
    return std::string(LATHE_SOURCE_DIR) + "/bench/llamacpp/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64";
}

struct Ggml {
    void* handle = nullptr;
    size_t (*quantize_chunk)(int type, const float* src, void* dst, int64_t start, int64_t nrows, int64_t n_per_row,
                             const float* imatrix) = nullptr;
    int64_t (*blck_size)(int type) = nullptr;
    size_t (*type_size)(int type) = nullptr;
    const char* (*type_name)(int type) = nullptr;
    void (*fp16_to_fp32_row)(const uint16_t* x, float* y, int64_t n) = nullptr;
    std::map<GgmlType, void (*)(const void*, float*, int64_t)> dequantize;
    std::string error;

    Ggml() {
        const std::string path = llamacpp_bins() + "/libggml-base.so";
        if (!std::filesystem::exists(path)) {
            error = path + " not found: run scripts/llamacpp-setup.sh to install llama.cpp's prebuilt binaries";
            return;
        }
        handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            error = std::string("cannot load ") + path + ": " + ::dlerror();
            return;
        }
        bind(quantize_chunk, "ggml_quantize_chunk");
        bind(blck_size, "ggml_blck_size");
        bind(type_size, "ggml_type_size");
        bind(type_name, "ggml_type_name");
        bind(fp16_to_fp32_row, "ggml_fp16_to_fp32_row");
        const std::pair<GgmlType, const char*> de[] = {{GgmlType::Q8_0, "dequantize_row_q8_0"},
                                                       {GgmlType::Q4_0, "dequantize_row_q4_0"},
                                                       {GgmlType::Q5_0, "dequantize_row_q5_0"},
                                                       {GgmlType::Q4_K, "dequantize_row_q4_K"},
                                                       {GgmlType::Q6_K, "dequantize_row_q6_K"}};
        for (const auto& [t, name] : de) bind(dequantize[t], name);
    }
    ~Ggml() {
        if (handle) ::dlclose(handle);
    }
    template <class F>
    void bind(F& f, const char* name) {
        f = reinterpret_cast<F>(::dlsym(handle, name));
        if (!f && error.empty()) error = std::string("libggml-base.so lacks ") + name;
    }
    bool ok() const { return handle && error.empty(); }
};

Ggml& ggml() {
    static Ggml g;
    return g;
}

// Rows of 1024 values drawn to reach every branch: Gaussian weights at many magnitudes (fp16
// subnormal and overflowing scales included), outliers, zeros, constant blocks, exact ties.
std::vector<float> test_rows(int64_t& n_rows) {
    const int64_t row = 1024;
    std::vector<float> x;
    std::mt19937 rng(1234);
    const float scales[] = {1e-9f, 1e-6f, 1e-4f, 0.02f, 1.0f, 300.0f, 2e4f, 1e7f};
    for (float s : scales) {
        std::normal_distribution<float> n(0.0f, s);
        for (int64_t i = 0; i < 4 * row; ++i) x.push_back(n(rng));
    }
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int64_t i = 0; i < 2 * row; ++i) x.push_back(i % 97 == 0 ? 40.0f * u(rng) : u(rng));  // outliers
    for (int64_t i = 0; i < row; ++i) x.push_back(0.0f);
    for (int64_t i = 0; i < row; ++i) x.push_back(i < row / 2 ? 0.25f : -0.75f);            // constant blocks
    for (int64_t i = 0; i < row; ++i) x.push_back(0.5f * float(int(i % 33) - 16));          // ties at .5 steps
    for (int64_t i = 0; i < row; ++i) x.push_back(std::ldexp(float(int(i % 16)), -10));     // exact grid
    for (int64_t i = 0; i < row; ++i) x.push_back(float(i % 7 == 0) * 1e-14f);               // near GROUP_MAX_EPS
    n_rows = static_cast<int64_t>(x.size()) / row;
    return x;
}

QString first_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, size_t block_bytes) {
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i])
            return QString("first difference at byte %1 (block %2, offset %3): ours 0x%4, llama.cpp 0x%5")
                .arg(i).arg(i / block_bytes).arg(i % block_bytes).arg(a[i], 2, 16, QChar('0')).arg(b[i], 2, 16, QChar('0'));
    return {};
}

}  // namespace

class TestQuantizeLlamacpp : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        if (!ggml().ok()) QSKIP(qPrintable(QString::fromStdString(ggml().error)));
    }

    // Our block-size table is the one the reader uses to walk any file.
    void typeTableMatchesGgml() {
        for (uint32_t t = 0; t < 43; ++t) {
            const GgmlTypeInfo* ours = ggml_type_info(t);
            const int64_t blck = ggml().blck_size(int(t));
            if (blck == 0) {
                QVERIFY2(ours == nullptr, qPrintable(QString("type %1 is removed in ggml").arg(t)));
                continue;
            }
            QVERIFY2(ours != nullptr, qPrintable(QString("type %1 (%2) missing").arg(t).arg(ggml().type_name(int(t)))));
            QCOMPARE(ours->block_size, blck);
            QCOMPARE(ours->block_bytes, ggml().type_size(int(t)));
            QCOMPARE(QString(ours->name), QString(ggml().type_name(int(t))));
        }
    }

    void quantizeChunkMatchesByteForByte() {
        int64_t n_rows = 0;
        const std::vector<float> x = test_rows(n_rows);
        const int64_t row = 1024;
        for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0,
                           GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K}) {
            const size_t bytes = ggml_bytes(t, int64_t(x.size()));
            std::vector<uint8_t> ours(bytes), theirs(bytes, 0xAB);
            quantize(t, x.data(), int64_t(x.size()), ours.data());
            const size_t written = ggml().quantize_chunk(int(t), x.data(), theirs.data(), 0, n_rows, row, nullptr);
            QCOMPARE(written, bytes);
            const QString diff = first_difference(ours, theirs, ggml_type_info(uint32_t(t))->block_bytes);
            QVERIFY2(diff.isEmpty(), qPrintable(QString(ggml_type_name(t)) + ": " + diff));
        }
    }

    void dequantizersMatchBitForBit() {
        int64_t n_rows = 0;
        const std::vector<float> x = test_rows(n_rows);
        const int64_t n = int64_t(x.size());
        for (const auto& [t, theirs_fn] : ggml().dequantize) {
            std::vector<uint8_t> q(ggml_bytes(t, n));
            quantize(t, x.data(), n, q.data());
            std::vector<float> ours(x.size()), theirs(x.size());
            dequantize(t, q.data(), n, ours.data());
            theirs_fn(q.data(), theirs.data(), n);
            for (size_t i = 0; i < x.size(); ++i)
                if (std::memcmp(&ours[i], &theirs[i], 4) != 0 && !(std::isnan(ours[i]) && std::isnan(theirs[i])))
                    QFAIL(qPrintable(QString("%1 value %2: ours %3, llama.cpp %4").arg(ggml_type_name(t)).arg(i)
                                         .arg(double(ours[i])).arg(double(theirs[i]))));
        }
    }

    void halfConversionMatches() {
        std::vector<uint16_t> all(65536);
        for (uint32_t h = 0; h < 65536; ++h) all[h] = uint16_t(h);
        std::vector<float> theirs(65536);
        ggml().fp16_to_fp32_row(all.data(), theirs.data(), 65536);
        for (uint32_t h = 0; h < 65536; ++h) {
            const float ours = fp16_to_fp32(uint16_t(h));
            QVERIFY2(std::memcmp(&ours, &theirs[h], 4) == 0 || (std::isnan(ours) && std::isnan(theirs[h])),
                     qPrintable(QString("half 0x%1").arg(h, 4, 16, QChar('0'))));
        }
    }
};

LATHE_TEST(TestQuantizeLlamacpp)
#include "test_quantize_llamacpp.moc"
