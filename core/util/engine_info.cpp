#include "core/util/engine_info.h"

#include "core/util/device.h"
#include "core/util/error.h"

#include "lathe_build_paths.h"

#include <algorithm>
#include <filesystem>
#include <thread>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace lathe {

std::string engine_device_summary(const std::string& device, int threads) {
    try {
        const torch::Device d = parse_device(device);
        if (!d.is_cpu()) return describe_device(d);
        const unsigned n = engine_cpu_threads(device, threads);
        return "cpu (" + std::to_string(n) + (n == 1 ? " thread)" : " threads)");
    } catch (const Error& e) {
        return e.what();
    }
}

unsigned engine_cpu_threads(const std::string& device, int threads) {
    try {
        if (!parse_device(device).is_cpu()) return 0;
    } catch (const Error&) {
        return 0;
    }
    // LibTorch's own default before the first run can be 1; runs and chat use one thread per core.
    return threads > 0 ? static_cast<unsigned>(threads) : std::max(1u, std::thread::hardware_concurrency());
}

uint64_t process_rss_bytes() {
    std::ifstream in("/proc/self/statm");
    uint64_t size = 0, resident = 0;
    if (!(in >> size >> resident)) return 0;
    return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::string find_bundled_dir(const std::string& exe_dir, const std::string& name) {
    std::error_code ec;
    const fs::path exe(exe_dir);
    for (const fs::path& p : {exe / ".." / "share" / "lathe" / name, exe / ".." / ".." / name, exe / ".." / name,
                              fs::path(LATHE_SOURCE_ROOT) / name}) {
        if (fs::is_directory(p, ec)) return fs::weakly_canonical(p, ec).string();
    }
    return {};
}

}  // namespace lathe
