#ifndef STYLIZE_CPU_FEATURES_H
#define STYLIZE_CPU_FEATURES_H

/// What this CPU and the operating system let a program run, read with cpuid (and xgetbv for the register
/// state the OS saves). Each field is 1 when usable: an AVX-512 field is 0 when the CPU has it but the OS does
/// not save the ZMM registers (XCR0 bits 5-7), as OpenBLAS decides. On a CPU other than x86-64 all are 0.
typedef struct {
    int avx;         ///< AVX with the YMM state saved by the OS
    int avx2;        ///< AVX2
    int fma;         ///< FMA3
    int avx512f;     ///< AVX-512 Foundation with the ZMM state saved
    int avx512dq;    ///< AVX-512 DQ
    int avx512bw;    ///< AVX-512 BW
    int avx512vl;    ///< AVX-512 VL
    int avx512bf16;  ///< AVX-512 BF16 (cpuid leaf 7 subleaf 1, eax bit 5)
    int amd;         ///< made by AMD (vendor "AuthenticAMD"); read on any x86-64 CPU
} stylize_cpu_features;

/// The features of the CPU this runs on; cheap (a few cpuid instructions), no state kept.
stylize_cpu_features stylize_cpu_features_detect(void);

#endif
