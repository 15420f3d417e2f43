#include "winograd_loops.h"

// One source for every instruction set: the bodies below are plain loops, inlined into one wrapper per
// variant whose target attribute lets clang vectorize them for that set (nothing here is written per ISA).
// No contraction of a * b + c into FMA, which would round differently from the Swift reference.
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

#define BLOCK STYLIZE_WINOGRAD_BLOCK_TILES
#define LINE (4 * BLOCK + 2)
#define BODY static inline __attribute__((always_inline))

/// `for (i = 0; i < n; i++) statement`, split so that every variant vectorizes it whole: the first
/// n - n % 16 iterations (16 floats: the widest vector) in a loop clang vectorizes at the variant's width, with
/// no remainder; the rest in a loop vectorized 4 wide (any x86-64 vector), at most 3 left in scalar code. (clang
/// vectorizes one loop at one width and leaves its remainder scalar: with AVX-512 up to 15 tiles of a block.)
#define FOR_ALL(i, n, statement) do {                                                          \
        const ptrdiff_t whole_ = (n) & ~(ptrdiff_t)15;                                          \
        for (ptrdiff_t i = 0; i < whole_; i++) { statement; }                                  \
        _Pragma("clang loop vectorize_width(4)")                                               \
        for (ptrdiff_t i = whole_; i < (n); i++) { statement; }                                \
    } while (0)

/// Bᵀ of F(4, 3) on six values of one window column or row, as Winograd.inputTransform (same operations,
/// same order).
#define INPUT_TRANSFORM(d0, d1, d2, d3, d4, d5, t0, t1, t2, t3, t4, t5) do { \
        const float e_ = (d4) - (d2), f_ = 2 * ((d3) - (d1));                   \
        t0 = 4 * (d0) - 5 * (d2) + (d4);                                        \
        t1 = ((d3) + (d4)) - 4 * ((d1) + (d2));                                 \
        t2 = ((d4) - (d3)) + 4 * ((d1) - (d2));                                 \
        t3 = e_ + f_;                                                           \
        t4 = e_ - f_;                                                           \
        t5 = 4 * (d1) - 5 * (d3) + (d5);                                        \
    } while (0)

/// Aᵀ of F(4, 3) on six values of one column or row of M, as Winograd.outputTransform.
#define OUTPUT_TRANSFORM(e0, e1, e2, e3, e4, e5, t0, t1, t2, t3) do {            \
        const float p12_ = (e1) + (e2), m12_ = (e1) - (e2);                     \
        const float p34_ = (e3) + (e4), m34_ = (e3) - (e4);                     \
        t0 = (e0) + p12_ + p34_;                                                \
        t1 = m12_ + 2 * m34_;                                                   \
        t2 = p12_ + 4 * p34_;                                                   \
        t3 = m12_ + 8 * m34_ + (e5);                                            \
    } while (0)

BODY void input_block(const float *restrict r0, const float *restrict r1, const float *restrict r2,
                      const float *restrict r3, const float *restrict r4, const float *restrict r5,
                      ptrdiff_t lead, ptrdiff_t valid, ptrdiff_t tiles, float *restrict v, ptrdiff_t ps) {
    // Bᵀ down the six rows, contiguous along x, into six lines of the block's width; zero outside the image.
    float lines[6][LINE] __attribute__((aligned(64)));
    const ptrdiff_t span = 4 * tiles + 2;
    for (int a = 0; a < 6; a++) {
        for (ptrdiff_t i = 0; i < lead; i++) lines[a][i] = 0;
        for (ptrdiff_t i = lead + valid; i < span; i++) lines[a][i] = 0;
    }
    float *restrict o0 = lines[0] + lead, *restrict o1 = lines[1] + lead, *restrict o2 = lines[2] + lead;
    float *restrict o3 = lines[3] + lead, *restrict o4 = lines[4] + lead, *restrict o5 = lines[5] + lead;
    FOR_ALL(i, valid,
            INPUT_TRANSFORM(r0[i], r1[i], r2[i], r3[i], r4[i], r5[i], o0[i], o1[i], o2[i], o3[i], o4[i], o5[i]));
    // Bᵀ along each line: tile j reads columns 4j ... 4j + 5.
    for (int a = 0; a < 6; a++) {
        const float *restrict l = lines[a];
        float *restrict out = v + a * 6 * ps;
        FOR_ALL(j, tiles,
                const float *q = l + 4 * j;
                INPUT_TRANSFORM(q[0], q[1], q[2], q[3], q[4], q[5],
                                out[j], out[ps + j], out[2 * ps + j], out[3 * ps + j], out[4 * ps + j], out[5 * ps + j]));
    }
}

