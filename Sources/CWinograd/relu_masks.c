// The ReLU masks' two loops in AVX-512 (Engine's ReLU.swift keeps the Swift SIMD4 loops beside, for other
// CPUs and as the reference): a compare gives 16 mask bits at once, a zero-masking move applies 16.
// Both give the Swift loops' bits: v > 0 is an ordered compare (NaN is not positive) and every dropped value
// becomes +0, as there.
#include "winograd_loops.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))

AVX512 uint64_t stylize_relu64_avx512(float *p) {
    uint64_t bits = 0;
    const __m512 zero = _mm512_setzero_ps();
    for (int g = 0; g < 4; g++) {
        __m512 v = _mm512_loadu_ps(p + 16 * g);
        __mmask16 positive = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
        _mm512_storeu_ps(p + 16 * g, _mm512_maskz_mov_ps(positive, v));
        bits |= (uint64_t)positive << (16 * g);
    }
    return bits;
}

AVX512 void stylize_apply_mask_avx512(const uint64_t *words, size_t bit_offset, float *g, size_t count) {
    size_t k = 0;
    while (k < count) {
        size_t bit = bit_offset + k, shift = bit & 63;
        // Up to 16 bits from this word (the next word's take over at a word's end).
        size_t take = 64 - shift < 16 ? 64 - shift : 16;
        if (take > count - k) take = count - k;
        __mmask16 valid = (__mmask16)((1u << take) - 1);
        __mmask16 keep = (__mmask16)(words[bit >> 6] >> shift) & valid;
        __m512 v = _mm512_maskz_loadu_ps(valid, g + k);
        _mm512_mask_storeu_ps(g + k, valid, _mm512_maskz_mov_ps(keep, v));
        k += take;
    }
}
#else
uint64_t stylize_relu64_avx512(float *p) { (void)p; __builtin_trap(); }
void stylize_apply_mask_avx512(const uint64_t *words, size_t bit_offset, float *g, size_t count) {
    (void)words; (void)bit_offset; (void)g; (void)count;
    __builtin_trap();
}
#endif
