#include "core/chat/engine_info.h"

#include "core/util/device.h"
#include "core/util/error.h"

#include "lathe_build_paths.h"

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace lathe {

std::string engine_device_summary(const std::string& device) {
    try {
        return describe_device(parse_device(device));
    } catch (const Error& e) {
        return e.what();
    }
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
