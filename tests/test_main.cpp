#include "tests/registry.h"

#include <QCoreApplication>
#include <QTest>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace lathe::test {

std::map<std::string, Factory>& registry() {
    static std::map<std::string, Factory> r;
    return r;
}

Registrar::Registrar(const char* file, Factory f) {
    std::string stem = fs::path(file).stem().string();
    if (stem.rfind("test_", 0) == 0) stem = stem.substr(5);
    registry()[stem] = std::move(f);
}

std::string data_dir() { return LATHE_TEST_DATA_DIR; }

std::string shared_tokenizer_dir(const std::string& name) {
    const char* env = std::getenv("LATHE_SHARED_DIR");
    fs::path base = env ? fs::path(env) : fs::path(LATHE_SOURCE_DIR) / ".." / "shared";
    fs::path dir = base / "tokenizers" / name;
    std::error_code ec;
    return fs::is_directory(dir, ec) ? fs::canonical(dir).string() : std::string();
}

std::string scratch_dir() {
    static std::string dir = [] {
        fs::path p = fs::temp_directory_path() / ("lathe-test-" + std::to_string(::getpid()));
        fs::remove_all(p);
        fs::create_directories(p);
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(fs::temp_directory_path() / ("lathe-test-" + std::to_string(::getpid())), ec);
        });
        return p.string();
    }();
    return dir;
}

// Runs the class named by argv[1] ("unknown test" and 2 when there is none by that name), or every
// registered class; the exit code of Qt Test. The GUI area's entry point (tests/ui/gui_main.cpp) ends
// with it too.
int run_registered(int argc, char** argv) {
    auto& reg = registry();
    if (argc >= 2 && argv[1][0] != '-') {
        auto it = reg.find(argv[1]);
        if (it == reg.end()) {
            std::fprintf(stderr, "unknown test '%s'\n", argv[1]);
            return 2;
        }
        auto obj = it->second();
        argv[1] = argv[0];
        return QTest::qExec(obj.get(), argc - 1, argv + 1);
    }
    int failed = 0;
    for (auto& [name, make] : reg) {
        auto obj = make();
        failed += QTest::qExec(obj.get(), argc, argv) != 0;
    }
    return failed;
}

}  // namespace lathe::test

// Usage: <exe> <test-name> [Qt Test arguments]; without a name, runs every registered class.
int main(int argc, char** argv) {
#ifdef LATHE_TEST_GUI
    extern int lathe_test_gui_main(int argc, char** argv);
    return lathe_test_gui_main(argc, argv);
#else
    QCoreApplication app(argc, argv);
    return lathe::test::run_registered(argc, argv);
#endif
}
