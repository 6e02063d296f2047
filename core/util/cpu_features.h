// What this processor offers for bfloat16 arithmetic, read with CPUID and XGETBV (Intel SDM vol. 2,
// CPUID leaf 07H; vol. 1, 13.3 "enabling the XSAVE feature set"). An instruction set counts only when
// the CPU has it *and* the operating system saves its register state (XCR0); otherwise using it faults.
#pragma once
#include <string>

namespace lathe {

struct CpuFeatures {
    bool avx512_bf16 = false;  // CPUID.(EAX=7,ECX=1):EAX[5]: VDPBF16PS and the bf16 conversions
    bool amx_bf16 = false;     // CPUID.(EAX=7,ECX=0):EDX[22]: TDPBF16PS on AMX tiles
    bool os_avx512 = false;    // XCR0 enables SSE, AVX, opmask, ZMM_Hi256 and Hi16_ZMM (bits 1, 2, 5, 6, 7)
    bool os_amx = false;       // XCR0 enables XTILECFG and XTILEDATA (bits 17, 18)
    std::string brand;         // "AMD EPYC 9R14 96-Core Processor" (CPUID 80000002H-80000004H), "" unknown

    bool usable_avx512_bf16() const { return avx512_bf16 && os_avx512; }
    bool usable_amx_bf16() const { return amx_bf16 && os_amx; }
    bool fast_bf16() const { return usable_avx512_bf16() || usable_amx_bf16(); }
};

// This machine's features, read once. All false on processors other than x86-64.
const CpuFeatures& cpu_features();
// Reads them again (what cpu_features() caches).
CpuFeatures detect_cpu_features();

}  // namespace lathe