BODY void output_block(const float *restrict m, ptrdiff_t ps, ptrdiff_t tiles, float bias, ptrdiff_t rows,
                       ptrdiff_t columns, float *restrict out, ptrdiff_t row_stride) {
    // Aᵀ down the six rows of M: s[r][b][j], r = 0..3.
    float s[4][6][BLOCK] __attribute__((aligned(64)));
    for (int b = 0; b < 6; b++) {
        const float *restrict m0 = m + b * ps, *restrict m1 = m0 + 6 * ps, *restrict m2 = m1 + 6 * ps;
        const float *restrict m3 = m2 + 6 * ps, *restrict m4 = m3 + 6 * ps, *restrict m5 = m4 + 6 * ps;
        float *restrict s0 = s[0][b], *restrict s1 = s[1][b], *restrict s2 = s[2][b], *restrict s3 = s[3][b];
        FOR_ALL(j, tiles, OUTPUT_TRANSFORM(m0[j], m1[j], m2[j], m3[j], m4[j], m5[j], s0[j], s1[j], s2[j], s3[j]));
    }
    // Aᵀ along each row, written along the output rows with the bias.
    ptrdiff_t full = columns / 4;
    if (full > tiles) full = tiles;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *restrict e0 = s[r][0], *restrict e1 = s[r][1], *restrict e2 = s[r][2];
        const float *restrict e3 = s[r][3], *restrict e4 = s[r][4], *restrict e5 = s[r][5];
        float *restrict dst = out + r * row_stride;
        FOR_ALL(j, full,
                float t0; float t1; float t2; float t3;
                OUTPUT_TRANSFORM(e0[j], e1[j], e2[j], e3[j], e4[j], e5[j], t0, t1, t2, t3);
                dst[4 * j] = bias + t0; dst[4 * j + 1] = bias + t1; dst[4 * j + 2] = bias + t2;
                dst[4 * j + 3] = bias + t3);
        if (full < tiles) {   // the last tile, cut by the image's right edge
            float t[4];
            const ptrdiff_t j = full;
            OUTPUT_TRANSFORM(e0[j], e1[j], e2[j], e3[j], e4[j], e5[j], t[0], t[1], t[2], t[3]);
            for (ptrdiff_t k = 0; k < columns - 4 * full && k < 4; k++) dst[4 * full + k] = bias + t[k];
        }
    }
}

#define INPUT_ARGS const float *r0, const float *r1, const float *r2, const float *r3, const float *r4, \
    const float *r5, ptrdiff_t lead, ptrdiff_t valid, ptrdiff_t tiles, float *v, ptrdiff_t ps
#define OUTPUT_ARGS const float *m, ptrdiff_t ps, ptrdiff_t tiles, float bias, ptrdiff_t rows, ptrdiff_t columns, \
    float *out, ptrdiff_t row_stride

/// One variant: the bodies compiled with `attributes`.
#define VARIANT(name, attributes)                                                                \
    attributes static void input_block_##name(INPUT_ARGS) {                                     \
        input_block(r0, r1, r2, r3, r4, r5, lead, valid, tiles, v, ps);                          \
    }                                                                                            \
    attributes static void output_block_##name(OUTPUT_ARGS) {                                   \
        output_block(m, ps, tiles, bias, rows, columns, out, row_stride);                        \
    }

VARIANT(baseline, )
#if defined(__x86_64__)
VARIANT(avx2, __attribute__((target("avx2,fma"))))
VARIANT(avx512, __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))))
#else
#define input_block_avx2 input_block_baseline
#define output_block_avx2 output_block_baseline
#define input_block_avx512 input_block_baseline
#define output_block_avx512 output_block_baseline
#endif

void stylize_winograd_input_block(stylize_loops_isa isa, const float *r0, const float *r1, const float *r2,
                                  const float *r3, const float *r4, const float *r5, ptrdiff_t lead,
                                  ptrdiff_t valid, ptrdiff_t tiles, float *v, ptrdiff_t ps) {
    switch (isa) {
    case stylize_loops_avx512: input_block_avx512(r0, r1, r2, r3, r4, r5, lead, valid, tiles, v, ps); break;
    case stylize_loops_avx2: input_block_avx2(r0, r1, r2, r3, r4, r5, lead, valid, tiles, v, ps); break;
    default: input_block_baseline(r0, r1, r2, r3, r4, r5, lead, valid, tiles, v, ps); break;
    }
}

void stylize_winograd_output_block(stylize_loops_isa isa, const float *m, ptrdiff_t ps, ptrdiff_t tiles,
                                   float bias, ptrdiff_t rows, ptrdiff_t columns, float *out, ptrdiff_t row_stride) {
    switch (isa) {
    case stylize_loops_avx512: output_block_avx512(m, ps, tiles, bias, rows, columns, out, row_stride); break;
    case stylize_loops_avx2: output_block_avx2(m, ps, tiles, bias, rows, columns, out, row_stride); break;
    default: output_block_baseline(m, ps, tiles, bias, rows, columns, out, row_stride); break;
    }
}
