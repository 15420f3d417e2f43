#ifndef STYLIZE_WINOGRAD_LOOPS_H
#define STYLIZE_WINOGRAD_LOOPS_H

#include <stddef.h>
#include <stdint.h>

/// The Winograd F(4x4, 3x3) transforms' loops (Sources/Engine/Winograd.swift calls them per block of tiles),
/// written once in plain C and compiled by clang for several instruction sets (winograd_loops.c): the caller
/// names the variant, chosen at run time from cpuid (Engine's TransformLoops), so one binary runs on any
/// x86-64 CPU and uses AVX-512 where the CPU has it.
///
/// Every variant does the same float32 additions, subtractions and multiplications in the same order as the
/// Swift reference (Sources/Engine/WinogradSwiftLoops.swift), with contraction into FMA off, so all give the
/// same bits (IEEE 754 rounds each operation the same whatever the vector width).

/// Tiles per block, at most: Winograd.blockTiles on the Swift side.
#define STYLIZE_WINOGRAD_BLOCK_TILES 64

/// The compiled variants. On a CPU other than x86-64 every value runs the same portable code.
typedef enum {
    stylize_loops_baseline = 0,  ///< x86-64's baseline (SSE2): any x86-64 CPU
    stylize_loops_avx2 = 1,      ///< AVX2 and FMA (Haswell, Zen 1 and later)
    stylize_loops_avx512 = 2,    ///< AVX-512 F, VL, BW and DQ (Skylake-SP, Ice Lake, Zen 4 and later)
} stylize_loops_isa;

/// The input transform of one block of `tiles` (1...STYLIZE_WINOGRAD_BLOCK_TILES) tiles of one tile row and
/// channel. The block's window has 6 rows and 4 * tiles + 2 columns; `r0`...`r5` are its rows from window column
/// `lead` on (`valid` values each; the window's columns before `lead` and from `lead + valid` on are outside the
/// image, zero). Writes V[a * 6 + b][j] = (Bᵀ d_j B)[a][b] for tile j of the block at
/// `v + (a * 6 + b) * plane_stride + j`. The rows may be the same memory; `v` must not overlap them.
void stylize_winograd_input_block(stylize_loops_isa isa, const float *r0, const float *r1, const float *r2,
                                  const float *r3, const float *r4, const float *r5, ptrdiff_t lead,
                                  ptrdiff_t valid, ptrdiff_t tiles, float *v, ptrdiff_t plane_stride);

/// The output transform of one block of `tiles` tiles of one output channel: reads M[a * 6 + b][j] at
/// `m + (a * 6 + b) * plane_stride + j` and writes the first `rows` (1...4) rows of Aᵀ M_j A + `bias`, row r of
/// the block at `out + r * row_stride`, columns 0 ..< min(4 * tiles, columns) (the rest of the last tile is
/// past the image and dropped; `columns` >= 4 * tiles - 3).
void stylize_winograd_output_block(stylize_loops_isa isa, const float *m, ptrdiff_t plane_stride, ptrdiff_t tiles,
                                   float bias, ptrdiff_t rows, ptrdiff_t columns, float *out, ptrdiff_t row_stride);

/// ReLU in place on 64 floats with AVX-512 (only where the CPU has it: Engine's ReLU checks): max(0, x), +0 where
/// x is not positive (NaN included); bit k of the result is set where p[k] > 0. The Swift loops' bits exactly.
uint64_t stylize_relu64_avx512(float *p);

/// g[k] = +0 for k in 0..<count wherever bit bit_offset + k of `words` is clear, with AVX-512 (as above).
void stylize_apply_mask_avx512(const uint64_t *words, size_t bit_offset, float *g, size_t count);

#endif
