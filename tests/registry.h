// One test executable per area holds many Qt Test classes; CTest runs each class as its own test.
// A file registers its class with LATHE_TEST(Class); the key is the file's stem (test_bpe.cpp -> bpe),
// which tests/CMakeLists.txt derives the same way.
#pragma once
#include <QObject>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace lathe::test {

using Factory = std::function<std::unique_ptr<QObject>()>;
std::map<std::string, Factory>& registry();

struct Registrar {
    Registrar(const char* file, Factory f);
};

// Directory holding fixtures shipped with the tests (tests/data).
std::string data_dir();
// ../shared/tokenizers/<name> when present, else "" (tests skip cleanly).
std::string shared_tokenizer_dir(const std::string& name);
// A fresh scratch directory for this test process, removed at exit.
std::string scratch_dir();

}  // namespace lathe::test

#define LATHE_TEST(Class) \
    static ::lathe::test::Registrar lathe_test_registrar_##Class(__FILE__, [] { return std::make_unique<Class>(); });
