#include "bfloat16_products.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
void stylize_bf16_round(const float *src, uint16_t *dst, size_t count) {
    size_t i = 0;
    // 32 floats in (128 bytes from src + 4i), 32 bfloat16 out (64 bytes from dst + 2i): in place, the store
    // never reaches floats not yet read.
    for (; i + 32 <= count; i += 32) {
        __m512 low = _mm512_loadu_ps(src + i), high = _mm512_loadu_ps(src + i + 16);
        _mm512_storeu_si512((void *)(dst + i), (__m512i)_mm512_cvtne2ps_pbh(high, low));
    }
    // The tail through the same instruction, masked, so that it rounds exactly as the blocks do.
    for (; i < count; i += 16) {
        size_t n = count - i < 16 ? count - i : 16;
        __mmask16 mask = (__mmask16)((1u << n) - 1);
        __m256bh r = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, src + i));
        _mm256_mask_storeu_epi16((void *)(dst + i), mask, (__m256i)r);
    }
}
#else
void stylize_bf16_round(const float *src, uint16_t *dst, size_t count) {
    (void)src; (void)dst; (void)count;
    abort();  // Engine never calls it on a CPU without AVX-512 BF16.
}
#endif

// libgomp's (libdnnl is built with OpenMP; linked by Package.swift): the calling thread's team size for oneDNN.
extern void omp_set_num_threads(int);

struct stylize_bf16_matmul {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_t primitive;
    dnnl_memory_t a, b, c;
};

void stylize_bf16_matmul_destroy(stylize_bf16_matmul *mm) {
    if (!mm) return;
    if (mm->a) dnnl_memory_destroy(mm->a);
    if (mm->b) dnnl_memory_destroy(mm->b);
    if (mm->c) dnnl_memory_destroy(mm->c);
    if (mm->primitive) dnnl_primitive_destroy(mm->primitive);
    if (mm->stream) dnnl_stream_destroy(mm->stream);
    if (mm->engine) dnnl_engine_destroy(mm->engine);
    free(mm);
}

/// The primitive description of the shape, or NULL.
static dnnl_primitive_desc_t describe_shape(dnnl_engine_t engine, int batch, int m, int n, int k,
                                            dnnl_memory_desc_t *ad, dnnl_memory_desc_t *bd, dnnl_memory_desc_t *cd) {
    dnnl_dims_t a_dims = {batch, m, k}, b_dims = {batch, k, n}, c_dims = {batch, m, n};
    if (dnnl_memory_desc_init_by_tag(ad, 3, a_dims, dnnl_bf16, dnnl_abc) != dnnl_success) return NULL;
    if (dnnl_memory_desc_init_by_tag(bd, 3, b_dims, dnnl_bf16, dnnl_abc) != dnnl_success) return NULL;
    if (dnnl_memory_desc_init_by_tag(cd, 3, c_dims, dnnl_f32, dnnl_abc) != dnnl_success) return NULL;
    dnnl_matmul_desc_t desc;
    if (dnnl_matmul_desc_init(&desc, ad, bd, NULL, cd) != dnnl_success) return NULL;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL) != dnnl_success) return NULL;
    return pd;
}

stylize_bf16_matmul *stylize_bf16_matmul_create(int batch, int m, int n, int k) {
    if (batch < 1 || m < 1 || n < 1 || k < 1) return NULL;
    stylize_bf16_matmul *mm = calloc(1, sizeof *mm);
    if (!mm) return NULL;
    dnnl_memory_desc_t ad, bd, cd;
    dnnl_primitive_desc_t pd = NULL;
    int ok = dnnl_engine_create(&mm->engine, dnnl_cpu, 0) == dnnl_success
        && dnnl_stream_create(&mm->stream, mm->engine, dnnl_stream_default_flags) == dnnl_success
        && (pd = describe_shape(mm->engine, batch, m, n, k, &ad, &bd, &cd)) != NULL
        && dnnl_primitive_create(&mm->primitive, pd) == dnnl_success
        && dnnl_memory_create(&mm->a, &ad, mm->engine, DNNL_MEMORY_NONE) == dnnl_success
        && dnnl_memory_create(&mm->b, &bd, mm->engine, DNNL_MEMORY_NONE) == dnnl_success
        && dnnl_memory_create(&mm->c, &cd, mm->engine, DNNL_MEMORY_NONE) == dnnl_success;
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (!ok) {
        stylize_bf16_matmul_destroy(mm);
        return NULL;
    }
    return mm;
}

int stylize_bf16_matmul_run(stylize_bf16_matmul *mm, const uint16_t *a, const uint16_t *b, float *c) {
    // The engine's own workers already run one product each: oneDNN must not start an OpenMP team per call.
    omp_set_num_threads(1);
    if (dnnl_memory_set_data_handle(mm->a, (void *)a) != dnnl_success) return 1;
    if (dnnl_memory_set_data_handle(mm->b, (void *)b) != dnnl_success) return 1;
    if (dnnl_memory_set_data_handle(mm->c, c) != dnnl_success) return 1;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, mm->a}, {DNNL_ARG_WEIGHTS, mm->b}, {DNNL_ARG_DST, mm->c}};
    if (dnnl_primitive_execute(mm->primitive, mm->stream, 3, args) != dnnl_success) return 1;
    return dnnl_stream_wait(mm->stream) == dnnl_success ? 0 : 1;
}

int stylize_bf16_describe(char *text, size_t capacity) {
    if (capacity == 0) return 1;
    text[0] = 0;
    dnnl_engine_t engine = NULL;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return 1;
    dnnl_memory_desc_t ad, bd, cd;
    dnnl_primitive_desc_t pd = describe_shape(engine, 1, 16, 16, 16, &ad, &bd, &cd);
    int status = 1;
    if (pd) {
        const char *impl = NULL;
        if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl) {
            const dnnl_version_t *v = dnnl_version();
            snprintf(text, capacity, "oneDNN %d.%d.%d %s", v->major, v->minor, v->patch, impl);
            status = 0;
        }
        dnnl_primitive_desc_destroy(pd);
    }
    dnnl_engine_destroy(engine);
    return status;
}
