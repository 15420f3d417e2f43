#include "cpu_features.h"

#if defined(__x86_64__)
#include <cpuid.h>

/// XCR0, the register state the OS saves on a context switch (xgetbv with ecx 0; only when OSXSAVE is set).
static unsigned long long extended_control_register0(void) {
    unsigned int low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((unsigned long long)high << 32) | low;
}

stylize_cpu_features stylize_cpu_features_detect(void) {
    stylize_cpu_features f = {0};
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return f;
    const unsigned int max_leaf = eax;
    f.amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;  // "Auth" "enti" "cAMD"
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
    const int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave || !avx) return f;
    const unsigned long long xcr0 = extended_control_register0();
    const int ymm_saved = (xcr0 & 0x6) == 0x6;             // SSE and AVX state
    const int zmm_saved = ymm_saved && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM_Hi256, Hi16_ZMM
    if (!ymm_saved) return f;
    f.avx = 1;
    f.fma = fma;
    if (max_leaf < 7) return f;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned int subleaves = eax;
    f.avx2 = (ebx >> 5) & 1;
    if (zmm_saved) {
        f.avx512f = (ebx >> 16) & 1;
        f.avx512dq = f.avx512f && ((ebx >> 17) & 1);
        f.avx512bw = f.avx512f && ((ebx >> 30) & 1);
        f.avx512vl = f.avx512f && ((ebx >> 31) & 1);
        if (subleaves >= 1) {
            __cpuid_count(7, 1, eax, ebx, ecx, edx);
            f.avx512bf16 = f.avx512f && ((eax >> 5) & 1);
        }
    }
    return f;
}
#else
stylize_cpu_features stylize_cpu_features_detect(void) {
    stylize_cpu_features f = {0};
    return f;
}
#endif
