#ifndef STYLIZE_BFLOAT16_PRODUCTS_H
#define STYLIZE_BFLOAT16_PRODUCTS_H

#include <stddef.h>
#include <stdint.h>

/// bfloat16 matrix products for the Winograd domain's backward products, through oneDNN's matmul (Debian's
/// libdnnl, 2.6): C[b] (float32, M x N) = A[b] (bfloat16, M x K) * B[b] (bfloat16, K x N) for b in 0..<batch, all
/// row-major and packed. Each product of two bfloat16 numbers is exact in float32 and oneDNN sums in float32,
/// so the result is within γ_K (float32) of the exact sum of the rounded operands' products.
///
/// Only for CPUs with AVX-512 BF16 (Engine's BackwardProducts checks cpuid first): the rounding below uses its
/// instructions, and oneDNN's bf16 kernels there run at twice float32's rate (on other CPUs oneDNN would
/// emulate them, slower than OpenBLAS's sgemm).

/// Rounds `count` floats to bfloat16 to nearest, ties to even, as VCVTNE2PS2BF16 does: a subnormal input
/// becomes a zero of its sign, a NaN stays a (quiet) NaN. `dst` may be `src` itself (the same memory,
/// reinterpreted): each block is read before it is written and the output is half as long. Needs AVX-512 BF16.
void stylize_bf16_round(const float *src, uint16_t *dst, size_t count);

/// One matmul shape, bound to the calling thread: oneDNN's primitive (taken from oneDNN's own cache after the
/// first creation of a shape), its stream and the memory descriptions. Not for two threads at once.
typedef struct stylize_bf16_matmul stylize_bf16_matmul;

/// A product of `batch` pairs (M x K) * (K x N); NULL when oneDNN cannot make it (no bf16 kernel on this CPU,
/// or out of memory).
stylize_bf16_matmul *stylize_bf16_matmul_create(int batch, int m, int n, int k);

/// c = a * b for the shape of `matmul`, on the calling thread alone (no OpenMP team). 0 on success.
int stylize_bf16_matmul_run(stylize_bf16_matmul *matmul, const uint16_t *a, const uint16_t *b, float *c);

void stylize_bf16_matmul_destroy(stylize_bf16_matmul *matmul);

/// The implementation oneDNN chose for a small bf16 matmul, e.g. "brg:avx512_core_bf16", and its version,
/// for --verbose; writes at most `capacity` bytes (NUL-terminated). 0 on success.
int stylize_bf16_describe(char *text, size_t capacity);

#endif
