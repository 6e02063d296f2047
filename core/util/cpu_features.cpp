#include "core/util/cpu_features.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define LATHE_X86 1
#endif

namespace lathe {

#if LATHE_X86
namespace {

struct Regs {
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

Regs cpuid(uint32_t leaf, uint32_t subleaf) {
    Regs r;
    __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
    return r;
}

bool bit(uint32_t v, int n) { return (v >> n) & 1u; }

// XCR0: which register states the OS saves on a context switch. Only valid when CPUID.1:ECX.OSXSAVE[27].
uint64_t xcr0() {
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t(hi) << 32) | lo;
}

std::string brand_string() {
    if (cpuid(0x80000000u, 0).eax < 0x80000004u) return {};
    char text[49] = {};
    for (uint32_t i = 0; i < 3; ++i) {
        const Regs r = cpuid(0x80000002u + i, 0);
        std::memcpy(text + 16 * i, &r, 16);  // eax, ebx, ecx, edx in order
    }
    std::string s(text);
    const auto first = s.find_first_not_of(' ');
    const auto last = s.find_last_not_of(' ');
    return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

}  // namespace
#endif

CpuFeatures detect_cpu_features() {
    CpuFeatures f;
#if LATHE_X86
    f.brand = brand_string();
    const uint32_t max_leaf = cpuid(0, 0).eax;
    if (max_leaf < 7) return f;
    const Regs l7 = cpuid(7, 0);
    f.amx_bf16 = bit(l7.edx, 22);
    if (l7.eax >= 1) f.avx512_bf16 = bit(cpuid(7, 1).eax, 5);  // EAX of subleaf 0 = the last subleaf
    if (bit(cpuid(1, 0).ecx, 27)) {                             // OSXSAVE: XGETBV may be executed
        const uint64_t x = xcr0();
        const uint64_t avx512_state = (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7);
        const uint64_t amx_state = (1u << 17) | (1u << 18);
        f.os_avx512 = (x & avx512_state) == avx512_state;
        f.os_amx = (x & amx_state) == amx_state;
    }
#endif
    return f;
}

const CpuFeatures& cpu_features() {
    static const CpuFeatures f = detect_cpu_features();
    return f;
}

}  // namespace lathe
