// The process's memory as the kernel counts it, for the benchmarks' peak-RSS columns.
#pragma once
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace lathe::bench {

// A field of /proc/self/status in MiB: "VmRSS:" (now) or "VmHWM:" (the peak so far); 0 when absent.
inline double mib_of(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::atof(line.c_str() + std::strlen(field)) / 1024.0;
    return 0;
}

}  // namespace lathe::bench
